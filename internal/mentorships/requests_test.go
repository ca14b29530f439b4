package mentorships_test

import (
	"context"
	"testing"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// A request comes back with its suggestions: candidates only (not the
// mentor who is not accepting), the nearer first when the fit is equal,
// each explained. Closing it withdraws its pending introductions and tells
// the mentors; the founder's requests list newest first.
func TestRequestSuggestionsAndClosing(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	near := e.Mentor(t, "旭川の人", 2)
	in := servicetest.MentorInput(2)
	in.Location.MunicipalityCode = "01204" // 旭川市, where the founder asks from
	if _, _, err := e.Profiles.PutMentor(ctx, near.P, in, nil); err != nil {
		t.Fatal(err)
	}
	far := e.Mentor(t, "札幌の人", 2)
	away := e.Mentor(t, "休止中", 2)
	in = servicetest.MentorInput(2)
	in.AcceptingRequests = false
	if _, _, err := e.Profiles.PutMentor(ctx, away.P, in, nil); err != nil {
		t.Fatal(err)
	}
	founder := e.Member(t, "田中 健", accounts.RoleFounder)
	r, sug, err := e.Mentorships.CreateRequest(ctx, founder.P, servicetest.RequestInput())
	if err != nil {
		t.Fatal(err)
	}
	if sug.Candidates != 2 || len(sug.Items) != 2 || sug.Items[0].Mentor.ID != near.ID || sug.Items[1].Mentor.ID != far.ID {
		t.Fatalf("suggestions %+v; want the Asahikawa mentor, then the Sapporo one", sug.Items)
	}
	if x := sug.Items[0].Explanation; x.Topic == "" || x.Distance == "" {
		t.Fatal("a suggestion without its explanation")
	}
	_, err = e.Mentorships.Introduce(ctx, founder.P, r.ID, away.ID, "")
	servicetest.WantCode(t, err, "not_accepting")
	for _, m := range []servicetest.Member{near, far} {
		if _, err := e.Mentorships.Introduce(ctx, founder.P, r.ID, m.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	closed, err := e.Mentorships.CloseRequest(ctx, founder.P, r.ID)
	if err != nil || closed.Status != mentorships.RequestClosed {
		t.Fatalf("closed: %q, %v", closed.Status, err)
	}
	intros, _, err := e.Mentorships.ListIntroductions(ctx, founder.P, mentorships.IntroductionFilter{Limit: 20})
	if err != nil || len(intros) != 2 {
		t.Fatalf("%d introductions, %v", len(intros), err)
	}
	for _, in := range intros {
		if in.Status != mentorships.IntroWithdrawn || in.Reason != mentorships.ReasonRequestClosed {
			t.Fatalf("introduction after closing: %q, %q", in.Status, in.Reason)
		}
	}
	if !e.Notified(t, near, "introduction_withdrawn") || !e.Notified(t, far, "introduction_withdrawn") {
		t.Fatal("a mentor was not told the request closed")
	}
	second := e.Request(t, founder)
	list, _, err := e.Mentorships.ListRequests(ctx, founder.P, 20, "")
	if err != nil || len(list) != 2 || list[0].ID != second.ID {
		t.Fatalf("requests %d, %v; want 2, newest first", len(list), err)
	}
}
