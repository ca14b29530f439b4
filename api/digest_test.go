package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/demo"
	"github.com/kizuna-dev/kizuna/internal/digest"
	"github.com/kizuna-dev/kizuna/internal/jobs"
	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mail/mailpit"
)

type digestPreviewBody struct {
	UserID             string `json:"userId"`
	Month              string `json:"month"`
	Locale             string `json:"locale"`
	Lapsed             bool   `json:"lapsed"`
	DigestsSinceActive int    `json:"digestsSinceActive"`
	WouldSend          bool   `json:"wouldSend"`
	SkipReason         string `json:"skipReason"`
	Subject            string `json:"subject"`
	Communities        []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"communities"`
	Offers []struct {
		Kind       string   `json:"kind"`
		ID         string   `json:"id"`
		Title      string   `json:"title"`
		Reason     string   `json:"reason"`
		Online     bool     `json:"online"`
		DistanceKm *float64 `json:"distanceKm"`
		Topics     []string `json:"topics"`
	} `json:"offers"`
}

// demoDigest is a test app seeded with the Hokkaido demo, mailing through
// Mailpit, with the organizer signed in and the network community's id.
type demoDigest struct {
	*testApp
	org     account
	network string // 北海道 地域起業ネットワーク
}

func newDemoDigest(t *testing.T) *demoDigest {
	ta := newMailApp(t)
	must(t, ta.app.seedDemo(context.Background()))
	d := &demoDigest{testApp: ta, org: ta.login(demo.OrganizerEmail, demo.Password)}
	var cs struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	ta.get("/v1/communities?near=01207", d.org.Access).want(http.StatusOK).decode(&cs)
	for _, c := range cs.Items {
		if c.Name == "北海道 地域起業ネットワーク" {
			d.network = c.ID
		}
	}
	if d.network == "" {
		t.Fatalf("no network community in %+v", cs.Items)
	}
	return d
}

// userID looks an account up by e-mail in the database (a lapsed member
// cannot sign in for the test without ending the lapse).
func (ta *testApp) userID(email string) bson.ObjectID {
	ta.t.Helper()
	var u struct {
		ID bson.ObjectID `bson:"_id"`
	}
	must(ta.t, ta.app.db.Collection("users").FindOne(context.Background(), bson.D{{Key: "email", Value: email}}).Decode(&u))
	return u.ID
}

// lapsed is a lapsed demo member, not signed in.
func (d *demoDigest) lapsed(email string) account {
	return account{ID: d.userID(email).Hex(), Email: email}
}

// preview is the organizer's preview of a member's digest.
func (d *demoDigest) preview(userID string) digestPreviewBody {
	d.t.Helper()
	var p digestPreviewBody
	d.get("/v1/communities/"+d.network+"/members/"+userID+"/digest-preview", d.org.Access).want(http.StatusOK).decode(&p)
	return p
}

// digests is the digest mails recorded for the user.
func (d *demoDigest) digests(userID string) []mail.Message {
	d.t.Helper()
	id, err := bson.ObjectIDFromHex(userID)
	must(d.t, err)
	msgs, err := d.app.mail.ForUser(context.Background(), id)
	must(d.t, err)
	var out []mail.Message
	for _, m := range msgs {
		if m.Kind == mail.KindDigest {
			out = append(out, m)
		}
	}
	return out
}

// digestMail is the newest digest mail recorded for the user (its text is
// kept until sent; the tests that read it run no mail worker).
func (ta *testApp) digestMail(userID string) mail.Message {
	ta.t.Helper()
	id, err := bson.ObjectIDFromHex(userID)
	must(ta.t, err)
	msgs, err := ta.app.mail.ForUser(context.Background(), id)
	must(ta.t, err)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Kind == mail.KindDigest {
			return msgs[i]
		}
	}
	ta.t.Fatalf("no digest mail for %s", userID)
	return mail.Message{}
}

// nextMonth moves the clock a month on; the organizer signs in again.
func (d *demoDigest) nextMonth() {
	d.clock.Advance(31 * 24 * time.Hour)
	d.org = d.login(demo.OrganizerEmail, demo.Password)
}

var digestLink = regexp.MustCompile(`/digest/answer\?token=([A-Za-z0-9_%.-]+)`)

// answerTokens returns the still-interested and leave tokens of a mail.
func answerTokens(t *testing.T, text string) (still, leave string) {
	t.Helper()
	m := digestLink.FindAllStringSubmatch(text, -1)
	if len(m) != 2 {
		t.Fatalf("%d answer links in:\n%s", len(m), text)
	}
	a, err := url.QueryUnescape(m[0][1])
	must(t, err)
	b, err := url.QueryUnescape(m[1][1])
	must(t, err)
	return a, b
}

// Must show 3, as a test: a lapsed member of the Hokkaido demo (a would-be
// brewer in 釧路 who once asked about starting up and crowdfunding) gets a
// Japanese digest with the online chat evening of the network and the two
// mentors who joined since, nearest first; the digest goes once a month,
// stops after three with no sign of life, the answer links work once and
// only for their recipient, and a member who unsubscribed gets none.
func TestDigestForLapsedDemoMembers(t *testing.T) {
	t.Parallel()
	d := newDemoDigest(t)
	ctx := context.Background()
	// Lapsed members: signing in would end their lapse.
	kushiro := d.lapsed("founder08@demo.kizuna.example")
	otaru := d.lapsed("founder26@demo.kizuna.example")
	monbetsu := d.lapsed("founder35@demo.kizuna.example")
	newKushiro := d.login("newmentor01@demo.kizuna.example", demo.Password)
	newOnline := d.login("newmentor02@demo.kizuna.example", demo.Password)

	p := d.preview(kushiro.ID)
	if !p.Lapsed || !p.WouldSend || p.SkipReason != "" || p.Locale != "ja" || p.DigestsSinceActive != 0 {
		t.Fatalf("preview %+v", p)
	}
	if len(p.Offers) != 3 || p.Offers[0].Kind != digest.KindEvent || p.Offers[0].Title != "オンライン雑談会（第2水曜）" || !p.Offers[0].Online ||
		p.Offers[1].Kind != digest.KindMentor || p.Offers[1].ID != newKushiro.ID || p.Offers[1].DistanceKm == nil || *p.Offers[1].DistanceKm > 5 ||
		p.Offers[2].Kind != digest.KindMentor || p.Offers[2].ID != newOnline.ID || !strings.Contains(p.Offers[2].Reason, "オンライン") {
		t.Fatalf("offers %+v", p.Offers)
	}
	if len(p.Offers[1].Topics) != 2 || p.Offers[1].Topics[0] != "startup_basics" || p.Offers[1].Topics[1] != "crowdfunding" {
		t.Fatalf("the 釧路 mentor's topics %q", p.Offers[1].Topics)
	}
	if p.Subject != "【Kizuna】お久しぶりです。北海道 地域起業ネットワークから気軽なご案内が3つ" {
		t.Fatalf("subject %q", p.Subject)
	}

	// The monthly job (as the scheduler runs it), then again in the month.
	slot := jobs.MonthlyJST(digestHour)(d.clock.Now())
	ran, err := d.app.jobs.RunOnce(ctx, digestJob, slot, d.app.runDigest)
	must(t, err)
	if !ran {
		t.Fatal("the digest job did not run")
	}
	must(t, d.app.runDigest(ctx)) // the operator's "run now": nobody gets a second one
	m := d.mailpitMessage(kushiro.Email, "/digest/answer?token=")
	if m.Subject != p.Subject {
		t.Fatalf("mailed subject %q", m.Subject)
	}
	for _, want := range []string{"林 葵 さん", "イベント: オンライン雑談会（第2水曜）", "メンター: ", "（釧路市、すぐ近く）", "創業・起業の準備・クラウドファンディングの相談に乗れます",
		"はい、また参加したい: https://app.kizuna.example/digest/answer?token=", "退会する（今後このお便りは届きません）"} {
		if !strings.Contains(m.Text, want) {
			t.Fatalf("%q not in:\n%s", want, m.Text)
		}
	}
	h := d.mailpit.Headers(m.ID)
	if !strings.HasPrefix(strings.Join(h["List-Unsubscribe"], ""), "<https://app.kizuna.example/v1/mail/unsubscribe?token=") ||
		strings.Join(h["List-Unsubscribe-Post"], "") != "List-Unsubscribe=One-Click" {
		t.Fatalf("unsubscribe headers %v", h)
	}
	if got := d.digests(kushiro.ID); len(got) != 1 {
		t.Fatalf("%d digests after two runs in one month", len(got))
	}
	firstStill, _ := answerTokens(t, m.Text)

	// The 紋別 member leaves, on good terms: out of the community, and no
	// more digests.
	_, leaveLink := answerTokens(t, d.mailpitMessage(monbetsu.Email, "/digest/answer?token=").Text)
	var left struct {
		Answer string `json:"answer"`
		Left   []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"left"`
	}
	d.post("/v1/digest/answer", "", map[string]string{"token": leaveLink}).want(http.StatusOK).decode(&left)
	if left.Answer != digest.AnswerLeave || len(left.Left) != 1 || left.Left[0].ID != d.network {
		t.Fatalf("leave: %+v", left)
	}
	d.get("/v1/communities/"+d.network+"/members/"+monbetsu.ID+"/digest-preview", d.org.Access).wantProblem(http.StatusNotFound, "not_found")

	// The 小樽 member opts out with the mail's one-click unsubscribe.
	om := d.mailpitMessage(otaru.Email, "/digest/answer?token=")
	lu := strings.Join(d.mailpit.Headers(om.ID)["List-Unsubscribe"], "")
	unsub := strings.TrimSuffix(strings.TrimPrefix(lu, "<https://app.kizuna.example"), ">")
	d.do(req{method: http.MethodPost, path: unsub}).want(http.StatusOK)
	if p := d.preview(otaru.ID); p.WouldSend || p.SkipReason != digest.SkipOptedOut {
		t.Fatalf("after unsubscribing: %+v", p)
	}

	// Two more months with no sign of life, then it stops.
	for month := 2; month <= 4; month++ {
		d.nextMonth()
		must(t, d.app.runDigest(ctx))
		p := d.preview(kushiro.ID)
		want := min(month, digest.MaxUnanswered)
		if got := len(d.digests(kushiro.ID)); got != want || p.DigestsSinceActive != want {
			t.Fatalf("month %d: %d digests, preview %+v", month, got, p)
		}
		if month == 4 && (p.WouldSend || p.SkipReason != digest.SkipStopped) {
			t.Fatalf("after three: %+v", p)
		}
		if got := len(d.digests(otaru.ID)); got != 1 {
			t.Fatalf("month %d: the member who unsubscribed got %d digests", month, got)
		}
	}

	// The last digest's links: forged or altered, refused; still interested
	// works once, and the same digest's leave link is then spent too.
	still, leave := answerTokens(t, d.delivered(d.digests(kushiro.ID)[2]).Text)
	payload, sig, _ := strings.Cut(still, ".")
	// The 小樽 member's id in the 釧路 member's signed payload.
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	must(t, err)
	otherUser := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), kushiro.ID, otaru.ID, 1)))
	for _, bad := range []string{"nonsense", payload + "x." + sig, otherUser + "." + sig, sig + "." + payload} {
		d.post("/v1/digest/answer", "", map[string]string{"token": bad}).wantProblem(http.StatusBadRequest, "invalid_token")
	}
	var ans struct {
		Answer string `json:"answer"`
		Left   []any  `json:"left"`
	}
	d.post("/v1/digest/answer", "", map[string]string{"token": still}).want(http.StatusOK).decode(&ans)
	if ans.Answer != digest.AnswerStillInterested || len(ans.Left) != 0 {
		t.Fatalf("answer %+v", ans)
	}
	d.post("/v1/digest/answer", "", map[string]string{"token": still}).wantProblem(http.StatusBadRequest, "invalid_token")
	d.post("/v1/digest/answer", "", map[string]string{"token": leave}).wantProblem(http.StatusBadRequest, "invalid_token")
	if p := d.preview(kushiro.ID); p.Lapsed || p.DigestsSinceActive != 0 || p.SkipReason != digest.SkipActive {
		t.Fatalf("after 'still interested': %+v", p)
	}
	// The first digest's link has expired meanwhile (60 days).
	d.post("/v1/digest/answer", "", map[string]string{"token": firstStill}).wantProblem(http.StatusBadRequest, "invalid_token")
	// The member who left got nothing more.
	if got := len(d.digests(monbetsu.ID)); got != 1 {
		t.Fatalf("%d digests to the member who left", got)
	}

	// Back, the 釧路 member exports what was sent to them, then deletes
	// their account: nothing of them is left in any collection, the digest
	// records and answers included.
	back := d.login(kushiro.Email, demo.Password)
	var export struct {
		Digests []struct {
			Month        string   `json:"month"`
			Subject      string   `json:"subject"`
			CommunityIDs []string `json:"communityIds"`
			Offers       []struct {
				Kind string `json:"kind"`
				ID   string `json:"id"`
			} `json:"offers"`
		} `json:"digests"`
	}
	d.get("/v1/me/export", back.Access).want(http.StatusOK).decode(&export)
	if len(export.Digests) != 3 || export.Digests[0].Subject != p.Subject || len(export.Digests[0].Offers) != 3 ||
		export.Digests[0].Offers[1].ID != newKushiro.ID || len(export.Digests[0].CommunityIDs) != 2 {
		t.Fatalf("exported digests %+v", export.Digests)
	}
	// Their own preview: active now, so nothing would go.
	var mine digestPreviewBody
	d.get("/v1/me/digest-preview", back.Access).want(http.StatusOK).decode(&mine)
	if mine.UserID != kushiro.ID || mine.Lapsed || mine.WouldSend || mine.SkipReason != digest.SkipActive || mine.DigestsSinceActive != 0 {
		t.Fatalf("own preview %+v", mine)
	}
	secrets := collectPersonal(t, d.testApp, back)
	d.do(req{method: http.MethodDelete, path: "/v1/me", token: back.Access, body: map[string]any{"password": demo.Password}}).want(http.StatusNoContent)
	settleDeletions(t, d.testApp)
	if found, _ := leftovers(t, d.testApp, secrets); len(found) > 0 {
		t.Fatalf("left of the deleted member:\n%s", strings.Join(found, "\n"))
	}
	// A mentor the digests offered deletes their account: others' digest
	// records keep nothing of them either.
	mentor := d.login(newOnline.Email, demo.Password) // offered to the 小樽 and 紋別 members
	secrets = collectPersonal(t, d.testApp, mentor)
	d.do(req{method: http.MethodDelete, path: "/v1/me", token: mentor.Access, body: map[string]any{"password": demo.Password}}).want(http.StatusNoContent)
	settleDeletions(t, d.testApp)
	if found, _ := leftovers(t, d.testApp, secrets); len(found) > 0 {
		t.Fatalf("left of the deleted mentor:\n%s", strings.Join(found, "\n"))
	}
}

