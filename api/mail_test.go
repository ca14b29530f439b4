package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mail/mailpit"
)

// register signs up without confirming the address (signUp confirms it).
func (ta *testApp) register(name, email string, roles ...string) account {
	ta.t.Helper()
	var out AuthResponseBody
	ta.post("/v1/auth/register", "", map[string]any{"email": email, "password": testPassword, "displayName": name, "roles": roles}).
		want(http.StatusCreated).decode(&out)
	return account{ID: out.User.ID, Email: email, Access: out.Tokens.AccessToken, Refresh: out.Tokens.RefreshToken}
}

func (ta *testApp) emailVerified(a account) bool {
	ta.t.Helper()
	var me struct {
		EmailVerified bool `json:"emailVerified"`
	}
	ta.get("/v1/me", a.Access).want(http.StatusOK).decode(&me)
	return me.EmailVerified
}

// Must show 1: a founder registers, is refused introductions until the
// address is proven, receives the verification mail from a real SMTP server
// (Mailpit), follows the link, and may then introduce; the mentor gets the
// introduction by mail. The link works once.
func TestVerifyByMailThenIntroduce(t *testing.T) {
	t.Parallel()
	ta := newMailApp(t)
	mentor := ta.newMentor("札幌の先輩", "01101", "sales")

	email := uniqueEmail("tanaka")
	f := ta.register("田中 健", email, "founder")
	if ta.emailVerified(f) {
		t.Fatal("a new account is verified before following its link")
	}
	ta.put("/v1/me/founder-profile", f.Access, founderProfile("01101")).want(http.StatusCreated)
	r := ta.openRequest(f, "sales")
	ta.post("/v1/match-requests/"+r.Request.ID+"/introductions", f.Access, map[string]any{"mentorId": mentor.ID, "message": "よろしくお願いします"}).
		wantProblem(http.StatusForbidden, "email_unverified")

	// The mail, as delivered.
	m := ta.mailpitMessage(email, "/verify-email?token=")
	if m.Subject != "【Kizuna】メールアドレスの確認をお願いします" {
		t.Fatalf("subject %q", m.Subject)
	}
	if m.From.Address != "no-reply@kizuna.example" || m.From.Name != "Kizuna" || len(m.To) != 1 || m.To[0].Address != email {
		t.Fatalf("from %+v to %+v", m.From, m.To)
	}
	if !strings.Contains(m.Text, "田中 健 さん") || !strings.Contains(m.HTML, "メールアドレスを確認する") ||
		!strings.Contains(m.Text, "https://app.kizuna.example/verify-email?token=") || strings.Contains(m.HTML, "<img") {
		t.Fatalf("parts:\n%s\n%s", m.Text, m.HTML)
	}
	id, _ := bson.ObjectIDFromHex(f.ID)
	outbox, err := ta.app.mail.ForUser(context.Background(), id)
	must(t, err)
	if len(outbox) != 1 || outbox[0].MessageID != m.MessageID {
		t.Fatalf("Message-ID %q, outbox %+v", m.MessageID, outbox)
	}
	headers := ta.mailpit.Headers(m.ID)
	if ct := strings.Join(headers["Content-Type"], ""); !strings.Contains(ct, "multipart/alternative") {
		t.Fatalf("content type %q", ct)
	}
	if len(headers["List-Unsubscribe"]) != 0 {
		t.Fatal("a transactional mail carries List-Unsubscribe")
	}

	token := ta.mailpitToken(email, mail.KindVerifyEmail)
	var v struct {
		EmailVerified bool `json:"emailVerified"`
	}
	ta.post("/v1/auth/verify-email", "", map[string]string{"token": token}).want(http.StatusOK).decode(&v)
	if !v.EmailVerified || !ta.emailVerified(f) {
		t.Fatal("not verified after following the link")
	}
	ta.post("/v1/auth/verify-email", "", map[string]string{"token": token}).wantProblem(http.StatusBadRequest, "invalid_token")
	ta.post("/v1/auth/verify-email/resend", f.Access, nil).wantProblem(http.StatusConflict, "email_already_verified")

	// The same access token may introduce now.
	ta.introduce(f, r.Request.ID, mentor.ID)
	got := ta.mailpitMessage(mentor.Email, "https://app.kizuna.example/introductions/")
	if got.Subject != "【Kizuna】紹介の依頼が届きました" || !strings.Contains(got.Text, "田中 健さんから紹介の依頼が届きました") ||
		!strings.Contains(got.Text, "よろしくお願いします") {
		t.Fatalf("introduction mail: %q\n%s", got.Subject, got.Text)
	}
}

