package keepintouch_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

const day = 24 * time.Hour

// connected returns a mentor and a founder in an active mentorship that
// started at the clock's time.
func connected(t *testing.T, e *servicetest.Env) (mentor, founder servicetest.Member, m mentorships.Introduction) {
	t.Helper()
	mentor = e.Mentor(t, "佐藤 由紀", 2)
	founder = e.Member(t, "田中 健", accounts.RoleFounder)
	return mentor, founder, e.Match(t, founder, mentor)
}

// A connection is listed once its last contact is older than the threshold,
// or than the cadence set for that person, whichever is shorter; the
// suggestion is the most personal way possible.
func TestListShowsConnectionsGoneQuiet(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	mentor, founder, _ := connected(t, e)

	cases := []struct {
		after   time.Duration
		stale   int
		cadence int
		listed  bool
	}{
		{after: 10 * day, stale: 30, listed: false},
		{after: 30 * day, stale: 30, listed: true},
		{after: 10 * day, stale: 30, cadence: 7, listed: true},   // a shorter cadence wins
		{after: 10 * day, stale: 30, cadence: 14, listed: false}, // not yet due
	}
	start := e.Clock.Now()
	for _, c := range cases {
		e.Clock.Set(start.Add(c.after))
		if c.cadence > 0 {
			if _, err := e.KeepInTouch.SetCadence(ctx, founder.P, mentor.ID, c.cadence); err != nil {
				t.Fatal(err)
			}
		} else if err := e.KeepInTouch.ClearCadence(ctx, founder.P, mentor.ID); err != nil {
			t.Fatal(err)
		}
		items, err := e.KeepInTouch.List(ctx, founder.P, c.stale)
		if err != nil {
			t.Fatal(err)
		}
		if (len(items) == 1) != c.listed {
			t.Fatalf("%+v: %d items listed, want listed: %v", c, len(items), c.listed)
		}
		if c.listed {
			it := items[0]
			if it.Other.ID != mentor.ID || it.Relation != "active" || it.TheirRole != "mentor" || it.Suggestion.Kind != "message" {
				t.Fatalf("%+v: item %+v", c, it)
			}
		}
	}
	// With a phone number the suggestion is a short call; with an event
	// near both of them, the event.
	phone := "011-123-4567"
	if _, err := e.Accounts.Update(ctx, mentor.ID, accounts.UpdateInput{Phone: &phone}); err != nil {
		t.Fatal(err)
	}
	items, err := e.KeepInTouch.List(ctx, founder.P, 1)
	if err != nil || len(items) != 1 || items[0].Suggestion.Kind != "call" || items[0].Suggestion.Phone != phone {
		t.Fatalf("with a phone: %+v, %v", items, err)
	}
	org := e.Member(t, "世話人", accounts.RoleOrganizer)
	c, err := e.Community.Create(ctx, org.P, community.CommunityInput{Name: "札幌の会", PrefectureCodes: []string{"01"}, MunicipalityCodes: []string{"01101"}})
	if err != nil {
		t.Fatal(err)
	}
	start = e.Clock.Now().Add(3 * day)
	ev, err := e.Community.CreateEvent(ctx, org.P, c.ID, community.EventInput{Title: "交流会", StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 20,
		Venue: &community.VenueInput{MunicipalityCode: "01101"}})
	if err != nil {
		t.Fatal(err)
	}
	items, err = e.KeepInTouch.List(ctx, founder.P, 1)
	if err != nil || len(items) != 1 || items[0].Suggestion.Kind != "event" || items[0].Suggestion.Event.ID != ev.ID {
		t.Fatalf("with an event near both: %+v, %v", items, err)
	}
}

// Reminders go out when a cadence is due, once a day however often the job
// runs, and not to those who turned reminders off.
func TestRemindDueOncePerDay(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	mentor, founder, _ := connected(t, e)
	if _, err := e.KeepInTouch.SetCadence(ctx, founder.P, mentor.ID, 14); err != nil {
		t.Fatal(err)
	}
	if _, err := e.KeepInTouch.SetCadence(ctx, mentor.P, founder.ID, 14); err != nil {
		t.Fatal(err)
	}
	off := false
	if _, err := e.Accounts.Update(ctx, mentor.ID, accounts.UpdateInput{Reminders: &off}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(13 * day)
	if n, err := e.KeepInTouch.RemindDue(ctx); err != nil || n != 0 {
		t.Fatalf("before the cadence: %d sent, %v", n, err)
	}
	e.Clock.Advance(day)
	for run, want := range []int{1, 0} {
		if n, err := e.KeepInTouch.RemindDue(ctx); err != nil || n != want {
			t.Fatalf("run %d on the day it is due: %d sent, %v; want %d (the mentor turned reminders off)", run, n, err, want)
		}
	}
	if !e.Notified(t, founder, "keep_in_touch") {
		t.Fatal("the founder got no reminder")
	}
	e.Clock.Advance(day)
	if n, err := e.KeepInTouch.RemindDue(ctx); err != nil || n != 1 {
		t.Fatalf("the next day, still out of touch: %d sent, %v; want 1", n, err)
	}
}

// The keep-in-touch error contract.
func TestKeepInTouchErrorContract(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	mentor, founder, _ := connected(t, e)
	stranger := e.Member(t, "部外者", accounts.RoleFounder)
	servicetest.CheckRules(t, []servicetest.Rule{
		{Rule: "the threshold is 1 to 365 days", Code: "validation_failed", Do: func() error {
			_, err := e.KeepInTouch.List(ctx, founder.P, 0)
			return err
		}},
		{Rule: "a cadence is 1 to 365 days", Code: "validation_failed", Do: func() error {
			_, err := e.KeepInTouch.SetCadence(ctx, founder.P, mentor.ID, 366)
			return err
		}},
		{Rule: "a cadence is for a connection", Code: "not_found", Do: func() error {
			_, err := e.KeepInTouch.SetCadence(ctx, founder.P, stranger.ID, 30)
			return err
		}},
		{Rule: "clearing answers the same for strangers", Code: "not_found", Do: func() error {
			return e.KeepInTouch.ClearCadence(ctx, founder.P, bson.NewObjectID())
		}},
	})
}
