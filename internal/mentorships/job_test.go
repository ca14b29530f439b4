package mentorships_test

import (
	"context"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// The introduction job over an introduction's life: at half-time the mentor
// is reminded (once), at the deadline it expires and both are told, and its
// pending place is free again.
func TestIntroductionJobRemindsThenExpires(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t, servicetest.Options{IntroExpiry: 10 * 24 * time.Hour})
	mentor := e.Mentor(t, "佐藤 由紀", 2)
	founder := e.Member(t, "田中 健", accounts.RoleFounder)
	in := e.Introduce(t, founder, mentor)

	steps := []struct {
		advance time.Duration
		want    mentorships.JobReport
	}{
		{4 * 24 * time.Hour, mentorships.JobReport{}},
		{24 * time.Hour, mentorships.JobReport{Reminded: 1}},
		{24 * time.Hour, mentorships.JobReport{}}, // reminded once
		{4*24*time.Hour - time.Millisecond, mentorships.JobReport{}},
		{time.Millisecond, mentorships.JobReport{Expired: 1}},
		{24 * time.Hour, mentorships.JobReport{}},
	}
	for i, s := range steps {
		e.Clock.Advance(s.advance)
		rep, err := e.Mentorships.RunIntroductionJob(ctx)
		if err != nil || rep != s.want {
			t.Fatalf("step %d (%v after the introduction): %+v, %v; want %+v", i, e.Clock.Now().Sub(servicetest.Start), rep, err, s.want)
		}
	}
	got, err := e.Mentorships.GetIntroduction(ctx, founder.P, in.ID)
	if err != nil || got.Status != mentorships.IntroExpired || got.Reason != mentorships.ReasonUnanswered || got.RemindedAt == nil {
		t.Fatalf("introduction %+v, %v", got, err)
	}
	if !e.Notified(t, mentor, "introduction_reminder") || !e.Notified(t, mentor, "introduction_expired") || !e.Notified(t, founder, "introduction_expired") {
		t.Fatal("a reminder or an expiry notice is missing")
	}
	if n := e.Mentorships.PendingSlotsHeld(ctx, in.RequestID); n != 0 {
		t.Fatalf("%d pending places held after expiry", n)
	}
}

// A mentor whose last three introductions all expired unanswered is paused
// (no longer accepting) and told how to resume; two are not enough, and an
// answered one among the last three keeps them open.
func TestIntroductionJobPausesUnresponsiveMentors(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t, servicetest.Options{IntroExpiry: 24 * time.Hour})
	mentor := e.Mentor(t, "佐藤 由紀", 5)
	expireOne := func() mentorships.JobReport {
		t.Helper()
		e.Introduce(t, e.Member(t, "起業家", accounts.RoleFounder), mentor)
		e.Clock.Advance(24 * time.Hour)
		rep, err := e.Mentorships.RunIntroductionJob(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	for i := range 2 {
		if rep := expireOne(); rep.Paused != 0 {
			t.Fatalf("paused after %d expiries", i+1)
		}
	}
	if rep := expireOne(); rep.Paused != 1 {
		t.Fatalf("third expiry: %+v, want the mentor paused", rep)
	}
	mp, err := e.Profiles.GetMentor(ctx, mentor.ID)
	if err != nil || mp.AcceptingRequests {
		t.Fatalf("profile %+v, %v; want not accepting", mp, err)
	}
	if !e.Notified(t, mentor, "mentor_paused") {
		t.Fatal("the mentor was not told")
	}
	// Back from holiday: accepting again, the mentor answers one and misses
	// two; with an answer among the last three, they stay open.
	if _, _, err := e.Profiles.PutMentor(ctx, mentor.P, servicetest.MentorInput(5), nil); err != nil {
		t.Fatal(err)
	}
	answered := e.Introduce(t, e.Member(t, "起業家", accounts.RoleFounder), mentor)
	if _, err := e.Mentorships.Accept(ctx, mentor.P, answered.ID, ""); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if rep := expireOne(); rep.Paused != 0 {
			t.Fatalf("paused after an answer and %d expiries", i+1)
		}
	}
}