// Links expire: a verification link after 24 hours; a resend makes a new one.
func TestVerificationLinkExpires(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	email := uniqueEmail("late")
	a := ta.register("遅い人", email)
	token := ta.mailToken(a.ID, email, mail.KindVerifyEmail)
	ta.clock.Advance(24*time.Hour + time.Minute)
	a = ta.login(email, testPassword) // the access token expired too
	ta.post("/v1/auth/verify-email", "", map[string]string{"token": token}).wantProblem(http.StatusBadRequest, "invalid_token")
	ta.post("/v1/auth/verify-email", "", map[string]string{"token": "nonsense"}).wantProblem(http.StatusBadRequest, "invalid_token")
	var acc struct {
		Status string `json:"status"`
	}
	ta.post("/v1/auth/verify-email/resend", a.Access, nil).want(http.StatusAccepted).decode(&acc)
	fresh := ta.mailToken(a.ID, email, mail.KindVerifyEmail)
	if fresh == token {
		t.Fatal("resend sent the old token")
	}
	ta.post("/v1/auth/verify-email", "", map[string]string{"token": fresh}).want(http.StatusOK)

	// An unverified member cannot post, and an unverified mentor is not listed.
	m := ta.register("未確認の先輩", uniqueEmail("hidden"), "mentor")
	ta.put("/v1/me/mentor-profile", m.Access, mentorProfile("01207", "sales")).want(http.StatusCreated)
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	ta.get("/v1/mentors?topic=sales", a.Access).want(http.StatusOK).decode(&list)
	for _, it := range list.Items {
		if it.ID == m.ID {
			t.Fatal("an unverified mentor is listed")
		}
	}
	org := ta.organizer("世話役")
	c := ta.newCommunity(org, "十勝", "01207")
	ta.post("/v1/communities/"+c.ID+"/join", m.Access, nil).want(http.StatusOK)
	ta.post("/v1/communities/"+c.ID+"/posts", m.Access, map[string]any{"body": "こんにちは"}).wantProblem(http.StatusForbidden, "email_unverified")
	ta.verifyEmail(m.ID, m.Email)
	ta.get("/v1/mentors?topic=sales", a.Access).want(http.StatusOK).decode(&list)
	if len(list.Items) != 1 || list.Items[0].ID != m.ID {
		t.Fatalf("the verified mentor is not listed: %+v", list.Items)
	}
	ta.post("/v1/communities/"+c.ID+"/posts", m.Access, map[string]any{"body": "こんにちは"}).want(http.StatusCreated)
}

// KIZUNA_ADMIN_EMAILS grants admin only once the address is proven: whoever
// registers a listed address first is not an admin for it.
func TestAdminEmailOnlyOnceVerified(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	a := ta.register("管理者?", "admin@kizuna.example")
	ta.get("/v1/reports/coverage?prefecture=01", a.Access).wantProblem(http.StatusForbidden, "forbidden")
	ta.login("admin@kizuna.example", testPassword) // signing in grants nothing either
	ta.get("/v1/reports/coverage?prefecture=01", a.Access).wantProblem(http.StatusForbidden, "forbidden")
	ta.verifyEmail(a.ID, a.Email)
	ta.get("/v1/reports/coverage?prefecture=01", a.Access).want(http.StatusOK)
}

