package profiles_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
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
	codes := servicetest.RaceN(6, func(i int) error {
		_, _, err := e.Profiles.PutMentor(ctx, m.P, servicetest.MentorInput(1+i), &profiles.Precondition{Version: 1})
		return err
	})
	if won := servicetest.Wins(t, codes, "precondition_failed"); won != 1 {
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
	servicetest.CheckRules(t, []servicetest.Rule{
		{Rule: "only mentors have a mentor profile", Code: "forbidden", Do: func() error {
			_, _, err := e.Profiles.PutMentor(ctx, founder.P, servicetest.MentorInput(1), nil)
			return err
		}},
		{Rule: "only founders have a founder profile", Code: "forbidden", Do: func() error {
			_, _, err := e.Profiles.PutFounder(ctx, mentor.P, profiles.FounderInput{Stage: "seed"}, nil)
			return err
		}},
		{Rule: "only organizers and admins verify mentors", Code: "forbidden", Do: func() error {
			_, err := e.Profiles.SetVerified(ctx, mentor.P, mentor.ID, true)
			return err
		}},
		{Rule: "capacity is 0 to 20", Code: "validation_failed", Do: func() error {
			_, _, err := e.Profiles.PutMentor(ctx, mentor.P, servicetest.MentorInput(profiles.MaxCapacity+1), nil)
			return err
		}},
		{Rule: "an independent mentor declares no stakes", Code: "validation_failed", Do: func() error {
			in := servicetest.MentorInput(1)
			in.Stakes = []string{"旭川ファーム"}
			_, _, err := e.Profiles.PutMentor(ctx, mentor.P, in, nil)
			return err
		}},
		{Rule: "a location is a known municipality", Code: "validation_failed", Do: func() error {
			in := servicetest.MentorInput(1)
			in.Location = &profiles.LocationInput{MunicipalityCode: "99999"}
			_, _, err := e.Profiles.PutMentor(ctx, mentor.P, in, nil)
			return err
		}},
		{Rule: "a founder's stage is from the list", Code: "validation_failed", Do: func() error {
			_, _, err := e.Profiles.PutFounder(ctx, founder.P, profiles.FounderInput{Stage: "unicorn"}, nil)
			return err
		}},
		{Rule: "a write naming an old version fails", Code: "precondition_failed", Do: func() error {
			_, _, err := e.Profiles.PutMentor(ctx, mentor.P, servicetest.MentorInput(2), &profiles.Precondition{Version: 99})
			return err
		}},
		{Rule: "If-Match: * needs the profile to exist", Code: "precondition_failed", Do: func() error {
			in := profiles.FounderInput{Stage: "seed", Location: &profiles.LocationInput{MunicipalityCode: "01204"}, TopicsNeeded: []string{"sales"}}
			_, _, err := e.Profiles.PutFounder(ctx, founder.P, in, &profiles.Precondition{Any: true})
			return err
		}},
		{Rule: "verifying someone without a profile", Code: "not_found", Do: func() error {
			_, err := e.Profiles.SetVerified(ctx, org.P, bson.NewObjectID(), true)
			return err
		}},
		{Rule: "a profile never written", Code: "not_found", Do: func() error {
			_, err := e.Profiles.GetFounder(ctx, founder.ID)
			return err
		}},
	})
}

// A second instance on the same database (MongoDB in production) follows
// this one's profile and account writes by SyncIndex: new mentors, changed
// ones, founders' briefs, suspensions.
func TestSecondInstanceFollowsBySync(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	users2, err := accounts.New(ctx, e.DB, accounts.Config{JWTSecret: servicetest.Secret, Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	index2 := search.New(e.Topics)
	other, err := profiles.New(ctx, e.DB, e.Areas, e.Topics, users2, index2, profiles.Config{Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.LoadIndex(ctx); err != nil {
		t.Fatal(err)
	}
	mentor := e.Mentor(t, "佐藤 由紀", 3)
	founder := e.Member(t, "田中 健", accounts.RoleFounder)
	if _, _, err := e.Profiles.PutFounder(ctx, founder.P, profiles.FounderInput{CompanyName: "旭川ファーム", Stage: "seed", Location: &profiles.LocationInput{MunicipalityCode: "01204"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := index2.Listed(mentor.ID); ok {
		t.Fatal("the other instance knew the mentor before syncing")
	}
	e.Clock.Advance(time.Second)
	if err := other.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if m, ok := index2.Get(mentor.ID); !ok || m.Capacity != 3 {
		t.Fatalf("after sync: %+v, %v", m, ok)
	}
	if b, ok := other.Founder(founder.ID); !ok || b.CompanyName != "旭川ファーム" || b.Location.MunicipalityCode != "01204" {
		t.Fatalf("founder brief after sync: %+v, %v", b, ok)
	}
	if _, _, err := e.Profiles.PutMentor(ctx, mentor.P, servicetest.MentorInput(5), nil); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Second)
	if err := other.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if m, ok := index2.Get(mentor.ID); !ok || m.Capacity != 5 {
		t.Fatalf("after the mentor's edit: %+v, %v; want capacity 5", m, ok)
	}
	// A suspension made on this instance takes the mentor out there too.
	admin := e.Member(t, "管理者", accounts.RoleAdmin)
	if _, err := e.Accounts.SetSuspended(ctx, admin.P, mentor.ID, true); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Second)
	if err := other.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := index2.Listed(mentor.ID); ok {
		t.Fatal("a suspended mentor is still listed on the other instance")
	}
	if _, ok := e.Mentors.Listed(mentor.ID); ok {
		t.Fatal("a suspended mentor is still listed here")
	}
}

// Profiles as the embedded database stores them (read back through its read
// path, as a start-up reads them) are decoded by the fast decoder, to what
// bson.Unmarshal answers.
func TestStoredProfilesDecodeFast(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	in := servicetest.MentorInput(2)
	for i, change := range []func(){
		func() {},
		func() {
			in.Stakes, in.Tags, in.Industries = []string{"十勝チーズ工房"}, []string{"食品"}, []string{"food"}
			in.Independent = false
		},
		func() { lat, lon := 43.06, 141.35; in.Location = &profiles.LocationInput{Lat: &lat, Lon: &lon} },
	} {
		change()
		m := e.Member(t, "メンター"+string(rune('A'+i)), accounts.RoleMentor)
		if _, _, err := e.Profiles.PutMentor(ctx, m.P, in, nil); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	err := e.DB.Collection(profiles.MentorProfilesCollection).Each(ctx, bson.D{}, func(raw bson.Raw) error {
		n++
		got, ok := profiles.DecodeMentorProfile(raw)
		var want profiles.MentorProfile
		if err := bson.Unmarshal(raw, &want); err != nil {
			return err
		}
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("stored %s\ndecoded %+v (%v)\nwant %+v", raw, got, ok, want)
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("%d profiles read, %v", n, err)
	}
}
