package moderation_test

import (
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/moderation"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

type world struct {
	e                 *servicetest.Env
	admin, org, other servicetest.Member
	author, reporter  servicetest.Member
	post              community.Post
	ownC, otherC      community.Community
}

// newWorld: two communities with their organizers; a member's post in the
// first, which another member may report.
func newWorld(t *testing.T) world {
	t.Helper()
	ctx := context.Background()
	w := world{e: servicetest.New(t)}
	e := w.e
	w.admin = e.Member(t, "管理者", accounts.RoleAdmin)
	w.org = e.Member(t, "札幌の世話人", accounts.RoleOrganizer)
	w.other = e.Member(t, "函館の世話人", accounts.RoleOrganizer)
	w.author = e.Member(t, "投稿者", accounts.RoleFounder)
	w.reporter = e.Member(t, "通報者", accounts.RoleFounder)
	var err error
	if w.ownC, err = e.Community.Create(ctx, w.org.P, community.CommunityInput{Name: "札幌の会", PrefectureCodes: []string{"01"}, MunicipalityCodes: []string{"01101"}}); err != nil {
		t.Fatal(err)
	}
	if w.otherC, err = e.Community.Create(ctx, w.other.P, community.CommunityInput{Name: "函館の会", PrefectureCodes: []string{"01"}, MunicipalityCodes: []string{"01202"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Community.Join(ctx, w.author.P, w.ownC.ID); err != nil {
		t.Fatal(err)
	}
	if w.post, err = e.Community.CreatePost(ctx, w.author.P, w.ownC.ID, "儲かる話があります"); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w world) reportPost(t *testing.T) moderation.Report {
	t.Helper()
	r, err := w.e.Moderation.File(context.Background(), w.reporter.P, moderation.ReportInput{PostID: &w.post.ID, Reason: "spam", Detail: "勧誘です"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A report about a post belongs to the post's community: its organizers and
// admins see and resolve it; other organizers are told it does not exist.
func TestReportsGoToTheirCommunitysOrganizers(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	r := w.reportPost(t)
	if r.CommunityID == nil || *r.CommunityID != w.ownC.ID || r.Status != moderation.StatusOpen {
		t.Fatalf("report %+v: want open, in the post's community", r)
	}
	for _, c := range []struct {
		who  servicetest.Member
		sees bool
	}{{w.admin, true}, {w.org, true}, {w.other, false}} {
		list, _, err := w.e.Moderation.List(ctx, c.who.P, moderation.StatusOpen, 20, "")
		if err != nil {
			t.Fatal(err)
		}
		if (len(list) == 1) != c.sees {
			t.Errorf("%s sees %d reports, want it seen: %v", c.who.DisplayName, len(list), c.sees)
		}
	}
	_, err := w.e.Moderation.Resolve(ctx, w.other.P, r.ID, "対応しました", "none")
	servicetest.WantCode(t, err, "not_found")
	got, err := w.e.Moderation.Resolve(ctx, w.org.P, r.ID, "投稿を削除しました", "post_removed")
	if err != nil || got.Status != moderation.StatusResolved || got.ResolvedBy == nil || *got.ResolvedBy != w.org.ID {
		t.Fatalf("resolved: %+v, %v", got, err)
	}
}

// The moderation error contract, one rule a row.
func TestModerationErrorContract(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	e := w.e
	servicetest.CheckRules(t, []servicetest.Rule{
		{Rule: "a report names a user or a post", Code: "validation_failed", Do: func() error {
			_, err := e.Moderation.File(ctx, w.reporter.P, moderation.ReportInput{Reason: "spam"})
			return err
		}},
		{Rule: "nobody reports themself", Code: "validation_failed", Do: func() error {
			_, err := e.Moderation.File(ctx, w.reporter.P, moderation.ReportInput{SubjectUserID: &w.reporter.ID, Reason: "spam"})
			return err
		}},
		{Rule: "a report gives a known reason", Code: "validation_failed", Do: func() error {
			_, err := e.Moderation.File(ctx, w.reporter.P, moderation.ReportInput{SubjectUserID: &w.author.ID, Reason: "rude"})
			return err
		}},
		{Rule: "detail is at most 4000 characters", Code: "validation_failed", Do: func() error {
			_, err := e.Moderation.File(ctx, w.reporter.P, moderation.ReportInput{SubjectUserID: &w.author.ID, Reason: "other", Detail: strings.Repeat("あ", 4001)})
			return err
		}},
		{Rule: "an unknown user cannot be reported", Code: "not_found", Do: func() error {
			id := bson.NewObjectID()
			_, err := e.Moderation.File(ctx, w.reporter.P, moderation.ReportInput{SubjectUserID: &id, Reason: "spam"})
			return err
		}},
		{Rule: "an unknown post cannot be reported", Code: "not_found", Do: func() error {
			id := bson.NewObjectID()
			_, err := e.Moderation.File(ctx, w.reporter.P, moderation.ReportInput{PostID: &id, Reason: "spam"})
			return err
		}},
		{Rule: "members do not list reports", Code: "forbidden", Do: func() error {
			_, _, err := e.Moderation.List(ctx, w.reporter.P, "", 20, "")
			return err
		}},
		{Rule: "a list filter is open or resolved", Code: "validation_failed", Do: func() error {
			_, _, err := e.Moderation.List(ctx, w.admin.P, "closed", 20, "")
			return err
		}},
		{Rule: "members cannot resolve: the report does not exist for them", Code: "not_found", Do: func() error {
			_, err := e.Moderation.Resolve(ctx, w.reporter.P, w.reportPost(t).ID, "勝手に", "none")
			return err
		}},
		{Rule: "a resolution says what was done", Code: "validation_failed", Do: func() error {
			_, err := e.Moderation.Resolve(ctx, w.admin.P, w.reportPost(t).ID, "", "banned")
			return err
		}},
		{Rule: "a report is resolved once", Code: "invalid_transition", Do: func() error {
			r := w.reportPost(t)
			if _, err := e.Moderation.Resolve(ctx, w.admin.P, r.ID, "注意しました", "warned"); err != nil {
				return err
			}
			_, err := e.Moderation.Resolve(ctx, w.org.P, r.ID, "もう一度", "none")
			return err
		}},
	})
}

// Resolutions racing for one report: exactly one holds.
func TestConcurrentResolutionsResolveOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	r := w.reportPost(t)
	resolvers := []servicetest.Member{w.admin, w.org, w.admin, w.org, w.admin, w.org}
	codes := servicetest.RaceN(len(resolvers), func(i int) error {
		_, err := w.e.Moderation.Resolve(ctx, resolvers[i].P, r.ID, "対応しました", moderation.Actions[i%len(moderation.Actions)])
		return err
	})
	if won := servicetest.Wins(t, codes, "invalid_transition"); won != 1 {
		t.Fatalf("outcomes %q: %d resolutions held, want 1", codes, won)
	}
}