// Must show 1, second half: a password reset by mail ends an old session's
// access token at once; the link works once; unknown addresses get the same
// answer; the owner is told by mail.
func TestPasswordResetRevokesSessions(t *testing.T) {
	t.Parallel()
	ta := newMailApp(t)
	u := ta.signUp("忘れた人", "founder")
	other := ta.login(u.Email, testPassword) // a second device
	ta.get("/v1/me", u.Access).want(http.StatusOK)

	known := ta.post("/v1/auth/password-reset", "", map[string]string{"email": u.Email}).want(http.StatusAccepted)
	unknown := ta.post("/v1/auth/password-reset", "", map[string]string{"email": uniqueEmail("nobody")}).want(http.StatusAccepted)
	if string(known.Body) != string(unknown.Body) {
		t.Fatalf("known and unknown addresses answer differently: %s vs %s", known.Body, unknown.Body)
	}
	ta.post("/v1/auth/password-reset", "", map[string]string{"email": "not an address"}).wantProblem(http.StatusBadRequest, "validation_failed")

	m := ta.mailpitMessage(u.Email, "/reset-password?token=")
	if m.Subject != "【Kizuna】パスワードの再設定" {
		t.Fatalf("subject %q", m.Subject)
	}
	token := ta.mailpitToken(u.Email, mail.KindPasswordReset)
	// A weak password leaves the link usable.
	ta.post("/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "newPassword": "short"}).
		wantProblem(http.StatusBadRequest, "validation_failed")
	const fresh = "a-new-passphrase-after-reset"
	ta.post("/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "newPassword": fresh}).want(http.StatusNoContent)

	// Every session ends at once: access tokens and refresh tokens.
	ta.get("/v1/me", u.Access).wantProblem(http.StatusUnauthorized, "session_ended")
	ta.get("/v1/me", other.Access).wantProblem(http.StatusUnauthorized, "session_ended")
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": u.Refresh}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	ta.post("/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "newPassword": "yet-another-passphrase"}).
		wantProblem(http.StatusBadRequest, "invalid_token")
	ta.post("/v1/auth/login", "", map[string]string{"email": u.Email, "password": testPassword}).wantProblem(http.StatusUnauthorized, "invalid_credentials")
	ta.login(u.Email, fresh)
	notice := ta.mailpitMessage(u.Email, "すべての端末からサインアウトされました")
	if notice.Subject != "【Kizuna】パスワードが変更されました" {
		t.Fatalf("notice subject %q", notice.Subject)
	}
}

// Reset links expire after 30 minutes.
func TestPasswordResetLinkExpires(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("遅い人", "founder")
	ta.post("/v1/auth/password-reset", "", map[string]string{"email": u.Email}).want(http.StatusAccepted)
	token := ta.mailToken(u.ID, u.Email, mail.KindPasswordReset)
	ta.clock.Advance(31 * time.Minute)
	ta.post("/v1/auth/password-reset/confirm", "", map[string]string{"token": token, "newPassword": "a-new-passphrase-too-late"}).
		wantProblem(http.StatusBadRequest, "invalid_token")
	ta.login(u.Email, testPassword) // the password is unchanged
}

