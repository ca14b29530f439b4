package profiles_test

import (
	"context"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// A mentor's profile is in the mentor index from its first write, with the
// account's name, and follows every change: the mentor's edits, an
// organizer's verification, a pause, a new name.
func TestMentorProfileFollowsIntoTheIndex(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	m := e.Member(t, "佐藤 由紀", accounts.RoleMentor)
	org := e.Member(t, "世話人", accounts.RoleOrganizer)
	mp, created, err := e.Profiles.PutMentor(ctx, m.P, servicetest.MentorInput(3), nil)
	if err != nil || !created || mp.Version != 1 || mp.Location.MunicipalityCode != "01101" || mp.Location.Point.Lat == 0 {
		t.Fatalf("first write: %+v, created %v, %v", mp, created, err)
	}
	indexed := func() bool {
		_, ok := e.Mentors.Get(m.ID)
		return ok
	}
	if ix, ok := e.Mentors.Get(m.ID); !ok || ix.DisplayName != "佐藤 由紀" || ix.Capacity != 3 || !ix.Accepting {
		t.Fatalf("index after the first write: %+v, %v", ix, ok)
	}
	if mp, err = e.Profiles.SetVerified(ctx, org.P, m.ID, true); err != nil || !mp.Verified || mp.Version != 2 {
		t.Fatalf("verified: %+v, %v; want verified at version 2", mp, err)
	}
	if ix, _ := e.Mentors.Get(m.ID); !ix.Verified {
		t.Fatal("verification did not reach the index")
	}
	if mp, err = e.Profiles.PauseMentor(ctx, m.ID); err != nil || mp.AcceptingRequests || mp.Version != 3 {
		t.Fatalf("paused: %+v, %v", mp, err)
	}
	if ix, _ := e.Mentors.Get(m.ID); ix.Accepting {
		t.Fatal("the pause did not reach the index")
	}
	name := "佐藤 由紀子"
	if _, err := e.Accounts.Update(ctx, m.ID, accounts.UpdateInput{DisplayName: &name}); err != nil {
		t.Fatal(err)
	}
	if ix, _ := e.Mentors.Get(m.ID); ix.DisplayName != name {
		t.Fatalf("index shows %q after the account was renamed", ix.DisplayName)
	}
	if !indexed() {
		t.Fatal("mentor left the index")
	}
}

// Writes naming the version they read fail once the profile changed:
// of several racing writers that read the same version, exactly one wins.
func TestConcurrentConditionalWritesOneWins(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	m := e.Mentor(t, "佐藤 由紀", 3)
	codes := make([]string, 6)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			in := servicetest.MentorInput(1 + i)
			_, _, err := e.Profiles.PutMentor(ctx, m.P, in, &profiles.Precondition{Version: 1})
			codes[i] = servicetest.Code(err)
		})
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case "":
			won++
		case "precondition_failed":
		default:
			t.Fatalf("unexpected outcome %q in %q", c, codes)
		}
	}
	if won != 1 {
		t.Fatalf("outcomes %q: %d writes of version 1 won, want 1", codes, won)
	}
	mp, err := e.Profiles.GetMentor(ctx, m.ID)
	if err != nil || mp.Version != 2 {
		t.Fatalf("profile at version %d, %v; want 2", mp.Version, err)
	}
}

// The profiles error contract, one rule a row.
func TestProfilesErrorContract(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	mentor := e.Mentor(t, "佐藤 由紀", 3)
	founder := e.Member(t, "田中 健", accounts.RoleFounder)
	org := e.Member(t, "世話人", accounts.RoleOrganizer)
	cases := []struct {
		rule string
		code string
		do   func() error
	}{
		{"only mentors have a mentor profile", "forbidden", func() error {
			_, _, err := e.Profiles.PutMentor(ctx, founder.P, servicetest.MentorInput(1), nil)
			return err
		}},
		{"only founders have a founder profile", "forbidden", func() error {
			_, _, err := e.Profiles.PutFounder(ctx, mentor.P, profiles.FounderInput{Stage: "seed"}, nil)
			return err
		}},
		{"only organizers and admins verify mentors", "forbidden", func() error {
			_, err := e.Profiles.SetVerified(ctx, mentor.P, mentor.ID, true)
			return err
		}},
		{"capacity is 0 to 20", "validation_failed", func() error {
			_, _, err := e.Profiles.PutMentor(ctx, mentor.P, servicetest.MentorInput(profiles.MaxCapacity+1), nil)
			return err
		}},
		{"an independent mentor declares no stakes", "validation_failed", func() error {
			in := servicetest.MentorInput(1)
			in.Stakes = []string{"旭川ファーム"}
			_, _, err := e.Profiles.PutMentor(ctx, mentor.P, in, nil)
			return err
		}},
		{"a location is a known municipality", "validation_failed", func() error {
			in := servicetest.MentorInput(1)
			in.Location = &profiles.LocationInput{MunicipalityCode: "99999"}
			_, _, err := e.Profiles.PutMentor(ctx, mentor.P, in, nil)
			return err
		}},
		{"a founder's stage is from the list", "validation_failed", func() error {
			_, _, err := e.Profiles.PutFounder(ctx, founder.P, profiles.FounderInput{Stage: "unicorn"}, nil)
			return err
		}},
		{"a write naming an old version fails", "precondition_failed", func() error {
			_, _, err := e.Profiles.PutMentor(ctx, mentor.P, servicetest.MentorInput(2), &profiles.Precondition{Version: 99})
			return err
		}},
		{"If-Match: * needs the profile to exist", "precondition_failed", func() error {
			in := profiles.FounderInput{Stage: "seed", Location: &profiles.LocationInput{MunicipalityCode: "01204"}, TopicsNeeded: []string{"sales"}}
			_, _, err := e.Profiles.PutFounder(ctx, founder.P, in, &profiles.Precondition{Any: true})
			return err
		}},
		{"verifying someone without a profile", "not_found", func() error {
			_, err := e.Profiles.SetVerified(ctx, org.P, bson.NewObjectID(), true)
			return err
		}},
		{"a profile never written", "not_found", func() error {
			_, err := e.Profiles.GetFounder(ctx, founder.ID)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			servicetest.WantCode(t, c.do(), c.code)
		})
	}
}
