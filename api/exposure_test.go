package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// exposure records every response of a flow with who asked and who could
// then see which private strings, and checks them afterwards.
type exposure struct {
	ta *testApp
	// allowed[secret] is who may see it now.
	allowed map[string][]string
	seen    []seenResponse
}

type seenResponse struct {
	viewer  string // account id; "" without a token
	what    string
	body    string
	allowed map[string][]string // a copy at the time
}

func (e *exposure) allow(secret string, viewers ...account) {
	for _, v := range viewers {
		e.allowed[secret] = append(e.allowed[secret], v.ID)
	}
}

// connect lets a and b see each other's contact details from now on.
func (e *exposure) connect(a, b account, aPhone, bPhone string) {
	e.allow(a.Email, b)
	e.allow(aPhone, b)
	e.allow(b.Email, a)
	e.allow(bPhone, a)
}

func (e *exposure) do(viewer account, r req) *response {
	e.ta.t.Helper()
	r.token = viewer.Access
	res := e.ta.do(r)
	snapshot := make(map[string][]string, len(e.allowed))
	for k, v := range e.allowed {
		snapshot[k] = slices.Clone(v)
	}
	e.seen = append(e.seen, seenResponse{viewer: viewer.ID, what: r.method + " " + r.path, body: string(res.Body), allowed: snapshot})
	return res
}

func (e *exposure) get(viewer account, path string) *response {
	e.ta.t.Helper()
	return e.do(viewer, req{method: http.MethodGet, path: path})
}

func (e *exposure) post(viewer account, path string, body any) *response {
	e.ta.t.Helper()
	return e.do(viewer, req{method: http.MethodPost, path: path, body: body})
}

