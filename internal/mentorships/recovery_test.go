package mentorships_test

import (
	"context"
	"testing"

	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// The paths that only a crash or a race reaches: the job repairing a decision
// recorded but not applied, an accept losing its request to another
// introduction, and a capacity lowered below the places already held.

// A decision recorded but not applied (the process died between the two
// writes) is applied by the next run of the introduction job: the
// introduction shows it, its pending place is released, and the founder is
// told.
func TestIntroductionJobRepairsDecisionRecordedButNotApplied(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	mentor := e.Mentor(t, "佐藤 由紀", 2)
	founder := e.Member(t, "田中 健", "founder")
	in := e.Introduce(t, founder, mentor)

	if err := e.Mentorships.RecordDecisionOnly(ctx, in.ID, mentor.ID, mentorships.IntroDeclined, mentorships.ReasonTooFar); err != nil {
		t.Fatal(err)
	}
	// The decision is taken: nobody can decide again meanwhile.
	_, err := e.Mentorships.Accept(ctx, mentor.P, in.ID, "")
	servicetest.WantCode(t, err, "invalid_transition")

	rep, err := e.Mentorships.RunIntroductionJob(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Mentorships.GetIntroduction(ctx, founder.P, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != mentorships.IntroDeclined || got.Reason != mentorships.ReasonTooFar || got.DecidedAt == nil {
		t.Fatalf("after repair: status %q reason %q decidedAt %v, want declined, too_far, set", got.Status, got.Reason, got.DecidedAt)
	}
	if rep.Repaired != 1 || rep.Expired != 0 {
		t.Errorf("job report %+v, want one repair and no expiry", rep)
	}
	if n := e.Mentorships.PendingSlotsHeld(ctx, in.RequestID); n != 0 {
		t.Errorf("%d pending places still held after the repair", n)
	}
	if !e.Notified(t, founder, "introduction_declined") {
		t.Error("the founder was not told of the decline")
	}
	// A second run finds nothing left to do.
	if rep, err := e.Mentorships.RunIntroductionJob(ctx); err != nil || rep != (mentorships.JobReport{}) {
		t.Fatalf("second run: %+v, %v; want nothing done", rep, err)
	}
}

// An accept that crashed after taking its place, the request and its
// decision is finished by the job: the mentorship starts and the request is
// matched.
func TestIntroductionJobRepairsAcceptRecordedButNotApplied(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	mentor := e.Mentor(t, "佐藤 由紀", 2)
	founder := e.Member(t, "田中 健", "founder")
	in := e.Introduce(t, founder, mentor)

	if err := e.Mentorships.ClaimSeatOnly(ctx, mentor.ID, in.ID, 2); err != nil {
		t.Fatal(err)
	}
	if err := e.Mentorships.ClaimMatchedOnly(ctx, in.RequestID, in.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Mentorships.RecordDecisionOnly(ctx, in.ID, mentor.ID, mentorships.IntroAccepted, ""); err != nil {
		t.Fatal(err)
	}
	rep, err := e.Mentorships.RunIntroductionJob(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Mentorships.GetIntroduction(ctx, mentor.P, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != mentorships.IntroAccepted || got.MentorshipID == nil {
		t.Fatalf("after repair: status %q mentorship %v, want accepted with a mentorship", got.Status, got.MentorshipID)
	}
	m, err := e.Mentorships.GetMentorship(ctx, founder.P, *got.MentorshipID)
	if err != nil || m.Status != mentorships.MentorshipActive {
		t.Fatalf("mentorship %+v, %v; want active", m.Mentorship, err)
	}
	r, _, err := e.Mentorships.GetRequest(ctx, founder.P, in.RequestID)
	if err != nil || r.Status != mentorships.RequestMatched {
		t.Fatalf("request %q, %v; want matched", r.Status, err)
	}
	if n := e.Mentorships.SeatsHeld(ctx, mentor.ID); n != 1 {
		t.Errorf("mentor holds %d places, want 1", n)
	}
	if rep.Repaired != 1 {
		t.Errorf("job report %+v, want one repair", rep)
	}
}

// When another introduction of the same request has already claimed it, an
// accept fails with request_already_matched and gives back the place it took,
// so the mentor's capacity is not lost to a mentorship that never started.
func TestAcceptAfterRequestMatchedElsewhereReleasesThePlace(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	first := e.Mentor(t, "佐藤 由紀", 1)
	second := e.Mentor(t, "鈴木 一郎", 1)
	founder := e.Member(t, "田中 健", "founder")
	r := e.Request(t, founder)
	toFirst, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, first.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	toSecond, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, second.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	// The first mentor's accept has claimed the request and not yet
	// recorded its decision (it is in flight, or crashed).
	if err := e.Mentorships.ClaimMatchedOnly(ctx, r.ID, toFirst.ID); err != nil {
		t.Fatal(err)
	}

	_, err = e.Mentorships.Accept(ctx, second.P, toSecond.ID, "喜んで")
	servicetest.WantCode(t, err, "request_already_matched")
	if n := e.Mentorships.SeatsHeld(ctx, second.ID); n != 0 {
		t.Fatalf("the losing accept kept %d of the mentor's places", n)
	}
	got, err := e.Mentorships.GetIntroduction(ctx, second.P, toSecond.ID)
	if err != nil || got.Status != mentorships.IntroPending {
		t.Fatalf("losing introduction %q, %v; want still pending (withdrawn when the winner is applied)", got.Status, err)
	}
	// The mentor's one place is still free: another founder's introduction
	// can be accepted.
	other := e.Member(t, "山田 花子", "founder")
	in := e.Introduce(t, other, second)
	if _, err := e.Mentorships.Accept(ctx, second.P, in.ID, ""); err != nil {
		t.Fatalf("the mentor's free place was lost: %v", err)
	}
}

// A mentor who lowers their capacity below the places they hold gets no new
// mentorship, even when a low-numbered place is free: the count after the
// claim finds the overflow and gives the place back.
func TestAcceptRechecksCapacityLoweredBelowPlacesHeld(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	mentor := e.Mentor(t, "佐藤 由紀", 3)
	var intros []mentorships.Introduction
	for _, name := range []string{"田中 健", "山田 花子", "高橋 誠", "伊藤 彩"} {
		intros = append(intros, e.Introduce(t, e.Member(t, name, "founder"), mentor))
	}
	var first mentorships.Introduction
	for i, in := range intros[:3] {
		acc, err := e.Mentorships.Accept(ctx, mentor.P, in.ID, "")
		if err != nil {
			t.Fatalf("accept %d: %v", i, err)
		}
		if i == 0 {
			first = acc
		}
	}
	// The first mentorship ends (its place, number 0, is free again) and
	// the mentor lowers capacity to 1 while two others are active.
	if _, err := e.Mentorships.End(ctx, mentor.P, *first.MentorshipID, "予定が合わなくなりました"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Profiles.PutMentor(ctx, mentor.P, servicetest.MentorInput(1), nil); err != nil {
		t.Fatal(err)
	}

	_, err := e.Mentorships.Accept(ctx, mentor.P, intros[3].ID, "")
	servicetest.WantCode(t, err, "capacity_full")
	if n := e.Mentorships.SeatsHeld(ctx, mentor.ID); n != 2 {
		t.Fatalf("mentor holds %d places, want the 2 of the active mentorships", n)
	}
	active, _, err := e.Mentorships.ListMentorships(ctx, mentor.P, mentorships.MentorshipFilter{Status: mentorships.MentorshipActive, Limit: 20})
	if err != nil || len(active) != 2 {
		t.Fatalf("%d active mentorships, %v; want 2", len(active), err)
	}
}

// An accept that loses to a decision recorded first (a withdrawal in flight)
// gives back both what it claimed: the mentor's place and the request, which
// stays open to close or to other introductions.
func TestAcceptLosingToARecordedDecisionReleasesPlaceAndRequest(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	mentor := e.Mentor(t, "佐藤 由紀", 1)
	founder := e.Member(t, "田中 健", "founder")
	in := e.Introduce(t, founder, mentor)
	if err := e.Mentorships.RecordDecisionOnly(ctx, in.ID, founder.ID, mentorships.IntroWithdrawn, mentorships.ReasonFounderWithdrew); err != nil {
		t.Fatal(err)
	}
	_, err := e.Mentorships.Accept(ctx, mentor.P, in.ID, "")
	servicetest.WantCode(t, err, "invalid_transition")
	if n := e.Mentorships.SeatsHeld(ctx, mentor.ID); n != 0 {
		t.Fatalf("the losing accept kept %d places", n)
	}
	r, err := e.Mentorships.CloseRequest(ctx, founder.P, in.RequestID)
	if err != nil || r.Status != mentorships.RequestClosed {
		t.Fatalf("closing the request after the losing accept: %q, %v; want closed (the accept gave the request back)", r.Status, err)
	}
}
