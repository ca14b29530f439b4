package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mail/mailpit"
)

// wantMail waits for the newest mail to email whose text has contains, and
// checks its subject and that its text has every one of texts.
func (ta *testApp) wantMail(email, contains, subject string, texts ...string) string {
	ta.t.Helper()
	m := ta.mailpitMessage(email, contains)
	if m.Subject != subject {
		ta.t.Fatalf("mail to %s: subject %q, want %q\n%s", email, m.Subject, subject, m.Text)
	}
	for _, s := range texts {
		if !strings.Contains(m.Text, s) {
			ta.t.Fatalf("mail to %s %q: %q not in\n%s", email, subject, s, m.Text)
		}
	}
	return m.Text
}

// The founder's mails: accepted with the mentor's contact details; declined
// with the reason and the next three suggestions of a fresh ranking (not
// the mentors already asked); and the mentor whose pending introduction
// was withdrawn when the founder matched elsewhere is told so. Then the
// completed mentorship asks the other party for the reflection.
func TestIntroductionOutcomeMails(t *testing.T) {
	t.Parallel()
	ta := newMailApp(t)
	decliner := ta.newMentor("見送る先輩", "01207", "sales")
	accepter := ta.newMentor("受ける先輩", "01207", "sales")
	waiting := ta.newMentor("待つ先輩", "01207", "sales")
	ta.patch("/v1/me", accepter.Access, map[string]any{"phone": "090-1234-5678"}).want(http.StatusOK)
	for i := range 4 { // more candidates than the mail names
		ta.newMentor(fmt.Sprintf("候補%d", i), "01207", "sales")
	}
	f := ta.newFounder("依頼する創業者", "01207")
	r := ta.openRequest(f, "sales")
	declined := ta.introduce(f, r.Request.ID, decliner.ID)
	accepted := ta.introduce(f, r.Request.ID, accepter.ID)
	withdrawn := ta.introduce(f, r.Request.ID, waiting.ID)

	ta.post("/v1/introductions/"+declined.ID+"/decline", decliner.Access, map[string]string{"reason": "no_capacity"}).want(http.StatusOK)
	text := ta.wantMail(f.Email, "見送る先輩さんは今回の紹介を見送りました", "【Kizuna】紹介が見送られました",
		"理由: いまは受け入れの余裕がない", "次の候補:", "/introductions/"+declined.ID)
	next := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "・") {
			next++
			for _, asked := range []string{"見送る先輩", "受ける先輩", "待つ先輩"} {
				if strings.Contains(line, asked) {
					t.Fatalf("a mentor already asked is suggested again: %q", line)
				}
			}
			if !strings.Contains(line, "候補") || !strings.Contains(line, "販路開拓・営業") {
				t.Fatalf("suggestion line %q", line)
			}
		}
	}
	if next != 3 {
		t.Fatalf("%d suggestions in the declined mail:\n%s", next, text)
	}

	ta.post("/v1/introductions/"+accepted.ID+"/accept", accepter.Access, nil).want(http.StatusOK)
	ta.wantMail(f.Email, "受ける先輩さんが紹介を承諾しました", "【Kizuna】紹介が承諾されました",
		"メンターの連絡先: "+accepter.Email, "電話: 090-1234-5678")
	ta.wantMail(waiting.Email, "別のメンターとつながりました", "【Kizuna】紹介の依頼が取り下げられました",
		"依頼する創業者さんは別のメンターとつながりました。ご検討ありがとうございました", "/introductions/"+withdrawn.ID)

	var in introBody
	ta.get("/v1/introductions/"+accepted.ID, f.Access).want(http.StatusOK).decode(&in)
	ta.post("/v1/mentorships/"+in.MentorshipID+"/complete", f.Access, map[string]any{"reflection": "ありがとうございました", "rating": 5, "stayInTouch": true}).want(http.StatusOK)
	ta.wantMail(accepter.Email, "振り返りを書いて", "【Kizuna】メンターシップが完了しました。振り返りをお願いします",
		"依頼する創業者さんがメンターシップを完了しました。振り返りを書いて、これからもつながりましょう", "/mentorships/"+in.MentorshipID)
}