// Must show 2: with the SMTP server down during a burst of 200 actions that
// promise mail (sign-ups), then up again, every promised mail arrives exactly
// once (counted by Message-ID), with two instances delivering.
func TestOutboxSurvivesSMTPOutage(t *testing.T) {
	t.Parallel()
	ta := newMailApp(t)
	b := ta.secondInstance(func(c *appSetup) {
		c.SMTPURL, c.MailFrom, c.mailPoll = ta.app.cfg.SMTPURL, ta.app.cfg.MailFrom, ta.app.mailPoll
	})
	b.mailpit = ta.mailpit
	stopB := b.runMailWorker() // a second worker, on another instance, racing the first
	ta.mailpit.Stop()

	const n = 200
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	emails := make([]string, n)
	for i := range n {
		emails[i] = fmt.Sprintf("burst%d-%d@example.jp", i, emailSeq.Add(1))
		inst := ta
		if i%2 == 1 {
			inst = b
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			inst.post("/v1/auth/register", "", map[string]any{"email": emails[i], "password": testPassword, "displayName": "バースト", "roles": []string{"founder"}}).
				want(http.StatusCreated)
		})
	}
	wg.Wait()
	burst := time.Since(start)

	// The clock jumps two hours below: no attempt may be in flight then (a
	// jump under a running attempt would make its live claim look stale,
	// which in real time means an attempt past its 2-minute lease).
	ta.stopMail()
	stopB()
	ta.mailpit.Start()
	// Retries wait out their pauses (at most an hour, by the shared clock).
	ta.clock.Advance(2 * time.Hour)
	back := time.Now()
	ta.runMailWorker()
	b.runMailWorker()
	msgs := ta.mailpit.WaitFor(3*time.Minute, func(m []mailpit.Summary) bool { return len(m) >= n })
	delivered := time.Since(back)
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.MessageID]++
	}
	if len(msgs) != n || len(seen) != n {
		t.Fatalf("%d messages with %d distinct Message-IDs, want %d of each", len(msgs), len(seen), n)
	}
	to := map[string]bool{}
	for _, m := range msgs {
		to[m.To[0].Address] = true
	}
	for _, e := range emails {
		if !to[e] {
			t.Fatalf("no mail to %s", e)
		}
	}
	t.Logf("SMTP outage: %d sign-ups in %s while down; after it came back, %d mails with %d distinct Message-IDs in %s",
		n, burst.Round(time.Millisecond), len(msgs), len(seen), delivered.Round(time.Millisecond))
}

// The default with no SMTP: .eml files under KIZUNA_DATA_DIR/mail, and the
// log says where.
func TestFileDropDefault(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.runMailWorker()
	email := uniqueEmail("files")
	a := ta.register("ファイル", email)
	dir := filepath.Join(ta.dataDir, "mail")
	var msgs []mail.Message
	deadline := time.Now().Add(30 * time.Second)
	for {
		id, _ := bson.ObjectIDFromHex(a.ID)
		var err error
		msgs, err = ta.app.mail.ForUser(context.Background(), id)
		must(t, err)
		if len(msgs) == 1 && msgs[0].State == mail.StateSent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not written: %+v", msgs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	raw, err := os.ReadFile(filepath.Join(dir, mail.FileName(msgs[0])))
	must(t, err)
	eml := string(raw)
	for _, want := range []string{"To: <" + email + ">", "Message-ID: <" + msgs[0].MessageID + ">", "text/plain", "text/html", "=?UTF-8?"} {
		if !strings.Contains(eml, want) {
			t.Fatalf("the .eml lacks %q:\n%s", want, eml)
		}
	}
	if !strings.Contains(string(ta.logBytes()), "files in "+dir) {
		t.Fatalf("the log does not say where mail goes")
	}
}

// Preferences are honoured: a kind set to in_app is not mailed; quiet hours
// (JST) delay a mail to their end, not drop it.
func TestMailPreferencesAndQuietHours(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t) // 2026-11-23 09:00 UTC is 18:00 JST
	mentor := ta.newMentor("静かな先輩", "01207", "sales")
	var p struct {
		Channels struct {
			IntroductionReceived string `json:"introductionReceived"`
			IntroductionOutcome  string `json:"introductionOutcome"`
		} `json:"channels"`
		Digest     string `json:"digest"`
		QuietHours *struct {
			From int `json:"from"`
			To   int `json:"to"`
		} `json:"quietHours"`
	}
	ta.get("/v1/me/notification-preferences", mentor.Access).want(http.StatusOK).decode(&p)
	if p.Channels.IntroductionReceived != "email" || p.Digest != "monthly" || p.QuietHours != nil {
		t.Fatalf("defaults: %+v", p)
	}
	ta.put("/v1/me/notification-preferences", mentor.Access, map[string]any{
		"channels": map[string]string{"introductionReceived": "carrier-pigeon"}, "digest": "monthly"}).
		wantProblem(http.StatusBadRequest, "validation_failed")
	ta.put("/v1/me/notification-preferences", mentor.Access, map[string]any{
		"channels": map[string]string{}, "digest": "monthly", "quietHours": map[string]int{"from": 7, "to": 7}}).
		wantProblem(http.StatusBadRequest, "validation_failed")

	// In the app only: no mail.
	ta.put("/v1/me/notification-preferences", mentor.Access, map[string]any{
		"channels": map[string]string{"introductionReceived": "in_app"}, "digest": "off"}).want(http.StatusOK).decode(&p)
	if p.Channels.IntroductionReceived != "in_app" || p.Channels.IntroductionOutcome != "email" || p.Digest != "off" {
		t.Fatalf("after PUT: %+v", p)
	}
	f := ta.newFounder("急ぐ人", "01207")
	r := ta.openRequest(f, "sales")
	ta.introduce(f, r.Request.ID, mentor.ID)
	mid, _ := bson.ObjectIDFromHex(mentor.ID)
	kinds := func() []string {
		msgs, err := ta.app.mail.ForUser(context.Background(), mid)
		must(t, err)
		var out []string
		for _, m := range msgs {
			out = append(out, m.Kind)
		}
		return out
	}
	if got := kinds(); len(got) != 1 || got[0] != mail.KindVerifyEmail {
		t.Fatalf("mentor's mail with introductions in the app only: %v", got)
	}
	if ta.unread(mentor, "introduction_received") != 1 {
		t.Fatal("the in-app notification is gone")
	}

	// By mail, but quiet from 17:00 to 08:00 JST: waits until 08:00 JST.
	ta.put("/v1/me/notification-preferences", mentor.Access, map[string]any{
		"channels": map[string]string{}, "digest": "monthly", "quietHours": map[string]int{"from": 17, "to": 8}}).want(http.StatusOK)
	f2 := ta.newFounder("夜の人", "01207")
	r2 := ta.openRequest(f2, "sales")
	ta.introduce(f2, r2.Request.ID, mentor.ID)
	msgs, err := ta.app.mail.ForUser(context.Background(), mid)
	must(t, err)
	last := msgs[len(msgs)-1]
	if last.Kind != mail.KindNotification || !last.NextAttemptAt.Equal(time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC)) {
		t.Fatalf("quiet-hours mail: kind %s due %s, want 2026-11-23T23:00Z (08:00 JST)", last.Kind, last.NextAttemptAt)
	}
	state := func() string {
		msgs, err := ta.app.mail.ForUser(context.Background(), mid)
		must(t, err)
		return msgs[len(msgs)-1].State
	}
	_, err = ta.app.mail.Deliver(context.Background())
	must(t, err)
	if s := state(); s != mail.StatePending {
		t.Fatalf("%s during quiet hours", s)
	}
	ta.clock.Advance(14 * time.Hour) // 08:00 JST
	_, err = ta.app.mail.Deliver(context.Background())
	must(t, err)
	if s := state(); s != mail.StateSent {
		t.Fatalf("%s after quiet hours", s)
	}
}

