package main

import (
	"net/http"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The documented statuses the sweep cannot reach by construction: each needs
// a particular state.

func TestFounderProfileLifecycle(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	f := ta.signUp("founder", "founder")
	ta.get("/v1/me/founder-profile", f.Access).wantProblem(http.StatusNotFound, "not_found")
	body := founderProfile("01207")
	res := ta.put("/v1/me/founder-profile", f.Access, body).want(http.StatusCreated)
	if res.Header.Get("ETag") != `"1"` {
		t.Fatalf("ETag %q, want \"1\"", res.Header.Get("ETag"))
	}
	body["companyName"] = "十勝チーズ工房 株式会社"
	ifMatch := func(tag string) *response {
		return ta.do(req{method: http.MethodPut, path: "/v1/me/founder-profile", token: f.Access, body: body, headers: map[string]string{"If-Match": tag}})
	}
	if got := ifMatch(`"1"`).want(http.StatusOK).Header.Get("ETag"); got != `"2"` {
		t.Fatalf("ETag %q after update, want \"2\"", got)
	}
	body["companyName"] = "stale"
	ifMatch(`"1"`).wantProblem(http.StatusPreconditionFailed, "precondition_failed")
	var p struct {
		CompanyName string `json:"companyName"`
	}
	ta.get("/v1/me/founder-profile", f.Access).want(http.StatusOK).decode(&p)
	if p.CompanyName != "十勝チーズ工房 株式会社" {
		t.Fatalf("a stale write changed the profile: %q", p.CompanyName)
	}
}

func TestUnverifyMentorAndRevokeRole(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.newMentor("m", "01207", "sales")
	org := ta.organizer("org")
	verified := func() bool {
		var v struct {
			Verified bool `json:"verified"`
		}
		ta.get("/v1/mentors/"+m.ID, org.Access).want(http.StatusOK).decode(&v)
		return v.Verified
	}
	ta.post("/v1/admin/mentors/"+m.ID+"/verify", org.Access, nil).want(http.StatusOK)
	if !verified() {
		t.Fatal("not verified after verify")
	}
	ta.delete("/v1/admin/mentors/"+m.ID+"/verify", org.Access).want(http.StatusOK)
	if verified() {
		t.Fatal("still verified after unverify")
	}
	// Only organizer is granted and revoked here.
	admin := ta.admin()
	ta.delete("/v1/admin/users/"+org.ID+"/roles/admin", admin.Access).wantProblem(http.StatusBadRequest, "role_not_grantable")
	ta.delete("/v1/admin/users/"+org.ID+"/roles/organizer", admin.Access).want(http.StatusOK)
}

func TestRefreshIsRateLimited(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *appSetup) { c.AuthPerMinute = 6 }) // bursts of 3
	a := ta.signUp("a")                                            // two of the burst: the sign-up and its verification link
	for range 1 {
		ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": "not-a-token"}).wantProblem(http.StatusUnauthorized, "invalid_refresh_token")
	}
	res := ta.post("/v1/auth/refresh", "", map[string]string{"refreshToken": a.Refresh})
	res.wantProblem(http.StatusTooManyRequests, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// A cadence makes a recent connection due; clearing it falls back to the
// default threshold (60 days), so the connection is no longer listed.
func TestClearCadence(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	m := ta.newMentor("m", "01207", "sales")
	f := ta.newFounder("f", "01207")
	ta.touch(f, ta.mentorship(f, m, "sales"))
	ta.put("/v1/connections/"+m.ID+"/cadence", f.Access, map[string]int{"everyDays": 7}).want(http.StatusOK)
	ta.clock.Advance(10 * 24 * time.Hour)
	ta.relogin(&f)
	var kit kitBody
	ta.get("/v1/keep-in-touch", f.Access).want(http.StatusOK).decode(&kit)
	if len(kit.Items) != 1 || kit.Items[0].Person.ID != m.ID || kit.Items[0].CadenceDays != 7 {
		t.Fatalf("with a 7-day cadence after 10 days: %+v", kit.Items)
	}
	ta.delete("/v1/connections/"+m.ID+"/cadence", f.Access).want(http.StatusNoContent)
	ta.get("/v1/keep-in-touch", f.Access).want(http.StatusOK).decode(&kit)
	if len(kit.Items) != 0 {
		t.Fatalf("after clearing the cadence: %+v", kit.Items)
	}
}

func TestInviteLapsedToPastEvent(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	org := ta.organizer("org")
	c := ta.newCommunity(org, "十勝")
	ev := ta.newEvent(org, c.ID, 10, time.Hour)
	ta.clock.Advance(2 * time.Hour)
	ta.relogin(&org)
	ta.post("/v1/events/"+ev+"/invite-lapsed", org.Access, nil).wantProblem(http.StatusConflict, "event_past")
}

func TestUnpinPost(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	org := ta.organizer("org")
	c := ta.newCommunity(org, "十勝")
	var post struct {
		ID     string `json:"id"`
		Pinned bool   `json:"pinned"`
	}
	ta.post("/v1/communities/"+c.ID+"/posts", org.Access, map[string]string{"body": "今月の相談会"}).want(http.StatusCreated).decode(&post)
	ta.post("/v1/posts/"+post.ID+"/pin", org.Access, nil).want(http.StatusOK).decode(&post)
	if !post.Pinned {
		t.Fatal("not pinned")
	}
	ta.post("/v1/posts/"+post.ID+"/unpin", org.Access, nil).want(http.StatusOK).decode(&post)
	if post.Pinned {
		t.Fatal("still pinned after unpin")
	}
}

func TestReportAboutNobody(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := ta.signUp("u", "founder")
	ta.post("/v1/reports", u.Access, map[string]string{"subjectUserId": bson.NewObjectID().Hex(), "reason": "spam"}).wantProblem(http.StatusNotFound, "not_found")
	ta.post("/v1/reports", u.Access, map[string]string{"postId": bson.NewObjectID().Hex(), "reason": "spam"}).wantProblem(http.StatusNotFound, "not_found")
}