// The mentor's mails: the half-time reminder, the expiry, and the pause
// after three unanswered, with how to resume.
func TestMentorReminderExpiryAndPauseMails(t *testing.T) {
	t.Parallel()
	ta := newMailApp(t)
	m := ta.newMentor("忙しい先輩", "01207", "sales")
	var founders []account
	for i := range 3 {
		f := ta.newFounder(fmt.Sprintf("創業者%d", i), "01207")
		ta.introduce(f, ta.openRequest(f, "sales").Request.ID, m.ID)
		founders = append(founders, f)
	}
	// To a founder an expiry is the outcome of their introduction, mailed
	// by that preference, not by the mentors' reminders.
	ta.put("/v1/me/notification-preferences", founders[0].Access, map[string]any{
		"channels": map[string]string{"introductionReminders": "in_app"}, "digest": "monthly"}).want(http.StatusOK)
	ta.put("/v1/me/notification-preferences", founders[1].Access, map[string]any{
		"channels": map[string]string{"introductionOutcome": "in_app"}, "digest": "monthly"}).want(http.StatusOK)
	job := func() {
		t.Helper()
		_, err := ta.app.mentorships.RunIntroductionJob(context.Background())
		must(t, err)
	}
	ta.clock.Advance(7 * 24 * time.Hour) // half of 14 days
	job()
	ta.wantMail(m.Email, "創業者0さんからの紹介依頼が未回答です", "【Kizuna】未回答の紹介の依頼があります", "あと7日で期限切れになります")
	ta.clock.Advance(7 * 24 * time.Hour)
	job()
	ta.wantMail(m.Email, "からの紹介依頼が期限切れになりました", "【Kizuna】紹介の依頼が期限切れになりました")
	ta.wantMail(founders[0].Email, "忙しい先輩さんへの紹介依頼は回答がないまま期限切れになりました", "【Kizuna】紹介の依頼が期限切れになりました")
	id, err := bson.ObjectIDFromHex(founders[1].ID)
	must(t, err)
	msgs, err := ta.app.mail.ForUser(context.Background(), id)
	must(t, err)
	for _, msg := range msgs {
		if msg.Kind == mail.KindNotification {
			t.Fatalf("a founder who wants outcomes in the app only was mailed: %+v", msg)
		}
	}
	ta.wantMail(m.Email, "一時停止しました", "【Kizuna】新しい依頼の受付を一時停止しました",
		"再開するにはプロフィールで受付をオンにしてください", "https://app.kizuna.example/settings/mentor-profile")
}

// Everyone going to an event is reminded the day before, once, by mail too.
func TestEventReminderMail(t *testing.T) {
	t.Parallel()
	ta := newMailApp(t)
	org := ta.organizer("世話役")
	var c struct {
		ID string `json:"id"`
	}
	ta.post("/v1/communities", org.Access, map[string]any{"name": "十勝の会", "prefectureCodes": []string{"01"}}).want(http.StatusCreated).decode(&c)
	start := ta.clock.Now().Add(30 * time.Hour)
	var e struct {
		ID string `json:"id"`
	}
	ta.post("/v1/communities/"+c.ID+"/events", org.Access, map[string]any{"title": "30分だけ相談会", "startsAt": start, "endsAt": start.Add(30 * time.Minute),
		"online": true, "capacity": 5, "tags": []string{"free", "short"}}).want(http.StatusCreated).decode(&e)
	goer := ta.signUp("行く人")
	ta.post("/v1/events/"+e.ID+"/rsvp", goer.Access, map[string]string{"status": "going"}).want(http.StatusOK)
	maybe := ta.signUp("迷う人")
	ta.post("/v1/events/"+e.ID+"/rsvp", maybe.Access, map[string]string{"status": "maybe"}).want(http.StatusOK)

	n, err := ta.app.community.RemindEvents(context.Background())
	must(t, err)
	if n != 0 {
		t.Fatalf("%d reminders 30 hours ahead", n)
	}
	ta.clock.Advance(7 * time.Hour)
	for range 2 {
		n, err = ta.app.community.RemindEvents(context.Background())
		must(t, err)
		if n > 1 {
			t.Fatalf("%d reminders for one person going", n)
		}
	}
	ta.wantMail(goer.Email, "明日は「30分だけ相談会」です", "【Kizuna】明日のイベントのお知らせ", "/events/"+e.ID)
	goer = ta.login(goer.Email, testPassword)
	if got := ta.unread(goer, "event_reminder"); got != 1 {
		t.Fatalf("%d reminders in the inbox", got)
	}
	maybe = ta.login(maybe.Email, testPassword)
	if got := ta.unread(maybe, "event_reminder"); got != 0 {
		t.Fatalf("someone not going was reminded %d times", got)
	}
}

