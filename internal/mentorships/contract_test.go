package mentorships_test

import (
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// A founder may ask a mentor for an introduction only when the mentor is a
// candidate for the request now; each reason they are not is its own
// conflict code (the package's error contract).
func TestIntroduceRefusesMentorsWhoAreNotCandidates(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	cases := []struct {
		code    string
		mentor  func(*profiles.MentorInput)
		request func(*mentorships.RequestInput)
		founder func(t *testing.T, founder servicetest.Member)
	}{
		{code: "not_accepting", mentor: func(m *profiles.MentorInput) { m.AcceptingRequests = false }},
		{code: "capacity_full", mentor: func(m *profiles.MentorInput) { m.Capacity = 0 }},
		{code: "topic_mismatch", mentor: func(m *profiles.MentorInput) { m.Topics = []string{"accounting"} }},
		{code: "mode_mismatch", mentor: func(m *profiles.MentorInput) { m.Modes = []string{"phone"} }},
		{code: "out_of_reach", mentor: func(m *profiles.MentorInput) {
			m.Modes, m.TravelKm, m.Location = []string{"in_person"}, 10, &profiles.LocationInput{MunicipalityCode: "13101"} // 千代田区
		}},
		{code: "not_independent", mentor: func(m *profiles.MentorInput) { m.Independent = false },
			request: func(r *mentorships.RequestInput) { r.IndependentOnly = true }},
		{code: "stake_conflict", mentor: func(m *profiles.MentorInput) { m.Independent, m.Stakes = false, []string{"旭川ファーム"} },
			founder: func(t *testing.T, f servicetest.Member) {
				in := profiles.FounderInput{CompanyName: "旭川ファーム", Stage: "seed", Industry: "農業", Location: &profiles.LocationInput{MunicipalityCode: "01204"}, TopicsNeeded: []string{"sales"}}
				if _, _, err := e.Profiles.PutFounder(ctx, f.P, in, nil); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			mentor := e.Member(t, "メンター "+c.code, accounts.RoleMentor)
			min := servicetest.MentorInput(2)
			c.mentor(&min)
			if _, _, err := e.Profiles.PutMentor(ctx, mentor.P, min, nil); err != nil {
				t.Fatal(err)
			}
			founder := e.Member(t, "起業家 "+c.code, accounts.RoleFounder)
			if c.founder != nil {
				c.founder(t, founder)
			}
			rin := servicetest.RequestInput()
			if c.request != nil {
				c.request(&rin)
			}
			r, _, err := e.Mentorships.CreateRequest(ctx, founder.P, rin)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.Mentorships.Introduce(ctx, founder.P, r.ID, mentor.ID, "")
			servicetest.WantCode(t, err, c.code)
			if n := e.Mentorships.PendingSlotsHeld(ctx, r.ID); n != 0 {
				t.Errorf("a refused introduction holds %d pending places", n)
			}
		})
	}
	t.Run("self_match", func(t *testing.T) {
		both := e.Member(t, "両方", accounts.RoleFounder, accounts.RoleMentor)
		if _, _, err := e.Profiles.PutMentor(ctx, both.P, servicetest.MentorInput(2), nil); err != nil {
			t.Fatal(err)
		}
		r := e.Request(t, both)
		_, err := e.Mentorships.Introduce(ctx, both.P, r.ID, both.ID, "")
		servicetest.WantCode(t, err, "self_match")
	})
	t.Run("mentor_unavailable", func(t *testing.T) {
		admin := e.Member(t, "管理者", accounts.RoleAdmin)
		mentor := e.Mentor(t, "停止中", 2)
		if _, err := e.Accounts.SetSuspended(ctx, admin.P, mentor.ID, true); err != nil {
			t.Fatal(err)
		}
		founder := e.Member(t, "起業家", accounts.RoleFounder)
		r := e.Request(t, founder)
		_, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, mentor.ID, "")
		servicetest.WantCode(t, err, "mentor_unavailable")
	})
}

