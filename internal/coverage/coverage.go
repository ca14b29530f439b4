// Package coverage reports where a region lacks mentors: per area and topic,
// how many mentors are within reach and how many founders asked, so gaps
// ("mentor deserts") stand out and organizers know whom to recruit where.
//
// The report reads the in-memory mentor index and the recent match requests
// of one prefecture; Compute, the report itself, is a pure function.
//
// Error contract: validation_failed (fields prefecture, radiusKm, topic).
package coverage

import (
	"context"
	"strconv"
	"time"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// Limits and defaults.
const (
	DefaultRadiusKm = 30
	MinRadiusKm     = 1
	MaxRadiusKm     = 200
	// Window is how far back founders' match requests count.
	Window = 90 * 24 * time.Hour
	// TopGapsShown is how many of the top gaps the summary lists.
	TopGapsShown = 10
)

// Mentors is the mentor index the report reads (a *search.Index).
type Mentors interface {
	Each(fn func(m *search.Mentor))
}

// Requests gives the recent match requests of a prefecture
// (a *mentorships.Service).
type Requests interface {
	RequestsIn(ctx context.Context, prefectureCode string, since time.Time) ([]mentorships.MatchRequest, error)
}

// Config configures the service.
type Config struct {
	Now func() time.Time
}

// Service computes coverage reports.
type Service struct {
	areas    *areas.Catalog
	topics   *topics.Taxonomy
	mentors  Mentors
	requests Requests
	now      func() time.Time
}

// New returns the service.
func New(cat *areas.Catalog, tx *topics.Taxonomy, mentors Mentors, requests Requests, cfg Config) *Service {
	s := &Service{areas: cat, topics: tx, mentors: mentors, requests: requests, now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Query asks for a report.
type Query struct {
	PrefectureCode string // required
	RadiusKm       int    // 0: DefaultRadiusKm
	Topic          string // a topic slug; empty: every topic of the taxonomy
}

// Report is a computed report with what it was computed for.
type Report struct {
	Prefecture  areas.Prefecture
	RadiusKm    int
	Topics      []string // the report's topics, in taxonomy order
	Areas       int      // area rows per topic (groups not included)
	Since       time.Time
	GeneratedAt time.Time
	Result
}

// Check records the invalid fields of q in v, skipping fields v already
// has an error for (so a caller that parsed them can add its own first).
func (s *Service) Check(v *apperr.Validation, q Query) {
	if !v.Has("prefecture") {
		switch {
		case q.PrefectureCode == "":
			v.Add("prefecture", "is required")
		default:
			if _, ok := s.areas.Prefecture(q.PrefectureCode); !ok {
				v.Add("prefecture", `must be a prefecture code from "01" to "47"`)
			}
		}
	}
	if !v.Has("radiusKm") && q.RadiusKm != 0 {
		v.Check(q.RadiusKm >= MinRadiusKm && q.RadiusKm <= MaxRadiusKm, "radiusKm",
			"must be an integer between "+strconv.Itoa(MinRadiusKm)+" and "+strconv.Itoa(MaxRadiusKm))
	}
	if !v.Has("topic") && q.Topic != "" {
		if _, ok := s.topics.Get(q.Topic); !ok {
			v.Add("topic", "is not a known topic slug (see GET /v1/topics)")
		}
	}
}

// Report computes the coverage report of a prefecture.
func (s *Service) Report(ctx context.Context, p accounts.Principal, q Query) (Report, error) {
	if !p.Has(accounts.RoleOrganizer) && !p.Has(accounts.RoleAdmin) {
		return Report{}, apperr.New(apperr.Forbidden, "forbidden", "the coverage report is for organizers and admins")
	}
	var v apperr.Validation
	s.Check(&v, q)
	if err := v.Err(); err != nil {
		return Report{}, err
	}
	pref, _ := s.areas.Prefecture(q.PrefectureCode)
	radius := q.RadiusKm
	if radius == 0 {
		radius = DefaultRadiusKm
	}
	var slugs []string
	if q.Topic != "" {
		slugs = []string{q.Topic}
	} else {
		for _, t := range s.topics.All() {
			slugs = append(slugs, t.Slug)
		}
	}
	now := s.now().UTC()
	since := now.Add(-Window)

	rs, err := s.requests.RequestsIn(ctx, pref.Code, since)
	if err != nil {
		return Report{}, err
	}
	in := Input{Topics: slugs, RadiusKm: float64(radius), Since: since, TopGaps: TopGapsShown}
	in.Areas, in.Groups = s.areasOf(pref.Code)
	in.Asks = s.asks(rs)
	s.mentors.Each(func(m *search.Mentor) {
		in.Mentors = append(in.Mentors, Mentor{
			Topics: m.Topics, Point: m.Point, TravelKm: m.TravelKm, Modes: m.Modes,
			Accepting: m.Accepting, Free: m.Free(), Unlisted: m.Unlisted,
		})
	})
	return Report{
		Prefecture: pref, RadiusKm: radius, Topics: slugs, Areas: len(in.Areas),
		Since: since, GeneratedAt: now, Result: Compute(in),
	}, nil
}

// areasOf returns the areas of a prefecture (every municipality row but
// designated cities, whose wards stand for them) and, in Hokkaido, its
// subprefectures with their member areas (Sapporo's wards in Sapporo's).
func (s *Service) areasOf(prefectureCode string) ([]Area, []Group) {
	var out []Area
	subs := s.areas.Subprefectures(prefectureCode)
	groups := make([]Group, len(subs))
	groupIdx := make(map[string]int, len(subs))
	for i, sp := range subs {
		groups[i] = Group{NameJa: sp.NameJa, NameEn: sp.NameEn}
		groupIdx[sp.NameJa] = i
	}
	for _, m := range s.areas.Municipalities(prefectureCode) {
		if m.Kind == areas.KindDesignatedCity {
			continue
		}
		out = append(out, Area{
			Code: m.Code, Kind: m.Kind, NameJa: m.NameJa, NameEn: m.NameEn,
			SubprefectureJa: m.SubprefectureJa, SubprefectureEn: m.SubprefectureEn, Point: m.Location,
		})
		if len(groups) == 0 {
			continue
		}
		if sp, ok := s.areas.SubprefectureOf(m.Code); ok {
			if g, ok := groupIdx[sp.NameJa]; ok {
				groups[g].Members = append(groups[g].Members, m.Code)
			}
		}
	}
	return out, groups
}

// asks turns match requests into asks. A request located at a designated
// city itself (not one of its wards) is placed in the ward nearest to its
// point, so that it counts in exactly one area.
func (s *Service) asks(rs []mentorships.MatchRequest) []Ask {
	out := make([]Ask, 0, len(rs))
	for _, r := range rs {
		code := r.Location.MunicipalityCode
		if m, ok := s.areas.Municipality(code); ok && m.Kind == areas.KindDesignatedCity {
			code = s.nearestWard(m.Code, r.Location.Point)
		}
		out = append(out, Ask{FounderID: r.FounderID, MunicipalityCode: code, Topics: r.Topics, CreatedAt: r.CreatedAt})
	}
	return out
}

// nearestWard returns the ward of a designated city nearest to p (the
// city's office when p is not set).
func (s *Service) nearestWard(cityCode string, p geo.Point) string {
	city, _ := s.areas.Municipality(cityCode)
	if !p.Valid() || (p.Lat == 0 && p.Lon == 0) {
		p = city.Location
	}
	best, bestKm := cityCode, 0.0
	for _, m := range s.areas.Municipalities(city.PrefectureCode) {
		if m.ParentCode != cityCode {
			continue
		}
		if d := geo.DistanceKm(p, m.Location); best == cityCode || d < bestKm {
			best, bestKm = m.Code, d
		}
	}
	return best
}