// The one-click unsubscribe link of a mail works without sign-in, only for
// its own recipient and kind, and the mail carries the RFC 8058 headers.
func TestOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	ta := newMailApp(t)
	mentor := ta.newMentor("配信停止の先輩", "01207", "sales")
	other := ta.newMentor("ほかの先輩", "01207", "sales")
	f := ta.newFounder("依頼する人", "01207")
	r := ta.openRequest(f, "sales")
	ta.introduce(f, r.Request.ID, mentor.ID)
	m := ta.mailpitMessage(mentor.Email, "/introductions/")
	h := ta.mailpit.Headers(m.ID)
	if got := strings.Join(h["List-Unsubscribe-Post"], ""); got != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe-Post %q", got)
	}
	lu := strings.Join(h["List-Unsubscribe"], "")
	const prefix = "<https://app.kizuna.example/v1/mail/unsubscribe?token="
	if !strings.HasPrefix(lu, prefix) || !strings.HasSuffix(lu, ">") {
		t.Fatalf("List-Unsubscribe %q", lu)
	}
	token := strings.TrimSuffix(strings.TrimPrefix(lu, prefix), ">")

	// Altered (another recipient's id in the payload) or forged: refused.
	payload, sig, _ := strings.Cut(token, ".")
	forged := payload + "x." + sig
	ta.do(req{method: http.MethodPost, path: "/v1/mail/unsubscribe?token=" + forged}).wantProblem(http.StatusBadRequest, "invalid_token")
	ta.do(req{method: http.MethodPost, path: "/v1/mail/unsubscribe?token=" + sig + "." + payload}).wantProblem(http.StatusBadRequest, "invalid_token")

	// As a mail client sends it: no sign-in, a form body that is ignored.
	var out struct {
		Unsubscribed string `json:"unsubscribed"`
	}
	ta.do(req{method: http.MethodPost, path: "/v1/mail/unsubscribe?token=" + url.QueryEscape(token), body: "List-Unsubscribe=One-Click",
		headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}).want(http.StatusOK).decode(&out)
	if out.Unsubscribed != "introduction_received" {
		t.Fatalf("unsubscribed %q", out.Unsubscribed)
	}
	channel := func(a account) string {
		var p struct {
			Channels struct {
				IntroductionReceived string `json:"introductionReceived"`
			} `json:"channels"`
		}
		ta.get("/v1/me/notification-preferences", a.Access).want(http.StatusOK).decode(&p)
		return p.Channels.IntroductionReceived
	}
	if channel(mentor) != "in_app" || channel(other) != "email" {
		t.Fatalf("after unsubscribing: mentor %s, other %s", channel(mentor), channel(other))
	}
	// Expired after 60 days.
	ta.clock.Advance(61 * 24 * time.Hour)
	ta.do(req{method: http.MethodPost, path: "/v1/mail/unsubscribe?token=" + url.QueryEscape(token)}).wantProblem(http.StatusBadRequest, "invalid_token")
}

