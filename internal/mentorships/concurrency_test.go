package mentorships_test

import (
	"context"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// Accepts racing for a mentor's last place: exactly one wins, the others get
// capacity_full, and only the winner's place is held (on the embedded server
// too, whose updates of one document are not isolated).
func TestConcurrentAcceptsForTheLastPlace(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	mentor := e.Mentor(t, "佐藤 由紀", 1)
	var fns []func() error
	for range 6 {
		in := e.Introduce(t, e.Member(t, "起業家", accounts.RoleFounder), mentor)
		fns = append(fns, func() error { _, err := e.Mentorships.Accept(ctx, mentor.P, in.ID, ""); return err })
	}
	codes := servicetest.Race(fns...)
	if servicetest.Wins(t, codes, "capacity_full") != 1 {
		t.Fatalf("outcomes %q, want one success and capacity_full for the rest", codes)
	}
	if n := e.Mentorships.SeatsHeld(ctx, mentor.ID); n != 1 {
		t.Fatalf("%d places held, want 1", n)
	}
}

// Introductions racing on one request: at most MaxPendingPerRequest are
// pending, the rest get too_many_pending.
func TestConcurrentIntroductionsHoldAtMostThreePending(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	founder := e.Member(t, "田中 健", accounts.RoleFounder)
	r := e.Request(t, founder)
	var fns []func() error
	for range 6 {
		m := e.Mentor(t, "候補", 2)
		fns = append(fns, func() error { _, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, m.ID, ""); return err })
	}
	codes := servicetest.Race(fns...)
	if servicetest.Wins(t, codes, "too_many_pending") != mentorships.MaxPendingPerRequest {
		t.Fatalf("outcomes %q, want %d successes and too_many_pending for the rest", codes, mentorships.MaxPendingPerRequest)
	}
	pending, _, err := e.Mentorships.ListIntroductions(ctx, founder.P, mentorships.IntroductionFilter{Status: mentorships.IntroPending, Limit: 20})
	if err != nil || len(pending) != mentorships.MaxPendingPerRequest {
		t.Fatalf("%d pending introductions, %v", len(pending), err)
	}
}

