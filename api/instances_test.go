package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// secondInstance starts another app on ta's database as MongoDB (its
// embedded server), sharing its JWT secret and clock, as a second instance
// behind a load balancer would.
func (ta *testApp) secondInstance(opts ...appOption) *testApp {
	ta.t.Helper()
	secret, err := os.ReadFile(filepath.Join(ta.dataDir, "jwt-secret"))
	must(ta.t, err)
	return openTestApp(ta.t, ta.t.TempDir(), ta.clock, append(opts, func(c *appSetup) {
		c.MongoURI = ta.app.db.EmbeddedURI()
		c.JWTSecret = strings.TrimSpace(string(secret))
	})...)
}

// Two API instances on one database agree on suggestions after a profile
// change, once the second has synced (it polls every few seconds in
// production; the test syncs explicitly instead of waiting).
func TestTwoInstancesAgree(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	b := a.secondInstance()
	sync := func() {
		t.Helper()
		must(t, b.app.profiles.SyncIndex(context.Background()))
		must(t, b.app.mentorships.SyncStats(context.Background()))
		must(t, b.app.accounts.SyncDirectory(context.Background()))
	}

	m := a.newMentor("A社の先輩", "01207", "sales") // written through instance A
	f := b.newFounder("founder", "01207")       // through instance B
	suggestions := func(ta *testApp) []suggestionBody {
		var res struct {
			Items []suggestionBody `json:"items"`
		}
		ta.get("/v1/match-suggestions?topic=sales&near=01207", f.Access).want(http.StatusOK).decode(&res)
		return res.Items
	}
	if got := suggestions(b); len(got) != 0 {
		t.Fatalf("B knew the mentor before syncing: %+v", got)
	}
	sync()
	if got := suggestions(b); len(got) != 1 || got[0].Mentor.ID != m.ID {
		t.Fatalf("B after sync: %+v", got)
	}
	must(t, a.app.profiles.SyncIndex(context.Background())) // A learns of B's founder
	if sa, sb := suggestions(a), suggestions(b); len(sa) != 1 || sa[0].Mentor.ID != sb[0].Mentor.ID || sa[0].Score != sb[0].Score {
		t.Fatalf("A and B disagree: %+v vs %+v", sa, sb)
	}

	// The mentor pauses on A; B follows after its sync.
	body := mentorProfile("01207", "sales")
	body["acceptingRequests"] = false
	a.put("/v1/me/mentor-profile", m.Access, body).want(http.StatusOK)
	if got := suggestions(a); len(got) != 0 {
		t.Fatalf("A still suggests a paused mentor")
	}
	sync()
	if got := suggestions(b); len(got) != 0 {
		t.Fatalf("B still suggests the paused mentor after sync: %+v", got)
	}

	// Capacity taken on A shows on B after sync.
	body["acceptingRequests"] = true
	a.put("/v1/me/mentor-profile", m.Access, body).want(http.StatusOK)
	sync()
	r := b.openRequest(f, "sales")
	in := b.introduce(f, r.Request.ID, m.ID)
	a.post("/v1/introductions/"+in.ID+"/accept", m.Access, nil).want(http.StatusOK)
	sync()
	var mentor struct {
		FreeCapacity int `json:"freeCapacity"`
	}
	b.get("/v1/mentors/"+m.ID, f.Access).want(http.StatusOK).decode(&mentor)
	if mentor.FreeCapacity != 1 {
		t.Fatalf("B sees %d free places, want 1 after A's accept", mentor.FreeCapacity)
	}
}

// Must show 2: a signed-out session's access token is refused by the
// instance that signed it out at the very next request, and by a second
// instance at its next directory sync (every 2 s in production: the test
// syncs explicitly and logs how long a sync took). The same for a
// suspension and for a deletion, whose mentor also leaves the second
// instance's search.
func TestRevocationReachesSecondInstance(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	b := a.secondInstance()
	sync := func() time.Duration {
		t.Helper()
		start := time.Now()
		must(t, b.app.accounts.SyncDirectory(context.Background()))
		must(t, b.app.profiles.SyncIndex(context.Background()))
		return time.Since(start)
	}
	u := a.signUp("ログアウトする人", "founder")
	b.get("/v1/me", u.Access).want(http.StatusOK) // B holds the account in its directory

	a.post("/v1/auth/logout", "", map[string]string{"refreshToken": u.Refresh}).want(http.StatusNoContent)
	a.get("/v1/me", u.Access).wantProblem(http.StatusUnauthorized, "session_ended") // at once, here
	took := sync()
	b.get("/v1/me", u.Access).wantProblem(http.StatusUnauthorized, "session_ended") // after B's sync
	t.Logf("logout: instance A refuses the next request; instance B after its sync (this one took %v)", took.Round(time.Microsecond))

	admin := a.admin()
	s := a.signUp("停止される人", "founder")
	b.get("/v1/me", s.Access).want(http.StatusOK)
	a.post("/v1/admin/users/"+s.ID+"/suspend", admin.Access, nil).want(http.StatusOK)
	a.get("/v1/me", s.Access).wantProblem(http.StatusForbidden, "account_suspended")
	sync()
	b.get("/v1/me", s.Access).wantProblem(http.StatusForbidden, "account_suspended")

	m := a.newMentor("退会するメンター", "01207", "sales")
	f := a.newFounder("探す人", "01207")
	sync()
	b.get("/v1/me", m.Access).want(http.StatusOK)
	b.get("/v1/mentors/"+m.ID, f.Access).want(http.StatusOK)
	a.do(req{method: http.MethodDelete, path: "/v1/me", token: m.Access, body: map[string]any{"password": testPassword}}).want(http.StatusNoContent)
	a.get("/v1/me", m.Access).wantProblem(http.StatusUnauthorized, "unauthenticated")
	took = sync()
	b.get("/v1/me", m.Access).wantProblem(http.StatusUnauthorized, "unauthenticated")
	b.get("/v1/mentors/"+m.ID, f.Access).wantProblem(http.StatusNotFound, "not_found")
	var found searchBody
	b.get("/v1/mentors?topic=sales", f.Access).want(http.StatusOK).decode(&found)
	if len(found.Items) != 0 {
		t.Fatalf("B still finds %+v", found.Items)
	}
	t.Logf("deletion: instance B refuses the token and forgets the mentor after its sync (this one took %v)", took.Round(time.Microsecond))
}
