package coverage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// organizer is who reads coverage reports.
var organizer = accounts.Principal{Roles: []accounts.Role{accounts.RoleOrganizer}}

// fakeRequests serves match requests from memory, as the database would:
// by prefecture and creation time.
type fakeRequests struct {
	rs  []mentorships.MatchRequest
	err error
	// asked records the last call.
	pref  string
	since time.Time
}

func (f *fakeRequests) RequestsIn(_ context.Context, pref string, since time.Time) ([]mentorships.MatchRequest, error) {
	f.pref, f.since = pref, since
	var out []mentorships.MatchRequest
	for _, r := range f.rs {
		if r.Location.PrefectureCode == pref && !r.CreatedAt.Before(since) {
			out = append(out, r)
		}
	}
	return out, f.err
}

var catalog = func() *areas.Catalog {
	c, err := areas.Load()
	if err != nil {
		panic(err)
	}
	return c
}()

func newTestService(reqs *fakeRequests, mentors ...search.Mentor) *Service {
	tx := topics.New()
	ix := search.New(tx)
	for _, m := range mentors {
		if m.ID.IsZero() {
			m.ID = bson.NewObjectID()
		}
		ix.Upsert(m)
	}
	return New(catalog, tx, ix, reqs, Config{Now: func() time.Time { return now }})
}

func muni(t testing.TB, code string) areas.Municipality {
	t.Helper()
	m, ok := catalog.Municipality(code)
	if !ok {
		t.Fatalf("no municipality %s", code)
	}
	return m
}

func request(t testing.TB, founder bson.ObjectID, code string, at time.Time, topics ...string) mentorships.MatchRequest {
	m := muni(t, code)
	return mentorships.MatchRequest{
		ID: bson.NewObjectID(), FounderID: founder, Topics: topics, CreatedAt: at,
		Location: profiles.Location{MunicipalityCode: m.Code, PrefectureCode: m.PrefectureCode, Point: m.Location},
	}
}