// The public mail endpoints are limited per client address, and reset
// requests per e-mail too.
func TestMailEndpointsRateLimited(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *appSetup) { c.AuthPerMinute = 2 }) // bursts of 1 per address
	for i, path := range []string{"/v1/auth/verify-email", "/v1/auth/password-reset", "/v1/auth/password-reset/confirm", "/v1/digest/answer", "/v1/auth/confirm-email-change", "/v1/auth/revert-email-change"} {
		from := fmt.Sprintf("198.51.100.%d:1234", i+1)
		body := map[string]string{"token": "x"}
		switch path {
		case "/v1/auth/password-reset":
			body = map[string]string{"email": uniqueEmail("limited")}
		case "/v1/auth/password-reset/confirm":
			body = map[string]string{"token": "x", "newPassword": "a-long-enough-passphrase"}
		}
		if res := ta.do(req{method: http.MethodPost, path: path, body: body, from: from}); res.Code == http.StatusTooManyRequests {
			t.Fatalf("%s limited at once", path)
		}
		res := ta.do(req{method: http.MethodPost, path: path, body: body, from: from})
		res.wantProblem(http.StatusTooManyRequests, "rate_limited")
		if res.Header.Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", path)
		}
	}
	tb := newTestApp(t, func(c *appSetup) { c.AuthEmailPerMinute = 2 })
	email := uniqueEmail("asked")
	tb.post("/v1/auth/password-reset", "", map[string]string{"email": email}).want(http.StatusAccepted)
	tb.post("/v1/auth/password-reset", "", map[string]string{"email": email}).wantProblem(http.StatusTooManyRequests, "rate_limited")
	tb.post("/v1/auth/password-reset", "", map[string]string{"email": uniqueEmail("other")}).want(http.StatusAccepted)
}

// Resets of known and unknown addresses take about the same time (each
// writes twice); measured and logged, not asserted (the machine's load
// varies more than the difference).
func TestPasswordResetTiming(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("時間", "founder")
	const n = 15
	median := func(email string) time.Duration {
		ds := make([]time.Duration, n)
		for i := range ds {
			start := time.Now()
			ta.post("/v1/auth/password-reset", "", map[string]string{"email": email}).want(http.StatusAccepted)
			ds[i] = time.Since(start)
		}
		slices.Sort(ds)
		return ds[n/2]
	}
	known, unknown := median(u.Email), median(uniqueEmail("nobody"))
	t.Logf("password-reset median over %d: known address %s, unknown address %s", n, known.Round(10*time.Microsecond), unknown.Round(10*time.Microsecond))
}