// TestNoPrivateDataInAnyResponse runs the whole life of a mentorship and a
// community, and checks every response: no password hash or refresh-token
// hash ever; a mentor's stakes only to the mentor, organizers and admins;
// e-mails and phones only to their owner, the people they are connected with
// (the two parties of a mentorship, from its start) and admins.
func TestNoPrivateDataInAnyResponse(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	e := &exposure{ta: ta, allowed: map[string][]string{}}
	admin := ta.admin()
	org := ta.organizer("主催者")
	mentor := ta.newMentor("メンター", "01631", "sales", "hiring")
	other := ta.newMentor("別のメンター", "01207", "sales")
	founder := ta.newFounder("創業者", "01207")
	stranger := ta.newFounder("見知らぬ人", "01101")
	people := []account{admin, org, mentor, other, founder, stranger}
	phones := map[string]string{mentor.ID: "090-1000-0001", other.ID: "090-1000-0002", founder.ID: "090-1000-0003", stranger.ID: "090-1000-0004"}
	for _, p := range people {
		e.allow(p.Email, p, admin)
		if ph := phones[p.ID]; ph != "" {
			e.allow(ph, p, admin)
			e.do(p, req{method: http.MethodPatch, path: "/v1/me", body: map[string]any{"phone": ph}}).want(http.StatusOK)
		}
	}
	stakes := map[account]string{mentor: "音更ホールディングス", other: "帯広商事"}
	for m, stake := range stakes {
		e.allow(stake, m, org, admin)
		body := mentorProfile("01207", "sales")
		body["stakes"], body["independent"] = []string{stake}, false
		e.do(m, req{method: http.MethodPut, path: "/v1/me/mentor-profile", body: body}).want(http.StatusOK)
		e.get(m, "/v1/me/mentor-profile").want(http.StatusOK)
	}

	// Finding mentors and asking.
	for _, p := range people {
		e.get(p, "/v1/mentors?topic=sales&near=01207&radiusKm=300")
		e.get(p, "/v1/mentors/"+mentor.ID)
		e.get(p, "/v1/mentors/"+other.ID)
		e.get(p, "/v1/me")
	}
	e.get(founder, "/v1/match-suggestions?topic=sales")
	var r matchRequestBody
	e.post(founder, "/v1/match-requests", map[string]any{"topics": []string{"sales"}, "radiusKm": 300}).want(http.StatusCreated).decode(&r)
	var in1, in2 introBody
	e.post(founder, "/v1/match-requests/"+r.Request.ID+"/introductions", map[string]any{"mentorId": mentor.ID}).want(http.StatusCreated).decode(&in1)
	e.post(founder, "/v1/match-requests/"+r.Request.ID+"/introductions", map[string]any{"mentorId": other.ID}).want(http.StatusCreated).decode(&in2)
	for _, p := range []account{founder, mentor, other} {
		e.get(p, "/v1/introductions")
		e.get(p, "/v1/introductions/"+in1.ID)
		e.get(p, "/v1/introductions/"+in2.ID)
		e.get(p, "/v1/match-requests/"+r.Request.ID)
		e.get(p, "/v1/notifications")
	}
	e.post(mentor, "/v1/introductions/"+in1.ID+"/accept", map[string]any{"message": "喜んで"}).want(http.StatusOK).decode(&in1)
	e.connect(founder, mentor, phones[founder.ID], phones[mentor.ID])
	for _, p := range people {
		e.get(p, "/v1/mentorships")
		e.get(p, "/v1/mentorships/"+in1.MentorshipID)
		e.get(p, "/v1/introductions/"+in2.ID)
		e.get(p, "/v1/notifications")
		e.get(p, "/v1/keep-in-touch")
	}
	e.post(founder, "/v1/mentorships/"+in1.MentorshipID+"/touchpoints", map[string]any{"kind": "call", "durationMinutes": 20}).want(http.StatusCreated)
	e.get(mentor, "/v1/mentorships/"+in1.MentorshipID+"/touchpoints").want(http.StatusOK)

	// Community.
	c := ta.newCommunity(org, "十勝", "01207")
	ev := ta.newEvent(org, c.ID, 10, 72*time.Hour)
	for _, p := range people {
		e.post(p, "/v1/communities/"+c.ID+"/join", nil)
		e.post(p, "/v1/communities/"+c.ID+"/posts", map[string]string{"body": "よろしくお願いします"})
		e.post(p, "/v1/events/"+ev+"/rsvp", map[string]string{"status": "going"})
	}
	for _, p := range people {
		e.get(p, "/v1/communities/"+c.ID)
		e.get(p, "/v1/communities/"+c.ID+"/posts")
		e.get(p, "/v1/communities/"+c.ID+"/members")
		e.get(p, "/v1/events/"+ev)
		e.get(p, "/v1/events")
	}
	e.post(stranger, "/v1/reports", map[string]string{"subjectUserId": other.ID, "reason": "undisclosed_stake", "detail": "利害関係が不明"}).want(http.StatusCreated)
	e.get(org, "/v1/reports")
	e.get(admin, "/v1/reports")
	e.get(org, "/v1/reports/coverage?prefecture=01")
	e.post(org, "/v1/admin/mentors/"+other.ID+"/verify", nil).want(http.StatusOK)
	e.post(admin, "/v1/admin/users/"+stranger.ID+"/roles", map[string]string{"role": "organizer"}).want(http.StatusOK)

	// A good ending: alumni stay connected.
	e.post(founder, "/v1/mentorships/"+in1.MentorshipID+"/complete", map[string]any{"reflection": "ありがとうございました", "rating": 5, "stayInTouch": true}).want(http.StatusOK)
	e.post(mentor, "/v1/mentorships/"+in1.MentorshipID+"/complete", map[string]any{"reflection": "楽しかった", "rating": 5, "stayInTouch": true}).want(http.StatusOK)
	ta.clock.Advance(120 * 24 * time.Hour)
	for _, p := range people {
		e.get(p, "/v1/mentorships?status=completed")
		e.get(p, "/v1/keep-in-touch")
	}
	auth := ta.login(founder.Email, testPassword)
	e.seen = append(e.seen, seenResponse{viewer: founder.ID, what: "refresh", body: string(ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": auth.Refresh}).want(http.StatusOK).Body)})

	// Stored hashes, to look for.
	hashes := storedStrings(t, ta, "users", "passwordHash")
	hashes = append(hashes, storedStrings(t, ta, "refresh_tokens", "_id")...)
	if len(hashes) < len(people)*2 {
		t.Fatalf("found only %d stored hashes", len(hashes))
	}
	names := map[string]string{}
	for _, p := range people {
		names[p.ID] = p.Email
	}
	leaks := 0
	for _, s := range e.seen {
		for _, h := range hashes {
			if strings.Contains(s.body, h) {
				t.Errorf("%s to %s carries a stored hash", s.what, names[s.viewer])
			}
		}
		if strings.Contains(s.body, "argon2") || strings.Contains(strings.ToLower(s.body), "passwordhash") {
			t.Errorf("%s to %s mentions a password hash: %.200s", s.what, names[s.viewer], s.body)
		}
		for secret, viewers := range s.allowed {
			if strings.Contains(s.body, secret) && !slices.Contains(viewers, s.viewer) {
				leaks++
				t.Errorf("%s shows %q to %s: %.300s", s.what, secret, names[s.viewer], s.body)
			}
		}
	}
	// The checks see something: the owners and the connected do get them.
	for _, want := range []struct {
		viewer account
		secret string
	}{{founder, mentor.Email}, {founder, phones[mentor.ID]}, {mentor, phones[founder.ID]}, {org, stakes[other]}, {mentor, stakes[mentor]}} {
		found := false
		for _, s := range e.seen {
			found = found || s.viewer == want.viewer.ID && strings.Contains(s.body, want.secret)
		}
		if !found {
			t.Errorf("%s never saw %q, which they may: the flow does not exercise it", want.viewer.Email, want.secret)
		}
	}
	t.Logf("%d responses checked, %d leaks", len(e.seen), leaks)
}

// storedStrings reads one string field of every document of a collection.
func storedStrings(t *testing.T, ta *testApp, collection, field string) []string {
	t.Helper()
	cur, err := ta.app.db.Collection(collection).Find(context.Background(), bson.D{})
	must(t, err)
	var docs []bson.M
	must(t, cur.All(context.Background(), &docs))
	var out []string
	for _, d := range docs {
		if s, ok := d[field].(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}
