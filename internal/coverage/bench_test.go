package coverage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// benchService is a service over synthetic data, deterministic for given
// sizes: mentors as scripts/benchseed makes them (half in Hokkaido, half
// anywhere in Japan, 1 to 5 topics, mixed modes, travelKm 0 to 99, 90%
// accepting), founders in Hokkaido with 1 to 3 requests each over the last
// 120 days (so some fall outside the window).
func benchService(b *testing.B, mentors, founders int) *Service {
	b.Helper()
	r := rand.New(rand.NewPCG(42, 42))
	hokkaido := catalog.Municipalities("01")
	var japan []areas.Municipality
	for _, p := range catalog.Prefectures() {
		japan = append(japan, catalog.Municipalities(p.Code)...)
	}
	all := topics.New().All()
	randTopics := func(n int) []string {
		var out []string
		for range n {
			out = append(out, all[r.IntN(len(all))].Slug)
		}
		return out
	}
	modes := []search.Mode{
		search.ModeInPerson, search.ModeOnline, search.ModeInPerson | search.ModeOnline,
		search.ModeInPerson | search.ModeOnline | search.ModePhone, search.ModeOnline | search.ModePhone,
	}
	var ms []search.Mentor
	for range mentors {
		m := hokkaido[r.IntN(len(hokkaido))]
		if r.IntN(2) == 0 {
			m = japan[r.IntN(len(japan))]
		}
		ms = append(ms, search.Mentor{
			ID: bson.NewObjectID(), Topics: randTopics(1 + r.IntN(5)), MunicipalityCode: m.Code, PrefectureCode: m.PrefectureCode,
			Point: m.Location, TravelKm: float64(r.IntN(100)), Modes: modes[r.IntN(len(modes))],
			Capacity: 1 + r.IntN(5), Active: r.IntN(3), Accepting: r.IntN(10) > 0, Unlisted: r.IntN(100) == 0,
		})
	}
	reqs := &fakeRequests{}
	for range founders {
		f := bson.NewObjectID()
		m := hokkaido[r.IntN(len(hokkaido))]
		for range 1 + r.IntN(3) {
			reqs.rs = append(reqs.rs, mentorships.MatchRequest{
				ID: bson.NewObjectID(), FounderID: f, Topics: randTopics(1 + r.IntN(3)),
				Location:  profiles.Location{MunicipalityCode: m.Code, PrefectureCode: m.PrefectureCode, Point: m.Location},
				CreatedAt: now.Add(-time.Duration(r.IntN(120*24)) * time.Hour),
			})
		}
	}
	return newTestService(reqs, ms...)
}

// BenchmarkCoverageHokkaido is one full report: all of Hokkaido (188 areas
// and 14 subprefectures), every topic, from the mentor index snapshot to
// the rows (the database read of requests is faked).
func BenchmarkCoverageHokkaido(b *testing.B) {
	for _, size := range []struct{ mentors, founders int }{{60, 40}, {10_000, 1_000}} {
		b.Run(fmt.Sprintf("mentors=%d/founders=%d", size.mentors, size.founders), func(b *testing.B) {
			s := benchService(b, size.mentors, size.founders)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				rep, err := s.Report(ctx, organizer, Query{PrefectureCode: "01"})
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Rows) != (188+14)*topics.New().Len() {
					b.Fatalf("%d rows", len(rep.Rows))
				}
			}
		})
	}
}