// The rest of the contract, one rule a row.
func TestMentorshipsErrorContract(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	mentor := e.Mentor(t, "佐藤 由紀", 5)
	other := e.Mentor(t, "鈴木 一郎", 5)
	founder := e.Member(t, "田中 健", accounts.RoleFounder)
	stranger := e.Member(t, "部外者", accounts.RoleFounder)
	unverified := founder
	unverified.P.EmailVerified = false

	servicetest.CheckRules(t, []servicetest.Rule{
		{Rule: "only founders ask for matches", Code: "forbidden", Do: func() error {
			_, _, err := e.Mentorships.CreateRequest(ctx, mentor.P, servicetest.RequestInput())
			return err
		}},
		{Rule: "a request names known topics", Code: "validation_failed", Do: func() error {
			in := servicetest.RequestInput()
			in.Topics = []string{"astrology"}
			_, _, err := e.Mentorships.CreateRequest(ctx, founder.P, in)
			return err
		}},
		{Rule: "another founder's request does not exist", Code: "not_found", Do: func() error {
			r := e.Request(t, founder)
			_, err := e.Mentorships.Introduce(ctx, stranger.P, r.ID, mentor.ID, "")
			return err
		}},
		{Rule: "an unknown mentor does not exist", Code: "not_found", Do: func() error {
			r := e.Request(t, founder)
			_, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, bson.NewObjectID(), "")
			return err
		}},
		{Rule: "only verified addresses introduce", Code: "email_unverified", Do: func() error {
			r := e.Request(t, founder)
			_, err := e.Mentorships.Introduce(ctx, unverified.P, r.ID, mentor.ID, "")
			return err
		}},
		{Rule: "a message is at most 1000 characters", Code: "validation_failed", Do: func() error {
			r := e.Request(t, founder)
			_, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, mentor.ID, strings.Repeat("あ", 1001))
			return err
		}},
		{Rule: "one introduction per mentor and request", Code: "already_introduced", Do: func() error {
			r := e.Request(t, founder)
			if _, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, mentor.ID, ""); err != nil {
				return err
			}
			_, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, mentor.ID, "")
			return err
		}},
		{Rule: "a closed request takes no introductions", Code: "request_not_open", Do: func() error {
			r := e.Request(t, founder)
			if _, err := e.Mentorships.CloseRequest(ctx, founder.P, r.ID); err != nil {
				return err
			}
			_, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, mentor.ID, "")
			return err
		}},
		{Rule: "a request has at most 3 pending introductions", Code: "too_many_pending", Do: func() error {
			r := e.Request(t, founder)
			for i := range mentorships.MaxPendingPerRequest {
				m := e.Mentor(t, "候補", 2)
				if _, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, m.ID, ""); err != nil {
					t.Fatalf("introduction %d: %v", i, err)
				}
			}
			_, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, mentor.ID, "")
			return err
		}},
		{Rule: "only the mentor accepts", Code: "forbidden", Do: func() error {
			in := e.Introduce(t, founder, mentor)
			_, err := e.Mentorships.Accept(ctx, founder.P, in.ID, "")
			return err
		}},
		{Rule: "others' introductions do not exist", Code: "not_found", Do: func() error {
			in := e.Introduce(t, founder, mentor)
			_, err := e.Mentorships.Accept(ctx, other.P, in.ID, "")
			return err
		}},
		{Rule: "a decline gives a known reason", Code: "validation_failed", Do: func() error {
			in := e.Introduce(t, founder, mentor)
			_, err := e.Mentorships.Decline(ctx, mentor.P, in.ID, "busy", "")
			return err
		}},
		{Rule: "an introduction is decided once", Code: "invalid_transition", Do: func() error {
			in := e.Introduce(t, founder, mentor)
			if _, err := e.Mentorships.Withdraw(ctx, founder.P, in.ID); err != nil {
				return err
			}
			_, err := e.Mentorships.Accept(ctx, mentor.P, in.ID, "")
			return err
		}},
		{Rule: "a matched request cannot be closed", Code: "invalid_transition", Do: func() error {
			in := e.Match(t, founder, mentor)
			_, err := e.Mentorships.CloseRequest(ctx, founder.P, in.RequestID)
			return err
		}},
		{Rule: "each party reflects once", Code: "already_reflected", Do: func() error {
			acc := e.Match(t, founder, mentor)
			done := mentorships.CompleteInput{Reflection: "販路が見えました", Rating: 5, StayInTouch: true}
			if _, err := e.Mentorships.Complete(ctx, founder.P, *acc.MentorshipID, done); err != nil {
				return err
			}
			_, err := e.Mentorships.Complete(ctx, founder.P, *acc.MentorshipID, done)
			return err
		}},
		{Rule: "an ended mentorship is not completed", Code: "invalid_transition", Do: func() error {
			acc := e.Match(t, founder, mentor)
			if _, err := e.Mentorships.End(ctx, founder.P, *acc.MentorshipID, "転居しました"); err != nil {
				return err
			}
			_, err := e.Mentorships.Complete(ctx, mentor.P, *acc.MentorshipID, mentorships.CompleteInput{Reflection: "ありがとう", Rating: 4})
			return err
		}},
		{Rule: "a mentor with active mentorships keeps the role", Code: "active_mentorships", Do: func() error {
			busy := e.Mentor(t, "多忙", 2)
			e.Match(t, founder, busy)
			_, err := e.Mentorships.LeaveRole(ctx, busy.P, accounts.RoleMentor)
			return err
		}},
		{Rule: "organizer is not a role to leave", Code: "role_not_self_service", Do: func() error {
			_, err := e.Mentorships.LeaveRole(ctx, founder.P, accounts.RoleOrganizer)
			return err
		}},
		{Rule: "others' mentorships do not exist", Code: "not_found", Do: func() error {
			acc := e.Match(t, founder, mentor)
			_, err := e.Mentorships.GetMentorship(ctx, stranger.P, *acc.MentorshipID)
			return err
		}},
	})
}