func fields(err error) []string {
	e, ok := apperr.As(err)
	if !ok || e.Code != "validation_failed" {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestReportValidation(t *testing.T) {
	s := newTestService(&fakeRequests{})
	for _, tt := range []struct {
		q    Query
		want []string
	}{
		{Query{}, []string{"prefecture"}},
		{Query{PrefectureCode: "48"}, []string{"prefecture"}},
		{Query{PrefectureCode: "1"}, []string{"prefecture"}},
		{Query{PrefectureCode: "01", RadiusKm: 201}, []string{"radiusKm"}},
		{Query{PrefectureCode: "01", RadiusKm: -1}, []string{"radiusKm"}},
		{Query{PrefectureCode: "01", Topic: "sushi"}, []string{"topic"}},
		{Query{RadiusKm: 500, Topic: "sushi"}, []string{"prefecture", "radiusKm", "topic"}},
	} {
		_, err := s.Report(context.Background(), organizer, tt.q)
		if got := fields(err); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: invalid fields %v (%v), want %v", tt.q, got, err, tt.want)
		}
	}
	// A field the caller already flagged is not flagged twice.
	var v apperr.Validation
	v.Add("radiusKm", "must be an integer")
	s.Check(&v, Query{PrefectureCode: "01", RadiusKm: 999})
	if got := fields(v.Err()); !slices.Equal(got, []string{"radiusKm"}) {
		t.Errorf("fields %v", got)
	}
}

func TestReportHokkaido(t *testing.T) {
	founder, other := bson.NewObjectID(), bson.NewObjectID()
	reqs := &fakeRequests{rs: []mentorships.MatchRequest{
		request(t, founder, "01100", now.Add(-time.Hour), "sales"), // 札幌市 itself: placed in the nearest ward
		request(t, other, "01207", now.Add(-time.Hour), "sales"),
		request(t, other, "13101", now.Add(-time.Hour), "sales"), // Tokyo: not in this report
	}}
	chuo := muni(t, "01101")
	s := newTestService(reqs,
		search.Mentor{Topics: []string{"sales"}, Point: chuo.Location, Modes: search.ModeInPerson, Capacity: 1, Accepting: true},
		search.Mentor{Topics: []string{"sales"}, Point: geo.Point{Lat: 35.68, Lon: 139.77}, Modes: search.ModePhone, Capacity: 2, Active: 2, Accepting: true}, // full
		search.Mentor{Topics: []string{"sales"}, Point: geo.Point{Lat: 35.68, Lon: 139.77}, Modes: search.ModeOnline, Capacity: 1, Accepting: true},
	)
	rep, err := s.Report(context.Background(), organizer, Query{PrefectureCode: "01", Topic: "sales"})
	if err != nil {
		t.Fatal(err)
	}
	if reqs.pref != "01" || !reqs.since.Equal(now.Add(-90*24*time.Hour)) {
		t.Errorf("requests read for %q since %v", reqs.pref, reqs.since)
	}
	if rep.Prefecture.NameJa != "北海道" || rep.RadiusKm != DefaultRadiusKm || !slices.Equal(rep.Topics, []string{"sales"}) || !rep.GeneratedAt.Equal(now) {
		t.Errorf("report header %+v", rep)
	}
	// 179 local governments with 札幌市 replaced by its 10 wards.
	if rep.Areas != 188 || len(rep.Rows) != 188+14 {
		t.Fatalf("%d areas, %d rows", rep.Areas, len(rep.Rows))
	}
	var subs []string
	for _, r := range rep.Rows[:14] {
		if r.Kind != KindSubprefecture {
			t.Fatalf("row %+v among the subprefectures", r)
		}
		subs = append(subs, r.NameJa)
	}
	if subs[0] != "石狩振興局" || subs[11] != "十勝総合振興局" || subs[13] != "根室振興局" {
		t.Errorf("subprefectures %v", subs)
	}
	for _, r := range rep.Rows {
		if r.Kind == areas.KindDesignatedCity || r.MentorsRemote != 1 {
			t.Fatalf("row %+v", r)
		}
	}
	var askedIn []string
	for _, r := range rep.Rows[14:] {
		if r.FoundersAsking > 0 {
			askedIn = append(askedIn, r.Code)
		}
	}
	if !slices.Equal(askedIn, []string{"01101", "01207"}) {
		t.Errorf("founders asking in %v, want 中央区 (for 札幌市) and 帯広", askedIn)
	}
	ishikari := rep.Rows[0]
	if ishikari.MentorsInReach != 1 || ishikari.FoundersAsking != 1 || ishikari.Gap {
		t.Errorf("石狩 %+v", ishikari)
	}
	tokachi := rep.Rows[11]
	if tokachi.FoundersAsking != 1 || tokachi.MentorsInReach != 0 || !tokachi.Gap || tokachi.GapAreas != 1 {
		t.Errorf("十勝 %+v", tokachi)
	}
	if rep.GapRows != 1 || len(rep.TopGaps) != 1 || rep.TopGaps[0].Code != "01207" || rep.SubprefectureGapRows != 1 {
		t.Errorf("gaps %d %v", rep.GapRows, rep.TopGaps)
	}
}

func TestReportOtherPrefecture(t *testing.T) {
	s := newTestService(&fakeRequests{})
	rep, err := s.Report(context.Background(), organizer, Query{PrefectureCode: "13", RadiusKm: 5})
	if err != nil {
		t.Fatal(err)
	}
	n := len(catalog.Municipalities("13"))
	if rep.Areas != n || len(rep.Rows) != n*topics.New().Len() || rep.RadiusKm != 5 {
		t.Fatalf("%d areas, %d rows, radius %d", rep.Areas, len(rep.Rows), rep.RadiusKm)
	}
	for _, r := range rep.Rows {
		if r.Kind == KindSubprefecture {
			t.Fatalf("subprefecture row outside Hokkaido: %+v", r)
		}
	}
	// 政令指定都市 elsewhere: 大阪市's wards stand for it.
	rep, err = s.Report(context.Background(), organizer, Query{PrefectureCode: "27", Topic: "sales"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Rows {
		if r.Code == "27100" {
			t.Fatal("大阪市 itself has a row")
		}
	}
}

func TestReportRequestsError(t *testing.T) {
	boom := errors.New("boom")
	s := newTestService(&fakeRequests{err: boom})
	if _, err := s.Report(context.Background(), organizer, Query{PrefectureCode: "01"}); !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
}

// Only organizers and admins read the report; the domain checks, not only
// the router.
func TestReportIsForOrganizers(t *testing.T) {
	s := newTestService(&fakeRequests{})
	founder := accounts.Principal{Roles: []accounts.Role{accounts.RoleFounder, accounts.RoleMentor}}
	if _, err := s.Report(context.Background(), founder, Query{PrefectureCode: "01"}); apperr.KindOf(err) != apperr.Forbidden {
		t.Fatalf("a founder and mentor got %v, want forbidden", err)
	}
	admin := accounts.Principal{Roles: []accounts.Role{accounts.RoleAdmin}}
	if _, err := s.Report(context.Background(), admin, Query{PrefectureCode: "01"}); err != nil {
		t.Fatalf("an admin: %v", err)
	}
}
