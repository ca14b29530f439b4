package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/kizuna-dev/kizuna/internal/demo"
)

// The demo seeds an empty database with a living community, and does nothing
// on a database that already has accounts.
func TestDemoSeed(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	start := ta.clock.Now()
	must(t, ta.app.seedDemo(context.Background()))
	if !ta.clock.Now().Equal(start) {
		t.Fatalf("the demo left the clock at %v, started at %v", ta.clock.Now(), start)
	}

	f := ta.login(demo.FounderEmail, demo.Password)
	m := ta.login(demo.MentorEmail, demo.Password)
	org := ta.login(demo.OrganizerEmail, demo.Password)

	var sug struct {
		Items      []suggestionBody `json:"items"`
		Candidates int              `json:"candidates"`
	}
	ta.get("/v1/match-suggestions?topic=sales&topic=hiring", f.Access).want(http.StatusOK).decode(&sug)
	if len(sug.Items) < 5 {
		t.Fatalf("demo founder gets %d suggestions", len(sug.Items))
	}
	var intros struct {
		Items []introBody `json:"items"`
	}
	ta.get("/v1/introductions?as=mentor&status=pending", m.Access).want(http.StatusOK).decode(&intros)
	if len(intros.Items) == 0 || intros.Items[0].Founder.CompanyName != "十勝チーズ工房" {
		t.Fatalf("demo mentor's pending introductions: %+v", intros.Items)
	}
	var mentors searchBody
	ta.get("/v1/mentors?near=01207&radiusKm=100&limit=100", f.Access).want(http.StatusOK).decode(&mentors)
	if len(mentors.Items) < 8 {
		t.Fatalf("%d mentors within 100 km of 帯広", len(mentors.Items))
	}
	var cs struct {
		Items []struct {
			ID          string `json:"id"`
			MemberCount int    `json:"memberCount"`
		} `json:"items"`
	}
	ta.get("/v1/communities?near=01207", org.Access).want(http.StatusOK).decode(&cs)
	if len(cs.Items) != 2 || cs.Items[0].MemberCount < 10 {
		t.Fatalf("communities %+v", cs.Items)
	}
	var lapsed struct {
		Items []any `json:"items"`
	}
	ta.get("/v1/communities/"+cs.Items[1].ID+"/members?status=lapsed", org.Access).want(http.StatusOK).decode(&lapsed)
	if len(lapsed.Items) == 0 {
		t.Fatal("no lapsed members in the demo")
	}
	var events struct {
		Items []any `json:"items"`
	}
	ta.get("/v1/events?near=01207", f.Access).want(http.StatusOK).decode(&events)
	if len(events.Items) < 3 {
		t.Fatalf("%d upcoming events", len(events.Items))
	}
	var mine struct {
		Items []mentorshipBody `json:"items"`
	}
	var kit kitBody
	ta.get("/v1/mentorships?status=completed", org.Access).want(http.StatusOK).decode(&mine)
	_ = kit

	// A second run on the same (now non-empty) database does nothing.
	before := len(mentors.Items)
	must(t, ta.app.seedDemo(context.Background()))
	ta.get("/v1/mentors?near=01207&radiusKm=100&limit=100", f.Access).want(http.StatusOK).decode(&mentors)
	if len(mentors.Items) != before {
		t.Fatalf("second seed changed the data: %d mentors, was %d", len(mentors.Items), before)
	}
}