// Changing the password (signed in) mails the owner a notice too, saying
// the other sessions were signed out, with a way back if it was not them.
func TestPasswordChangeNotice(t *testing.T) {
	t.Parallel()
	ta := newMailApp(t)
	a := ta.signUp("鍵を変える人")
	ta.post("/v1/me/password", a.Access, map[string]string{"currentPassword": testPassword, "newPassword": "a-brand-new-passphrase"}).want(http.StatusNoContent)
	ta.wantMail(a.Email, "パスワードが変更され", "【Kizuna】パスワードが変更されました",
		"変更した端末のほかはサインアウトされました", "https://app.kizuna.example/forgot-password")
}

// Changing the e-mail address: the new address proves itself by its link
// before the account switches, the old address is told, the link works
// once; taken, unchanged or unproven (wrong password) requests change
// nothing. Asking is limited per user.
func TestEmailChange(t *testing.T) {
	t.Parallel()
	ta := newMailApp(t, func(c *appSetup) { c.PasswordPerMinute = 6 }) // bursts of 3
	a := ta.signUp("引っ越す人")
	other := ta.signUp("ほかの人")
	fresh := uniqueEmail("moved")
	ta.post("/v1/me/email", a.Access, map[string]string{"newEmail": fresh, "password": "wrong-password-1"}).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.post("/v1/me/email", a.Access, map[string]string{"newEmail": other.Email, "password": testPassword}).wantProblem(http.StatusConflict, "email_taken")
	ta.post("/v1/me/email", a.Access, map[string]string{"newEmail": a.Email, "password": testPassword}).wantProblem(http.StatusConflict, "email_unchanged")
	wantRateLimited(t, ta.post("/v1/me/email", a.Access, map[string]string{"newEmail": fresh, "password": testPassword}))
	ta.clock.Advance(time.Minute)
	a = ta.login(a.Email, testPassword)
	ta.post("/v1/me/email", a.Access, map[string]string{"newEmail": fresh, "password": testPassword}).want(http.StatusAccepted)

	m := ta.mailpitMessage(fresh, "/confirm-email-change?token=")
	if m.Subject != "【Kizuna】新しいメールアドレスの確認をお願いします" || m.To[0].Address != fresh {
		t.Fatalf("confirmation mail %q to %+v", m.Subject, m.To)
	}
	var me struct {
		Email string `json:"email"`
	}
	ta.get("/v1/me", a.Access).want(http.StatusOK).decode(&me)
	if me.Email != a.Email {
		t.Fatalf("the address changed before the new one was proven: %s", me.Email)
	}
	match := tokenInLink.FindStringSubmatch(m.Text)
	token, err := url.QueryUnescape(match[1])
	must(t, err)
	var out struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"emailVerified"`
	}
	ta.post("/v1/auth/confirm-email-change", "", map[string]string{"token": token}).want(http.StatusOK).decode(&out)
	if out.Email != fresh || !out.EmailVerified {
		t.Fatalf("after confirming: %+v", out)
	}
	ta.post("/v1/auth/confirm-email-change", "", map[string]string{"token": token}).wantProblem(http.StatusBadRequest, "invalid_token")
	ta.wantMail(a.Email, "メールアドレスが", "【Kizuna】メールアドレスが変更されました", "m***@example.jp に変更されました")
	ta.get("/v1/me", a.Access).want(http.StatusOK).decode(&me)
	if me.Email != fresh {
		t.Fatalf("address %s after confirming", me.Email)
	}
	ta.post("/v1/auth/login", "", map[string]string{"email": a.Email, "password": testPassword}).wantProblem(http.StatusUnauthorized, "invalid_credentials")
	moved := ta.login(fresh, testPassword)

	// It was not the owner: the old address undoes it with the notice's
	// link. The address goes back, every session ends and the password
	// stops working (whoever changed it may know it); a reset link comes
	// to the old address. The link works once.
	notice := ta.wantMail(a.Email, "/revert-email-change?token=", "【Kizuna】メールアドレスが変更されました", "変更を取り消して")
	undo, err := url.QueryUnescape(tokenInLink.FindStringSubmatch(notice)[1])
	must(t, err)
	ta.post("/v1/auth/revert-email-change", "", map[string]string{"token": undo}).want(http.StatusOK).decode(&out)
	if out.Email != a.Email || !out.EmailVerified {
		t.Fatalf("after undoing: %+v", out)
	}
	ta.get("/v1/me", moved.Access).wantProblem(http.StatusUnauthorized, "session_ended")
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": moved.Refresh}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	for _, email := range []string{a.Email, fresh} {
		ta.post("/v1/auth/login", "", map[string]string{"email": email, "password": testPassword}).wantProblem(http.StatusUnauthorized, "invalid_credentials")
	}
	ta.post("/v1/auth/revert-email-change", "", map[string]string{"token": undo}).wantProblem(http.StatusBadRequest, "invalid_token")
	reset := ta.mailpitToken(a.Email, mail.KindPasswordReset)
	ta.post("/v1/auth/password-reset/confirm", "", map[string]string{"token": reset, "newPassword": "back-in-my-own-hands"}).want(http.StatusNoContent)
	ta.login(a.Email, "back-in-my-own-hands")

	// An undo comes too late when another account has taken the old
	// address since: nothing changes.
	b := ta.signUp("また引っ越す人")
	bFresh := uniqueEmail("moved")
	ta.post("/v1/me/email", b.Access, map[string]string{"newEmail": bFresh, "password": testPassword}).want(http.StatusAccepted)
	ta.post("/v1/auth/confirm-email-change", "", map[string]string{"token": ta.mailpitToken(bFresh, mail.KindConfirmEmailChange)}).want(http.StatusOK)
	bUndo := ta.mailpitToken(b.Email, mail.KindEmailChanged)
	ta.post("/v1/auth/register", "", map[string]any{"email": b.Email, "password": testPassword, "displayName": "アドレスを拾った人", "roles": []string{}}).want(http.StatusCreated)
	ta.post("/v1/auth/revert-email-change", "", map[string]string{"token": bUndo}).wantProblem(http.StatusConflict, "email_taken")
	ta.login(bFresh, testPassword)

	// Two accounts asking for one address: the second to confirm finds it taken.
	x, y := ta.signUp("x"), ta.signUp("y")
	contested := uniqueEmail("contested")
	ta.post("/v1/me/email", x.Access, map[string]string{"newEmail": contested, "password": testPassword}).want(http.StatusAccepted)
	ta.post("/v1/me/email", y.Access, map[string]string{"newEmail": contested, "password": testPassword}).want(http.StatusAccepted)
	var tokens []string
	ta.mailpit.WaitFor(20*time.Second, func(msgs []mailpit.Summary) bool {
		tokens = tokens[:0]
		for _, s := range msgs {
			if len(s.To) == 1 && s.To[0].Address == contested {
				mt := tokenInLink.FindStringSubmatch(ta.mailpit.Get(s.ID).Text)
				tok, _ := url.QueryUnescape(mt[1])
				tokens = append(tokens, tok)
			}
		}
		return len(tokens) == 2
	})
	ta.post("/v1/auth/confirm-email-change", "", map[string]string{"token": tokens[0]}).want(http.StatusOK)
	ta.post("/v1/auth/confirm-email-change", "", map[string]string{"token": tokens[1]}).wantProblem(http.StatusConflict, "email_taken")
}
