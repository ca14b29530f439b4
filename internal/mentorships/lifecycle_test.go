package mentorships_test

import (
	"context"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// A mentorship from acceptance to a good ending: the parties see each
// other's contact details, record touchpoints (the last contact moves), and
// complete it. The first to complete frees the mentor's place; each sees the
// other's reflection only once both have written one; both stay in the
// community of the founder's area as alumni.
func TestMentorshipToAGoodEnding(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	org := e.Member(t, "世話人", accounts.RoleOrganizer)
	c, err := e.Community.Create(ctx, org.P, community.CommunityInput{Name: "旭川の会", PrefectureCodes: []string{"01"}, MunicipalityCodes: []string{"01204"}})
	if err != nil {
		t.Fatal(err)
	}
	mentor := e.Mentor(t, "佐藤 由紀", 1)
	founder := e.Member(t, "田中 健", accounts.RoleFounder)
	if _, _, err := e.Profiles.PutFounder(ctx, founder.P, profiles.FounderInput{Stage: "seed", Location: &profiles.LocationInput{MunicipalityCode: "01204"}, TopicsNeeded: []string{"sales"}}, nil); err != nil {
		t.Fatal(err)
	}
	in := e.Introduce(t, founder, mentor)
	acc, err := e.Mentorships.Accept(ctx, mentor.P, in.ID, "よろしく")
	if err != nil {
		t.Fatal(err)
	}
	id := *acc.MentorshipID
	d, err := e.Mentorships.GetMentorship(ctx, founder.P, id)
	if err != nil || d.Counterpart == nil || d.Counterpart.Email != mentor.Email || d.LastContactAt != nil {
		t.Fatalf("founder's view: %+v, %v; want the mentor's contact and no contact yet", d, err)
	}

	e.Clock.Advance(3 * 24 * time.Hour)
	if _, err := e.Mentorships.AddTouchpoint(ctx, founder.P, id, mentorships.TouchpointInput{Kind: "call", DurationMinutes: 30, Summary: "販路の相談"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Mentorships.AddTouchpoint(ctx, founder.P, id, mentorships.TouchpointInput{Kind: "call", At: e.Clock.Now().Add(time.Hour)})
	servicetest.WantCode(t, err, "validation_failed") // not in the future
	if d, _ = e.Mentorships.GetMentorship(ctx, mentor.P, id); d.LastContactAt == nil || !d.LastContactAt.Equal(e.Clock.Now()) {
		t.Fatalf("last contact %v, want now", d.LastContactAt)
	}

	if _, err := e.Mentorships.Complete(ctx, mentor.P, id, mentorships.CompleteInput{Reflection: "誠実な起業家でした", Rating: 5, StayInTouch: true}); err != nil {
		t.Fatal(err)
	}
	if n := e.Mentorships.SeatsHeld(ctx, mentor.ID); n != 0 {
		t.Fatalf("%d places held after completion", n)
	}
	d, err = e.Mentorships.GetMentorship(ctx, founder.P, id)
	if err != nil || d.Status != mentorships.MentorshipCompleted || len(d.Reflections) != 0 {
		t.Fatalf("founder before reflecting: status %q, %d reflections visible, %v; want completed and none", d.Status, len(d.Reflections), err)
	}
	if d, err = e.Mentorships.Complete(ctx, founder.P, id, mentorships.CompleteInput{Reflection: "道が開けました", Rating: 5, StayInTouch: true}); err != nil || len(d.Reflections) != 2 {
		t.Fatalf("after both reflected: %d visible, %v; want 2", len(d.Reflections), err)
	}
	for _, m := range []servicetest.Member{mentor, founder} {
		ok, err := e.Community.IsMember(ctx, c.ID, m.ID)
		if err != nil || !ok {
			t.Fatalf("%s not kept in the founder's community: %v", m.DisplayName, err)
		}
	}
	// Alumni keep in touch; the pair's connection shows it.
	if _, err := e.Mentorships.AddTouchpoint(ctx, mentor.P, id, mentorships.TouchpointInput{Kind: "message"}); err != nil {
		t.Fatalf("alumni touchpoint: %v", err)
	}
	conns, err := e.Mentorships.Connections(ctx, founder.ID)
	if err != nil || len(conns) != 1 || conns[0].ID != id {
		t.Fatalf("connections %+v, %v", conns, err)
	}
}