// delivered waits for the outbox message m in Mailpit and returns it.
func (d *demoDigest) delivered(m mail.Message) mailpit.Message {
	d.t.Helper()
	var id string
	d.mailpit.WaitFor(20*time.Second, func(msgs []mailpit.Summary) bool {
		for _, s := range msgs {
			if s.MessageID == m.MessageID {
				id = s.ID
				return true
			}
		}
		return false
	})
	return d.mailpit.Get(id)
}

// Two instances on one database run the monthly job at the same moment:
// one of them runs it, and each lapsed member gets one digest, even when
// both also run the digest itself at once (as an operator's "run now"
// beside the scheduler would).
func TestDigestOncePerMonthAcrossInstances(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	must(t, a.app.seedDemo(context.Background()))
	b := a.secondInstance()
	ctx := context.Background()
	slot := jobs.MonthlyJST(digestHour)(a.clock.Now())
	var wg sync.WaitGroup
	ran := make([]bool, 2)
	errs := make([]error, 4)
	for i, ta := range []*testApp{a, b} {
		wg.Go(func() { ran[i], errs[i] = ta.app.jobs.RunOnce(ctx, digestJob, slot, ta.app.runDigest) })
		wg.Go(func() { errs[2+i] = ta.app.runDigest(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		must(t, err)
	}
	if ran[0] == ran[1] {
		t.Fatalf("job ran on a: %v, on b: %v", ran[0], ran[1])
	}
	id := a.userID("founder08@demo.kizuna.example")
	msgs, err := a.app.mail.ForUser(ctx, id)
	must(t, err)
	n := 0
	for _, m := range msgs {
		if m.Kind == mail.KindDigest {
			n++
		}
	}
	sent, err := a.app.digest.ForUser(ctx, id)
	must(t, err)
	if n != 1 || len(sent) != 1 {
		t.Fatalf("%d digest mails, %d records", n, len(sent))
	}
	// Next month's slot is another run.
	a.clock.Advance(31 * 24 * time.Hour)
	ok, err := b.app.jobs.RunOnce(ctx, digestJob, jobs.MonthlyJST(digestHour)(a.clock.Now()), b.app.runDigest)
	must(t, err)
	if sent, _ = a.app.digest.ForUser(ctx, id); !ok || len(sent) != 2 {
		t.Fatalf("next month: ran %v, %d records", ok, len(sent))
	}
}

// An event the member already answered (here "maybe") is not offered again:
// the next best thing takes its place.
func TestDigestSkipsAnsweredEvents(t *testing.T) {
	t.Parallel()
	d := newDemoDigest(t)
	kushiro := d.lapsed("founder08@demo.kizuna.example")
	before := d.preview(kushiro.ID)
	if len(before.Offers) == 0 || before.Offers[0].Kind != digest.KindEvent {
		t.Fatalf("offers before %+v", before.Offers)
	}
	event, err := bson.ObjectIDFromHex(before.Offers[0].ID)
	must(t, err)
	who, err := bson.ObjectIDFromHex(kushiro.ID)
	must(t, err)
	// Through the service: signing in would end the lapse.
	_, err = d.app.community.Respond(context.Background(), accounts.Principal{UserID: who, Roles: []accounts.Role{accounts.RoleFounder}, EmailVerified: true}, event, community.RSVPMaybe)
	must(t, err)
	after := d.preview(kushiro.ID)
	for _, o := range after.Offers {
		if o.ID == before.Offers[0].ID {
			t.Fatalf("the answered event is still offered: %+v", after.Offers)
		}
	}
	if len(after.Offers) == 0 {
		t.Fatal("nothing offered in its place")
	}
}
