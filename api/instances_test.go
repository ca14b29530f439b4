package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secondInstance starts another app on ta's database as MongoDB (its
// embedded server), sharing its JWT secret and clock, as a second instance
// behind a load balancer would.
func (ta *testApp) secondInstance(opts ...appOption) *testApp {
	ta.t.Helper()
	secret, err := os.ReadFile(filepath.Join(ta.dataDir, "jwt-secret"))
	must(ta.t, err)
	return openTestApp(ta.t, ta.t.TempDir(), ta.clock, append(opts, func(c *config) {
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
