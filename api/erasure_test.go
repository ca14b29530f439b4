package main

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/demo"
	"github.com/kizuna-dev/kizuna/internal/erasure"
)

// personal is what a test knows of one member's personal data, to look for
// it everywhere afterwards.
type personal struct {
	strings []string // each must appear nowhere
}

// collectPersonal reads, before a deletion, every secret of the member the
// database holds: e-mail, phone, name, password hash, refresh-token hashes
// and session ids, the profile's text, and the id itself.
func collectPersonal(t *testing.T, ta *testApp, a account) personal {
	t.Helper()
	ctx := context.Background()
	id, _ := bson.ObjectIDFromHex(a.ID)
	var u bson.M
	must(t, ta.app.db.Collection("users").Collection.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&u))
	p := personal{strings: []string{a.ID, a.Email, a.Access, a.Refresh}}
	for _, f := range []string{"email", "passwordHash", "displayName", "phone"} {
		if s, _ := u[f].(string); s != "" {
			p.strings = append(p.strings, s)
		}
	}
	cur, err := ta.app.db.Collection("refresh_tokens").Collection.Find(ctx, bson.D{{Key: "userId", Value: id}})
	must(t, err)
	var tokens []bson.M
	must(t, cur.All(ctx, &tokens))
	if len(tokens) == 0 {
		t.Fatal("the member has no refresh tokens to look for")
	}
	for _, tok := range tokens {
		p.strings = append(p.strings, tok["_id"].(string), tok["familyId"].(string))
	}
	var prof bson.M
	if err := ta.app.db.Collection("mentor_profiles").Collection.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&prof); err == nil {
		// The demo writes some bios for several mentors: only one of
		// theirs alone says something of them.
		same, err := ta.app.db.Collection("mentor_profiles").Collection.CountDocuments(ctx, bson.D{{Key: "bio", Value: prof["bio"]}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: id}}}})
		must(t, err)
		if same == 0 {
			p.strings = append(p.strings, prof["bio"].(string))
		}
	}
	return p
}

// leftovers scans every document of every collection of the database (the
// list is read from the database, not written here) for any of the
// member's strings, and returns where each was found.
func leftovers(t *testing.T, ta *testApp, p personal) (found []string, collections int) {
	t.Helper()
	ctx := context.Background()
	db := ta.app.db.Collection("users").Database()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	must(t, err)
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		must(t, err)
		var docs []bson.Raw
		must(t, cur.All(ctx, &docs))
		for _, d := range docs {
			text, err := bson.MarshalExtJSON(d, false, false)
			must(t, err)
			for _, s := range p.strings {
				if strings.Contains(string(text), s) {
					found = append(found, name+": "+shorten(s)+" in "+shorten(string(text)))
				}
			}
		}
	}
	return found, len(names)
}