// An accept, a decline and a withdrawal of one introduction at once: exactly
// one decision holds, and the introduction shows that one.
func TestConcurrentDecisionsOnOneIntroduction(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	mentor := e.Mentor(t, "佐藤 由紀", 2)
	founder := e.Member(t, "田中 健", accounts.RoleFounder)
	for round := range 3 {
		in := e.Introduce(t, founder, mentor)
		codes := servicetest.Race(
			func() error { _, err := e.Mentorships.Accept(ctx, mentor.P, in.ID, ""); return err },
			func() error {
				_, err := e.Mentorships.Decline(ctx, mentor.P, in.ID, mentorships.ReasonOther, "")
				return err
			},
			func() error { _, err := e.Mentorships.Withdraw(ctx, founder.P, in.ID); return err },
		)
		if servicetest.Wins(t, codes, "invalid_transition") != 1 {
			t.Fatalf("round %d: outcomes %q, want one decision and invalid_transition twice", round, codes)
		}
		got, err := e.Mentorships.GetIntroduction(ctx, founder.P, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{mentorships.IntroAccepted, mentorships.IntroDeclined, mentorships.IntroWithdrawn}[indexOf(codes, "")]
		if got.Status != want {
			t.Fatalf("round %d: introduction %q, want %q (the winner's)", round, got.Status, want)
		}
		if held := e.Mentorships.SeatsHeld(ctx, mentor.ID); (want == mentorships.IntroAccepted) != (held > 0) {
			t.Fatalf("round %d: %q with %d places held", round, want, held)
		}
		if want == mentorships.IntroAccepted {
			if _, err := e.Mentorships.End(ctx, mentor.P, *got.MentorshipID, "次の回へ"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Two mentors accepting introductions of one request while the founder
// closes it: the request ends once; a losing accept keeps no place.
func TestConcurrentAcceptsAndCloseEndARequestOnce(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	founder := e.Member(t, "田中 健", accounts.RoleFounder)
	a, b := e.Mentor(t, "佐藤 由紀", 1), e.Mentor(t, "鈴木 一郎", 1)
	for round := range 3 {
		r := e.Request(t, founder)
		toA, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, a.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		toB, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, b.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		codes := servicetest.Race(
			func() error { _, err := e.Mentorships.Accept(ctx, a.P, toA.ID, ""); return err },
			func() error { _, err := e.Mentorships.Accept(ctx, b.P, toB.ID, ""); return err },
			func() error { _, err := e.Mentorships.CloseRequest(ctx, founder.P, r.ID); return err },
		)
		if servicetest.Wins(t, codes, "invalid_transition", "request_already_matched", "request_not_open") != 1 {
			t.Fatalf("round %d: outcomes %q, want exactly one winner", round, codes)
		}
		seats := e.Mentorships.SeatsHeld(ctx, a.ID) + e.Mentorships.SeatsHeld(ctx, b.ID)
		if want := int64(1 - indexOf(codes, "")/2); seats != want {
			t.Fatalf("round %d: outcomes %q with %d places held, want %d", round, codes, seats, want)
		}
		got, _, err := e.Mentorships.GetRequest(ctx, founder.P, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{mentorships.RequestMatched, mentorships.RequestMatched, mentorships.RequestClosed}[indexOf(codes, "")]; got.Status != want {
			t.Fatalf("round %d: request %q, want %q", round, got.Status, want)
		}
		// Free both places for the next round.
		for _, m := range []servicetest.Member{a, b} {
			list, _, err := e.Mentorships.ListMentorships(ctx, m.P, mentorships.MentorshipFilter{Status: mentorships.MentorshipActive, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			for _, ms := range list {
				if _, err := e.Mentorships.End(ctx, m.P, ms.ID, "次の回へ"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func indexOf(codes []string, code string) int {
	for i, c := range codes {
		if c == code {
			return i
		}
	}
	return -1
}

// Both parties completing at once, or one ending while the other completes:
// the mentorship closes once, as the closure that won says, and the place
// is free.
func TestConcurrentClosesCloseOnce(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	completed := map[bson.ObjectID]int{}
	e := servicetest.New(t, servicetest.Options{OnCompleted: func(m mentorships.Mentorship) {
		mu.Lock()
		defer mu.Unlock()
		completed[m.ID]++
	}})
	mentor := e.Mentor(t, "佐藤 由紀", 1)
	founder := e.Member(t, "田中 健", accounts.RoleFounder)
	done := mentorships.CompleteInput{Reflection: "ありがとうございました", Rating: 5}
	for round := range 6 {
		id := *e.Match(t, founder, mentor).MentorshipID
		codes := servicetest.Race(
			func() error { _, err := e.Mentorships.Complete(ctx, founder.P, id, done); return err },
			func() error { _, err := e.Mentorships.Complete(ctx, mentor.P, id, done); return err },
			func() error {
				if round%2 == 0 {
					return nil // even rounds: only the two completes
				}
				_, err := e.Mentorships.End(ctx, mentor.P, id, "都合により")
				return err
			},
		)
		d, err := e.Mentorships.GetMentorship(ctx, founder.P, id)
		if err != nil {
			t.Fatal(err)
		}
		switch d.Status {
		case mentorships.MentorshipCompleted:
			if codes[0] != "" || codes[1] != "" || (round%2 == 1 && codes[2] != "invalid_transition") {
				t.Fatalf("round %d: completed, with outcomes %q", round, codes)
			}
		case mentorships.MentorshipEnded:
			if round%2 == 0 || codes[2] != "" || codes[0] != "invalid_transition" || codes[1] != "invalid_transition" {
				t.Fatalf("round %d: ended, with outcomes %q", round, codes)
			}
		default:
			t.Fatalf("round %d: status %q after the race %q", round, d.Status, codes)
		}
		if n := e.Mentorships.SeatsHeld(ctx, mentor.ID); n != 0 {
			t.Fatalf("round %d: %d places held after closing", round, n)
		}
		mu.Lock()
		calls := completed[id]
		mu.Unlock()
		if want := map[bool]int{true: 1, false: 0}[d.Status == mentorships.MentorshipCompleted]; calls != want {
			t.Errorf("round %d (%s): OnCompleted called %d times, want %d", round, d.Status, calls, want)
		}
	}
}
