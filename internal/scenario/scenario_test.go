package scenario_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/mongodb/mongotest"
	"github.com/kizuna-dev/kizuna/internal/notifications"
	"github.com/kizuna-dev/kizuna/internal/scenario"
)

func all[T any](t *testing.T, db *mongodb.DB, coll string) []T {
	t.Helper()
	cur, err := db.Collection(coll).Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	if err := cur.All(context.Background(), &out); err != nil {
		t.Fatalf("%s: %v", coll, err)
	}
	return out
}

// TestGenerateInvariants generates a tiny scenario into a real embedded
// server and checks what the API relies on: member counts, activity copied
// to memberships, references between documents, places within capacity, and
// a password the API accepts.
func TestGenerateInvariants(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Open(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	m, err := scenario.Generate(ctx, db, scenario.Config{Scale: 0.02, Seed: 7, Now: now, Fresh: 10})
	if err != nil {
		t.Fatal(err)
	}

	users := map[bson.ObjectID]accounts.User{}
	for _, u := range all[accounts.User](t, db, "users") {
		users[u.ID] = u
	}
	if len(users) != 40 || m.Counts["users"] != 40 {
		t.Errorf("users: %d in the database, %d counted; want 40", len(users), m.Counts["users"])
	}

	active := map[bson.ObjectID]int64{}
	for _, ms := range all[community.Membership](t, db, "memberships") {
		u, ok := users[ms.UserID]
		if !ok {
			t.Errorf("membership %s: no user %s", ms.ID.Hex(), ms.UserID.Hex())
			continue
		}
		if !ms.ActiveAt.Equal(u.ActiveAt()) {
			t.Errorf("membership %s: activeAt %s, the user's activity %s", ms.ID.Hex(), ms.ActiveAt, u.ActiveAt())
		}
		if ms.Status == community.StatusActive {
			active[ms.CommunityID]++
		}
	}
	comms := all[community.Community](t, db, "communities")
	if len(comms) == 0 {
		t.Fatal("no communities")
	}
	for _, c := range comms {
		if c.ID.Hex() == m.CommunityID && c.MemberCount != m.Members {
			t.Errorf("manifest: %d members, the community %d", m.Members, c.MemberCount)
		}
		if c.MemberCount != active[c.ID] || c.MemberCount == 0 {
			t.Errorf("community %s: memberCount %d, %d active members", c.ID.Hex(), c.MemberCount, active[c.ID])
		}
	}

	perUser := map[bson.ObjectID]int{}
	for _, n := range all[notifications.Notification](t, db, "notifications") {
		if _, ok := users[n.UserID]; !ok {
			t.Errorf("notification %s: no user %s", n.ID.Hex(), n.UserID.Hex())
		}
		perUser[n.UserID]++
	}
	founderID, _ := bson.ObjectIDFromHex(m.Founder.ID)
	if perUser[founderID] != 30 || m.Founder.Notifications != 30 {
		t.Errorf("founder subject: %d notifications (manifest %d), want 30", perUser[founderID], m.Founder.Notifications)
	}

	requests := map[bson.ObjectID]mentorships.MatchRequest{}
	for _, r := range all[mentorships.MatchRequest](t, db, "match_requests") {
		requests[r.ID] = r
	}
	accepted := map[bson.ObjectID]bool{}
	for _, in := range all[mentorships.Introduction](t, db, "introductions") {
		r, ok := requests[in.RequestID]
		if !ok {
			t.Errorf("introduction %s: no request %s", in.ID.Hex(), in.RequestID.Hex())
			continue
		}
		if r.FounderID != in.FounderID {
			t.Errorf("introduction %s: founder %s, the request's %s", in.ID.Hex(), in.FounderID.Hex(), r.FounderID.Hex())
		}
		if u, ok := users[in.MentorID]; !ok || !u.HasRole(accounts.RoleMentor) {
			t.Errorf("introduction %s: mentor %s is not a mentor", in.ID.Hex(), in.MentorID.Hex())
		}
		if in.Status == mentorships.IntroPending && !in.ExpiresAt.After(now) {
			t.Errorf("introduction %s: pending but expired", in.ID.Hex())
		}
		if in.Status == mentorships.IntroAccepted {
			accepted[in.ID] = true
		}
	}
	for _, ms := range all[mentorships.Mentorship](t, db, "mentorships") {
		if !accepted[ms.ID] {
			t.Errorf("mentorship %s has no accepted introduction of its id", ms.ID.Hex())
		}
	}
	if len(accepted) == 0 {
		t.Error("no mentorships")
	}

	going := map[bson.ObjectID]int{}
	for _, r := range all[community.RSVP](t, db, "rsvps") {
		if r.Status == community.RSVPGoing {
			going[r.EventID]++
		}
	}
	places, err := db.Collection("event_places").CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, e := range all[community.Event](t, db, "events") {
		if going[e.ID] > e.Capacity {
			t.Errorf("event %s: %d going, capacity %d", e.ID.Hex(), going[e.ID], e.Capacity)
		}
		total += going[e.ID]
	}
	if int64(total) != places {
		t.Errorf("%d going, %d places", total, places)
	}

	// The one shared hash signs every subject in.
	acc, err := accounts.New(ctx, db, accounts.Config{JWTSecret: []byte("test-secret-test-secret-test-secret-0123")})
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{m.Founder.Email, m.Mentor.Email, m.Organizer.Email, m.FreshEmails[0]} {
		if _, _, err := acc.Login(ctx, email, m.Password); err != nil {
			t.Errorf("sign in %s: %v", email, err)
		}
	}
}