func shorten(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// settleDeletions runs the deletion job after the settling time, as the
// periodic job would, and checks no deletion is left open.
func settleDeletions(t *testing.T, ta *testApp) erasure.JobReport {
	t.Helper()
	ta.clock.Advance(erasure.Settle + 1)
	rep, err := ta.app.erasure.RunJob(context.Background())
	must(t, err)
	n, err := ta.app.erasure.Pending(context.Background())
	must(t, err)
	if n != 0 {
		t.Fatalf("%d deletions still open after the job", n)
	}
	return rep
}

// Must show 1: the demo's mentor, with an active mentorship, pending
// introductions, posts, an event place, a phone, a conduct report about them
// and a cadence set for them, deletes their account. Afterwards no
// collection holds their e-mail, phone, name, password hash, tokens or id;
// the founder they mentored still reads the mentorship and its touchpoints
// (theirs and the former member's), the founders who were waiting were told
// and can ask again, the community keeps the posts, the waitlisted member
// got the place; and the address can sign up again.
func TestDeleteDemoMentorLeavesNothingOfThem(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ctx := context.Background()
	must(t, ta.app.seedDemo(ctx))
	m := ta.login(demo.MentorEmail, demo.Password)
	tanaka := ta.login(demo.FounderEmail, demo.Password)
	ta.patch("/v1/me", m.Access, map[string]any{"phone": "090-4242-1717"}).want(http.StatusOK)

	// Pending introductions: the demo's own (田中) and one more.
	var pending struct {
		Items []introBody `json:"items"`
	}
	ta.get("/v1/introductions?as=mentor&status=pending", m.Access).want(http.StatusOK).decode(&pending)
	if len(pending.Items) == 0 {
		t.Fatal("the demo mentor has no pending introduction")
	}
	waiting := ta.newFounder("待っている創業者", "01101")
	waitingIntro := ta.introduce(waiting, ta.openRequest(waiting, "sales").Request.ID, m.ID)

	// An active mentorship with touchpoints from both sides.
	mentee := ta.newFounder("札幌の創業者", "01101")
	msID := ta.mentorship(mentee, m, "sales")
	ta.post("/v1/mentorships/"+msID+"/touchpoints", m.Access, map[string]any{"kind": "call", "durationMinutes": 30, "summary": "価格表の作り方を一緒に見直した"}).want(http.StatusCreated)
	ta.post("/v1/mentorships/"+msID+"/touchpoints", mentee.Access, map[string]any{"kind": "message", "summary": "見直した価格表を送りました"}).want(http.StatusCreated)
	ta.put("/v1/connections/"+m.ID+"/cadence", mentee.Access, map[string]any{"everyDays": 30}).want(http.StatusOK)

	// Posts in a community (one sent with an Idempotency-Key), and the last
	// place of an event with someone on its waitlist.
	var cs struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	ta.get("/v1/communities?near=01101", m.Access).want(http.StatusOK).decode(&cs)
	comm := cs.Items[0].ID
	ta.post("/v1/communities/"+comm+"/join", m.Access, nil).want(http.StatusOK)
	const postBody = "札幌で販路開拓の勉強会をします。気軽にどうぞ"
	ta.do(req{method: http.MethodPost, path: "/v1/communities/" + comm + "/posts", token: m.Access, body: map[string]any{"body": postBody},
		headers: map[string]string{"Idempotency-Key": "post-" + m.ID}}).want(http.StatusCreated)
	org := ta.login(demo.OrganizerEmail, demo.Password)
	event := ta.newEvent(org, comm, 1, 72*time.Hour, "short")
	ta.post("/v1/events/"+event+"/rsvp", m.Access, map[string]any{"status": "going"}).want(http.StatusOK)
	ta.post("/v1/events/"+event+"/rsvp", mentee.Access, map[string]any{"status": "going"}).want(http.StatusOK)
	// A conduct report about them, and the organizer's cadence of contact.
	ta.post("/v1/reports", tanaka.Access, map[string]any{"subjectUserId": m.ID, "reason": "other", "detail": "連絡が途絶えがちです"}).want(http.StatusCreated)

	secrets := collectPersonal(t, ta, m)
	if found, _ := leftovers(t, ta, secrets); len(found) == 0 {
		t.Fatal("the scan finds nothing of the member before the deletion: it cannot be trusted")
	}
	var before struct {
		Items []struct {
			ID       string `json:"id"`
			AuthorID string `json:"authorId"`
		} `json:"items"`
	}
	ta.get("/v1/mentorships/"+msID+"/touchpoints", mentee.Access).want(http.StatusOK).decode(&before)

	// Wrong password: nothing happens.
	ta.do(req{method: http.MethodDelete, path: "/v1/me", token: m.Access, body: map[string]any{"password": "not-it"}}).wantProblem(http.StatusBadRequest, "validation_failed")
	ta.get("/v1/me", m.Access).want(http.StatusOK)

	ta.do(req{method: http.MethodDelete, path: "/v1/me", token: m.Access, body: map[string]any{"password": demo.Password}}).want(http.StatusNoContent)

	// Gone at once: tokens, search, the profile.
	ta.get("/v1/me", m.Access).wantProblem(http.StatusUnauthorized, "unauthenticated")
	ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": m.Refresh}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	ta.post("/v1/auth/login", "", map[string]string{"email": demo.MentorEmail, "password": demo.Password}).wantProblem(http.StatusUnauthorized, "invalid_credentials")
	ta.get("/v1/mentors/"+m.ID, tanaka.Access).wantProblem(http.StatusNotFound, "not_found")
	if _, ok := ta.app.profiles.Founder(mustID(t, m.ID)); ok {
		t.Error("still among the founder briefs")
	}
	var found searchBody
	ta.get("/v1/mentors?near=01101&radiusKm=500&limit=100", tanaka.Access).want(http.StatusOK).decode(&found)
	for _, it := range found.Items {
		if it.ID == m.ID {
			t.Fatal("the deleted mentor is still found by search")
		}
	}

	// The job closes the deletion after it settled; then nothing is left.
	if rep := settleDeletions(t, ta); rep.Finished != 1 {
		t.Fatalf("the job closed %d deletions, want 1", rep.Finished)
	}
	if left, n := leftovers(t, ta, secrets); len(left) > 0 {
		t.Fatalf("%d traces of the deleted member in %d collections:\n%s", len(left), n, strings.Join(left, "\n"))
	} else {
		t.Logf("scanned %d collections: nothing of the deleted member", n)
	}

	// The mentee keeps the mentorship, ended, with every touchpoint; the
	// other person is a former member, with no way to reach them.
	var ms struct {
		Status    string `json:"status"`
		EndReason string `json:"endReason"`
		Mentor    struct {
			ID          string `json:"id"`
			DisplayName string `json:"displayName"`
		} `json:"mentor"`
		Counterpart *struct{} `json:"counterpart"`
	}
	ta.get("/v1/mentorships/"+msID, mentee.Access).want(http.StatusOK).decode(&ms)
	if ms.Status != "ended" || ms.EndReason != "account_deleted" || ms.Mentor.DisplayName != accounts.FormerMemberName || ms.Counterpart != nil {
		t.Fatalf("the mentee's mentorship: %+v", ms)
	}
	var after struct {
		Items []struct {
			ID       string `json:"id"`
			AuthorID string `json:"authorId"`
		} `json:"items"`
	}
	ta.get("/v1/mentorships/"+msID+"/touchpoints", mentee.Access).want(http.StatusOK).decode(&after)
	if len(after.Items) != len(before.Items) || len(after.Items) < 2 {
		t.Fatalf("touchpoints before %d, after %d", len(before.Items), len(after.Items))
	}
	for _, tp := range after.Items {
		if tp.AuthorID != mentee.ID && tp.AuthorID != ms.Mentor.ID {
			t.Errorf("a touchpoint by %s", tp.AuthorID)
		}
	}
	if n := ta.unread(mentee, "mentorship_ended"); n != 1 {
		t.Errorf("the mentee has %d mentorship_ended notifications", n)
	}
	// Capacity: no place is held for the ended mentorship.
	seats, err := ta.app.db.Collection("mentor_seats").CountDocuments(ctx, bson.D{{Key: "mentorshipId", Value: mustID(t, msID)}})
	must(t, err)
	if seats != 0 {
		t.Fatalf("%d seats still held for the ended mentorship", seats)
	}

	// The founders who waited were told, and may ask someone else.
	for _, w := range []struct {
		who   account
		intro string
	}{{waiting, waitingIntro.ID}, {tanaka, pending.Items[0].ID}} {
		var in introBody
		ta.get("/v1/introductions/"+w.intro, w.who.Access).want(http.StatusOK).decode(&in)
		if in.Status != "withdrawn" || in.Reason != "account_deleted" {
			t.Errorf("%s's introduction: %+v", w.who.Email, in)
		}
		if ta.unread(w.who, "introduction_withdrawn") == 0 {
			t.Errorf("%s was not told", w.who.Email)
		}
	}
	ta.openRequest(waiting, "sales") // the request slot is free again

	// The post stays, by a former member; the waitlisted mentee got the place.
	var posts struct {
		Items []struct {
			Body   string `json:"body"`
			Author struct {
				DisplayName string `json:"displayName"`
			} `json:"author"`
		} `json:"items"`
	}
	ta.get("/v1/communities/"+comm+"/posts?limit=100", tanaka.Access).want(http.StatusOK).decode(&posts)
	kept := false
	for _, p := range posts.Items {
		kept = kept || (p.Body == postBody && p.Author.DisplayName == accounts.FormerMemberName)
	}
	if !kept {
		t.Errorf("the former member's post is gone or still named: %+v", posts.Items)
	}
	var rsvp struct {
		Status string `json:"status"`
	}
	ta.post("/v1/events/"+event+"/rsvp", mentee.Access, map[string]any{"status": "going"}).want(http.StatusOK).decode(&rsvp)
	if rsvp.Status != "going" {
		t.Errorf("the waitlisted mentee is %q", rsvp.Status)
	}

	// The address is free again: a new, different account.
	again := ta.post("/v1/auth/register", "", map[string]any{"email": demo.MentorEmail, "password": testPassword, "displayName": "戻ってきた人", "roles": []string{"mentor"}}).want(http.StatusCreated)
	var reg struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	again.decode(&reg)
	if reg.User.ID == m.ID || reg.User.ID == "" {
		t.Fatalf("re-registered as %q", reg.User.ID)
	}
}

// A founder deletes their account while the mentor accepts their
// introduction, many times over: whichever comes first, no mentorship stays
// active with a deleted person, no place stays taken (the mentor, capacity
// 1, can take the next founder every round), and nothing of the founder is
// left.
func TestRaceDeletionAgainstAccept(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.newMentor("忙しいメンター", "01101", "sales")
	body := mentorProfile("01101", "sales")
	body["capacity"] = 1
	ta.put("/v1/me/mentor-profile", m.Access, body).want(http.StatusOK)
	admin := ta.admin()
	accepted, withdrawn := 0, 0
	var gone []personal
	for round := range 8 {
		f := ta.newFounder("消える創業者", "01101")
		in := ta.introduce(f, ta.openRequest(f, "sales").Request.ID, m.ID)
		secrets := collectPersonal(t, ta, f)
		var wg sync.WaitGroup
		var acceptCode, deleteCode int
		wg.Go(func() {
			if round%4 >= 2 {
				// Half the rounds accept once the deletion has begun (the
				// founder shows as leaving), to meet it in the middle.
				for {
					u, err := ta.app.accounts.Get(context.Background(), mustID(t, f.ID))
					if err != nil || u.Deleting {
						break
					}
					runtime.Gosched()
				}
			}
			acceptCode = ta.post("/v1/introductions/"+in.ID+"/accept", m.Access, nil).Code
		})
		wg.Go(func() {
			if round%2 == 0 { // the founder (the password check takes a while)
				deleteCode = ta.do(req{method: http.MethodDelete, path: "/v1/me", token: f.Access, body: map[string]any{"password": testPassword}}).Code
			} else { // an admin, at once
				deleteCode = ta.do(req{method: http.MethodDelete, path: "/v1/admin/users/" + f.ID, token: admin.Access, body: map[string]any{"reason": "race"}}).Code
			}
		})
		wg.Wait()
		if deleteCode != http.StatusNoContent {
			t.Fatalf("round %d: delete %d", round, deleteCode)
		}
		switch acceptCode {
		case http.StatusOK:
			accepted++
		case http.StatusConflict:
			withdrawn++
		default:
			t.Fatalf("round %d: accept %d", round, acceptCode)
		}
		gone = append(gone, secrets)
		// Whatever happened, the mentor has no active mentorship and a free place.
		var active struct {
			Items []mentorshipBody `json:"items"`
		}
		ta.get("/v1/mentorships?status=active", m.Access).want(http.StatusOK).decode(&active)
		if len(active.Items) != 0 {
			t.Fatalf("round %d: the mentor has %d active mentorships with a deleted founder", round, len(active.Items))
		}
		seats, err := ta.app.db.Collection("mentor_seats").CountDocuments(context.Background(), bson.D{{Key: "mentorId", Value: mustID(t, m.ID)}})
		must(t, err)
		if seats != 0 {
			t.Fatalf("round %d: %d seats held", round, seats)
		}
	}
	t.Logf("accept first %d times, deletion first %d times", accepted, withdrawn)
	// The place is free: the next founder is accepted.
	next := ta.newFounder("次の創業者", "01101")
	in := ta.introduce(next, ta.openRequest(next, "sales").Request.ID, m.ID)
	ta.post("/v1/introductions/"+in.ID+"/accept", m.Access, nil).want(http.StatusOK)
	settleDeletions(t, ta)
	for _, secrets := range gone {
		if left, _ := leftovers(t, ta, secrets); len(left) > 0 {
			t.Fatalf("traces of a deleted founder:\n%s", strings.Join(left, "\n"))
		}
	}
}

// The export holds every kind of data Kizuna keeps about the caller, and of
// other people only what the caller could already see: the mentor's e-mail
// and phone (the other party of the caller's mentorship), never a stranger's
// contact, a mentor's stakes, a hash or another member's refresh token.
func TestExportHasEverythingOfTheCallerAndNothingPrivateOfOthers(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.admin()
	org := ta.organizer("主催者")
	mentor := ta.newMentor("メンター", "01207", "sales")
	ta.patch("/v1/me", mentor.Access, map[string]any{"phone": "090-7777-1234"}).want(http.StatusOK)
	staked := mentorProfile("01207", "sales")
	staked["stakes"], staked["independent"] = []string{"株式会社ひみつ会計"}, false
	other := ta.signUp("別のメンター", "mentor")
	ta.put("/v1/me/mentor-profile", other.Access, staked).want(http.StatusCreated)
	stranger := ta.newFounder("見知らぬ人", "01207")
	ta.patch("/v1/me", stranger.Access, map[string]any{"phone": "080-9999-0000"}).want(http.StatusOK)
	f := ta.newFounder("書き出す人", "01207")
	ta.patch("/v1/me", f.Access, map[string]any{"phone": "070-1111-2222"}).want(http.StatusOK)

	// Everything the founder can leave behind.
	msID := ta.mentorship(f, mentor, "sales")
	ta.post("/v1/mentorships/"+msID+"/touchpoints", f.Access, map[string]any{"kind": "call", "summary": "書き出しの相談をした"}).want(http.StatusCreated)
	done := ta.mentorship(f, other, "sales")
	ta.complete(f, done, true)
	ta.complete(other, done, true)
	comm := ta.newCommunity(org, "帯広の会", "01207")
	ta.post("/v1/communities/"+comm.ID+"/join", f.Access, nil).want(http.StatusOK)
	ta.post("/v1/communities/"+comm.ID+"/join", stranger.Access, nil).want(http.StatusOK)
	var post struct {
		ID string `json:"id"`
	}
	ta.post("/v1/communities/"+comm.ID+"/posts", f.Access, map[string]any{"body": "書き出しテストの下書き"}).want(http.StatusCreated).decode(&post)
	ta.patch("/v1/posts/"+post.ID, f.Access, map[string]any{"body": "書き出しテストの投稿"}).want(http.StatusOK)
	third := ta.newMentor("三人目", "01207", "sales")
	ended := ta.mentorship(f, third, "sales")
	ta.post("/v1/mentorships/"+ended+"/end", f.Access, map[string]any{"reason": "書き出しテストの終了"}).want(http.StatusOK)
	event := ta.newEvent(org, comm.ID, 5, 48*time.Hour)
	ta.post("/v1/events/"+event+"/rsvp", f.Access, map[string]any{"status": "going"}).want(http.StatusOK)
	ta.post("/v1/reports", f.Access, map[string]any{"subjectUserId": stranger.ID, "communityId": comm.ID, "reason": "other", "detail": "書き出しテストの通報"}).want(http.StatusCreated)
	open := ta.openRequest(f, "sales")
	pendingIntro := ta.introduce(f, open.Request.ID, other.ID)

	res := ta.get("/v1/me/export", f.Access).want(http.StatusOK)
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, f.ID) {
		t.Fatalf("Content-Disposition %q", cd)
	}
	body := string(res.Body)
	for what, want := range map[string]string{
		"e-mail": f.Email, "phone": "070-1111-2222", "founder profile": "十勝チーズ工房", "match request": open.Request.ID,
		"introduction": pendingIntro.ID, "mentorship": msID, "touchpoint": "書き出しの相談をした", "reflection": "ありがとうございました",
		"membership": comm.ID, "post": "書き出しテストの投稿", "rsvp": event, "notification": "introduction_accepted",
		"report": "書き出しテストの通報", "end reason": "書き出しテストの終了", "edited post": `"editedAt"`, "session": `"current":true`, "preferences": `"invitations":true`,
		"mail preferences": `"digest":"monthly"`, "the verification mail": `"kind":"verify_email"`,
		// What the caller may see of others: the mentor's contact details.
		"the mentor's e-mail": mentor.Email, "the mentor's phone": "090-7777-1234",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the export has no %s (%q)", what, want)
		}
	}
	for what, secret := range map[string]string{
		"a stranger's e-mail": stranger.Email, "a stranger's phone": "080-9999-0000", "a mentor's stakes": "ひみつ会計",
		"an organizer's e-mail": org.Email, "the admin's e-mail": admin.Email,
		"a password hash": "$argon2id", "the mentor's refresh token": mentor.Refresh,
	} {
		if strings.Contains(body, secret) {
			t.Errorf("the export shows %s", what)
		}
	}
	ta.get("/v1/me/export", "").wantProblem(http.StatusUnauthorized, "unauthenticated")

	// A mentor's export has their profile and the introductions they received.
	var mine struct {
		MentorProfile *struct {
			Headline string `json:"headline"`
		} `json:"mentorProfile"`
		IntroductionsReceived []struct {
			ID string `json:"id"`
		} `json:"introductionsReceived"`
	}
	ta.get("/v1/me/export", other.Access).want(http.StatusOK).decode(&mine)
	if mine.MentorProfile == nil || len(mine.IntroductionsReceived) != 2 {
		t.Fatalf("the mentor's export: %+v", mine)
	}
}
