package matching

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/benchdata"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

const eps = 1e-9

func approx(a, b float64) bool { return math.Abs(a-b) < eps }

func TestTopicScoreWeightsOrder(t *testing.T) {
	cases := []struct {
		want, have []string
		score      float64
	}{
		{[]string{"sales"}, []string{"sales"}, 1},
		{[]string{"sales"}, []string{"hiring"}, 0},
		{[]string{"sales", "hiring"}, []string{"sales"}, 2.0 / 3},
		{[]string{"sales", "hiring"}, []string{"hiring"}, 1.0 / 3},
		{[]string{"sales", "hiring", "legal"}, []string{"legal"}, 1.0 / 6},
		{[]string{"sales", "hiring", "legal"}, []string{"legal", "sales"}, 4.0 / 6},
		{[]string{"sales", "hiring", "legal"}, []string{"hiring", "legal", "sales", "it_dx"}, 1},
		{nil, []string{"sales"}, 0},
	}
	for _, tc := range cases {
		p := prep(Request{Topics: tc.want})
		f := facts(search.Mentor{Topics: tc.have})
		if got := topicScore(f.TopicMask&p.mask, &p.weights); !approx(got, tc.score) {
			t.Errorf("topicScore(%v, %v) = %v, want %v", tc.want, tc.have, got, tc.score)
		}
	}
}

var testIndex = search.New(topics.New())

// prep prepares a request with the real taxonomy.
func prep(r Request) *prepared { return prepare(testIndex, r) }

// facts returns what the index would keep of m.
func facts(m search.Mentor) search.Facts {
	ix := search.New(topics.New())
	if m.ID.IsZero() {
		m.ID = bson.NewObjectID()
	}
	ix.Upsert(m)
	f, _, _ := ix.Facts(m.ID)
	return f
}

func TestDistanceScoreDecayAndFloor(t *testing.T) {
	cases := []struct {
		d, reach float64
		remote   bool
		want     float64
	}{
		{0, 50, false, 1},
		{50, 50, false, 1},
		{50.0001, 50, false, math.Exp(-0.0001 / DecayKm)},
		{100, 50, false, math.Exp(-1)},
		{100, 50, true, math.Exp(-1)}, // decay still above the floor
		{200, 50, false, math.Exp(-3)},
		{200, 50, true, RemoteFloor}, // far: the remote floor holds
		{2000, 0, true, RemoteFloor},
	}
	for _, tc := range cases {
		if got := distanceScore(tc.d, tc.reach, tc.d <= tc.reach, tc.remote); !approx(got, tc.want) {
			t.Errorf("distanceScore(%v, %v, %v) = %v, want %v", tc.d, tc.reach, tc.remote, got, tc.want)
		}
	}
}

func TestAvailabilityAndTrust(t *testing.T) {
	cases := []struct {
		name string
		m    search.Mentor
		want float64
	}{
		{"new mentor, all free", search.Mentor{Capacity: 2}, 0.5*1 + 0.5*NewMentorResponsiveness},
		{"half full, always prompt", search.Mentor{Capacity: 2, Active: 1, Introductions: 4, Answered: 4, MedianAnswerHr: 5}, 0.5*0.5 + 0.5*1},
		{"answers half, slowly", search.Mentor{Capacity: 1, Introductions: 4, Answered: 2, MedianAnswerHr: 96}, 0.5*1 + 0.5*(0.5*0.5)},
		{"never answers", search.Mentor{Capacity: 3, Introductions: 3}, 0.5},
		{"inconsistent stats stay in range", search.Mentor{Capacity: 1, Introductions: 1, Answered: 4, MedianAnswerHr: 1}, 1},
		{"no capacity", search.Mentor{Capacity: 0}, 0.5 * NewMentorResponsiveness},
	}
	for _, tc := range cases {
		f := facts(tc.m)
		if got := availabilityScore(&f); !approx(got, tc.want) {
			t.Errorf("%s: availability %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		verified, independent bool
		want                  float64
	}{{false, false, 0}, {true, false, 0.6}, {false, true, 0.4}, {true, true, 1}} {
		f := facts(search.Mentor{Verified: tc.verified, Independent: tc.independent})
		if got := trustScore(&f); !approx(got, tc.want) {
			t.Errorf("trust(%v,%v) = %v, want %v", tc.verified, tc.independent, got, tc.want)
		}
	}
}

func TestEligibility(t *testing.T) {
	founder := bson.NewObjectID()
	base := func() search.Mentor {
		return search.Mentor{
			ID: bson.NewObjectID(), Topics: []string{"sales"}, Modes: search.ModeInPerson | search.ModeOnline,
			Capacity: 2, Accepting: true, TravelKm: 20,
		}
	}
	req := Request{FounderID: founder, Topics: []string{"sales"}, RadiusKm: 30, Company: "十勝チーズ工房", Industry: "食品製造"}
	cases := []struct {
		name string
		edit func(*search.Mentor, *Request)
		d    float64
		want Reason
	}{
		{"eligible", func(*search.Mentor, *Request) {}, 10, Eligible},
		{"self", func(m *search.Mentor, _ *Request) { m.ID = founder }, 0, SelfMatch},
		{"suspended", func(m *search.Mentor, _ *Request) { m.Unlisted = true }, 0, Suspended},
		{"not accepting", func(m *search.Mentor, _ *Request) { m.Accepting = false }, 0, NotAccepting},
		{"full", func(m *search.Mentor, _ *Request) { m.Active = 2 }, 0, CapacityFull},
		{"over full after capacity cut", func(m *search.Mentor, _ *Request) { m.Capacity, m.Active = 1, 3 }, 0, CapacityFull},
		{"zero capacity", func(m *search.Mentor, _ *Request) { m.Capacity = 0 }, 0, CapacityFull},
		{"independent only", func(_ *search.Mentor, r *Request) { r.IndependentOnly = true }, 0, NotIndependent},
		{"independent ok", func(m *search.Mentor, r *Request) { r.IndependentOnly = true; m.Independent = true }, 0, Eligible},
		{"stake in company", func(m *search.Mentor, _ *Request) { m.Stakes = []string{"十勝チーズ工房"} }, 0, StakeConflict},
		{"stake containing company", func(m *search.Mentor, _ *Request) { m.Stakes = []string{"株式会社十勝チーズ工房"} }, 0, StakeConflict},
		{"stake in industry", func(m *search.Mentor, _ *Request) { m.Stakes = []string{"食品"} }, 0, StakeConflict},
		{"unrelated stake", func(m *search.Mentor, _ *Request) { m.Stakes = []string{"札幌ITベンチャーズ"} }, 0, Eligible},
		{"topic mismatch", func(m *search.Mentor, _ *Request) { m.Topics = []string{"legal"} }, 0, TopicMismatch},
		{"mode mismatch", func(m *search.Mentor, r *Request) { r.Modes = search.ModePhone }, 0, ModeMismatch},
		{"in person only, too far", func(m *search.Mentor, _ *Request) { m.Modes = search.ModeInPerson }, 31, OutOfReach},
		{"in person only, mentor travels", func(m *search.Mentor, _ *Request) { m.Modes = search.ModeInPerson; m.TravelKm = 40 }, 35, Eligible},
		{"far but online", func(*search.Mentor, *Request) {}, 800, Eligible},
		{"far, founder wants in person", func(_ *search.Mentor, r *Request) { r.Modes = search.ModeInPerson }, 800, OutOfReach},
	}
	for _, tc := range cases {
		m, r := base(), req
		tc.edit(&m, &r)
		f := facts(m)
		p := prep(r)
		if got := eligibility(p, &f, withinReach(p, geo.ChordSquared(tc.d), geo.ChordSquared(f.TravelKm))); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// index builds an index holding ms (ids assigned in order, so ties are stable).
func index(t testing.TB, ms ...search.Mentor) (*search.Index, []bson.ObjectID) {
	ix := search.New(topics.New())
	ix.SetPriority(Priority)
	ids := make([]bson.ObjectID, len(ms))
	for i, m := range ms {
		id := bson.ObjectID{}
		id[11] = byte(i + 1)
		m.ID, m.ProfileVersion = id, 1
		ix.Upsert(m)
		ids[i] = id
	}
	return ix, ids
}

var (
	obihiro   = geo.Point{Lat: 42.924055, Lon: 143.196206}
	otofuke   = geo.Point{Lat: 42.991667, Lon: 143.200000} // ~7.5 km from 帯広
	sapporo   = geo.Point{Lat: 43.055386, Lon: 141.340967} // ~150 km
	fukuoka   = geo.Point{Lat: 33.590, Lon: 130.402}
	bothModes = search.ModeInPerson | search.ModeOnline
)

func mentor(p geo.Point, topics ...string) search.Mentor {
	return search.Mentor{Topics: topics, Point: p, Modes: bothModes, Capacity: 2, Accepting: true, TravelKm: 10}
}

func TestRankNearbyBeatsEquallyFitRemote(t *testing.T) {
	ix, ids := index(t, mentor(sapporo, "sales", "hiring"), mentor(otofuke, "sales", "hiring"))
	got, total := Rank(ix, Request{Topics: []string{"sales", "hiring"}, Origin: obihiro, RadiusKm: 30}, 10)
	if total != 2 || len(got) != 2 {
		t.Fatalf("got %d of %d", len(got), total)
	}
	if got[0].Mentor.ID != ids[1] {
		t.Fatalf("the nearby mentor should rank first: %+v", got)
	}
	if got[0].Components.Distance != 1 || got[1].Components.Distance >= 1 {
		t.Errorf("distance components %v %v", got[0].Components.Distance, got[1].Components.Distance)
	}
}

func TestRankRemoteExpertBeatsNearbyNonExpert(t *testing.T) {
	ix, ids := index(t,
		mentor(otofuke, "legal"),                    // nearby, covers only the least important topic
		mentor(fukuoka, "sales", "hiring", "legal"), // far away, covers all, meets online
	)
	got, _ := Rank(ix, Request{Topics: []string{"sales", "hiring", "legal"}, Origin: obihiro, RadiusKm: 30}, 10)
	if len(got) != 2 || got[0].Mentor.ID != ids[1] {
		t.Fatalf("the remote expert should rank first: %+v", got)
	}
	if got[0].Components.Distance != RemoteFloor {
		t.Errorf("remote expert distance component %v, want the floor", got[0].Components.Distance)
	}
}

func TestRankIsDeterministicAndBounded(t *testing.T) {
	ms := make([]search.Mentor, 30)
	for i := range ms {
		ms[i] = mentor(obihiro, "sales") // identical: ties broken by id
	}
	ix, ids := index(t, ms...)
	got, total := Rank(ix, Request{Topics: []string{"sales"}, Origin: obihiro, RadiusKm: 30}, 5)
	if total != 30 || len(got) != 5 {
		t.Fatalf("got %d of %d", len(got), total)
	}
	for i, s := range got {
		if s.Mentor.ID != ids[i] {
			t.Fatalf("position %d: %s, want %s (id order on ties)", i, s.Mentor.ID.Hex(), ids[i].Hex())
		}
	}
	again, _ := Rank(ix, Request{Topics: []string{"sales"}, Origin: obihiro, RadiusKm: 30}, 5)
	for i := range got {
		if got[i].Mentor.ID != again[i].Mentor.ID {
			t.Fatal("ranking changed between identical calls")
		}
	}
}

func TestRankCapacityIndependenceAndStakes(t *testing.T) {
	full := mentor(obihiro, "sales")
	full.Active = 2
	staked := mentor(obihiro, "sales")
	staked.Stakes = []string{"十勝チーズ工房"}
	indep := mentor(otofuke, "sales")
	indep.Independent = true
	verified := mentor(otofuke, "sales")
	verified.Verified = true
	ix, ids := index(t, full, staked, indep, verified, mentor(otofuke, "sales"))
	got, total := Rank(ix, Request{Topics: []string{"sales"}, Origin: obihiro, RadiusKm: 30, Company: "十勝チーズ工房"}, 10)
	if total != 3 {
		t.Fatalf("%d candidates, want 3 (full and staked excluded)", total)
	}
	// Verified (0.6 trust) > independent (0.4) > neither.
	if got[0].Mentor.ID != ids[3] || got[1].Mentor.ID != ids[2] || got[2].Mentor.ID != ids[4] {
		t.Fatalf("order %v", []bson.ObjectID{got[0].Mentor.ID, got[1].Mentor.ID, got[2].Mentor.ID})
	}
	onlyIndep, _ := Rank(ix, Request{Topics: []string{"sales"}, Origin: obihiro, RadiusKm: 30, IndependentOnly: true}, 10)
	if len(onlyIndep) != 1 || onlyIndep[0].Mentor.ID != ids[2] {
		t.Fatalf("independentOnly: %+v", onlyIndep)
	}
	for _, s := range got {
		if s.Score < 0 || s.Score > 1 || !approx(s.Score, s.Components.Total()) {
			t.Errorf("score %v outside [0,1] or not the weighted sum", s.Score)
		}
	}
}

// A founder who is a mentor too is never their own candidate: not counted
// whether they meet remotely (the index's counts hold them) or in person,
// near or far, and with stakes or not.
func TestRankLeavesOutTheFounder(t *testing.T) {
	inPerson := mentor(otofuke, "sales")
	inPerson.Modes = search.ModeInPerson
	staked := mentor(sapporo, "sales")
	staked.Stakes = []string{"札幌ITベンチャーズ"}
	ix, ids := index(t, mentor(sapporo, "sales"), mentor(otofuke, "sales"), inPerson, staked, mentor(sapporo, "hiring"))
	for i, id := range ids[:4] {
		for _, topics := range [][]string{{"sales"}, {"sales", "hiring"}, {"sales", "hiring", "pricing", "export"}} {
			_, total := Rank(ix, Request{FounderID: id, Topics: topics, Origin: obihiro, RadiusKm: 30}, 10)
			want := 3
			if len(topics) > 1 {
				want = 4 // the hiring mentor too
			}
			if total != want {
				t.Errorf("founder %d, topics %v: %d candidates, want %d", i, topics, total, want)
			}
		}
	}
}

func TestCheckExplainsWhy(t *testing.T) {
	m := mentor(obihiro, "sales")
	m.Accepting = false
	ix, ids := index(t, m, mentor(sapporo, "sales"))
	req := Request{Topics: []string{"sales"}, Origin: obihiro, RadiusKm: 30}
	if _, r := Check(ix, req, ids[0]); r != NotAccepting {
		t.Errorf("paused mentor: %q", r)
	}
	if _, r := Check(ix, req, bson.NewObjectID()); r != Suspended {
		t.Errorf("unknown mentor: %q", r)
	}
	s, r := Check(ix, req, ids[1])
	if r != Eligible || s.WithinReach {
		t.Fatalf("sapporo: %q %+v", r, s)
	}
	en := Explain(&req, &s, func(string) string { return "Sales" }, "en")
	ja := Explain(&req, &s, func(string) string { return "販路開拓・営業" }, "ja")
	if !strings.Contains(en.Distance, "too far to meet in person") || !strings.Contains(en.Topic, "Covers 1 of the 1 topics you asked for: Sales") {
		t.Errorf("en: %+v", en)
	}
	if !strings.Contains(ja.Distance, "オンラインか電話") || !strings.Contains(ja.Topic, "販路開拓・営業") || ja.Trust != "未確認" {
		t.Errorf("ja: %+v", ja)
	}
}

// syntheticIndex is n random mentors all over Japan, in an index ordered by
// Priority (as the server's) from the first.
func syntheticIndex(n int) *search.Index {
	ix := unorderedIndex(n)
	ix.SetPriority(Priority)
	return ix
}

// unorderedIndex is syntheticIndex's mentors in an index without a priority
// (the lists in no order: every member is read).
func unorderedIndex(n int) *search.Index {
	tx := topics.New()
	all := tx.All()
	ix := search.New(tx)
	r := rand.New(rand.NewPCG(7, 8))
	for range n {
		ts := make([]string, 1+r.IntN(5))
		for j := range ts {
			ts[j] = all[r.IntN(len(all))].Slug
		}
		ix.Upsert(search.Mentor{
			ID: bson.NewObjectID(), Topics: ts, ProfileVersion: 1,
			Point:    geo.Point{Lat: 31 + r.Float64()*14, Lon: 130 + r.Float64()*15},
			TravelKm: float64(r.IntN(100)), Modes: search.Mode(1 + r.IntN(7)),
			Capacity: 1 + r.IntN(5), Accepting: r.IntN(10) > 0, Verified: r.IntN(3) == 0, Independent: r.IntN(2) == 0,
			Introductions: 5 + r.IntN(5), Answered: r.IntN(6), MedianAnswerHr: float64(r.IntN(200)),
		})
	}
	return ix
}

func BenchmarkRank(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		ix := syntheticIndex(n)
		for _, q := range []struct {
			name string
			req  Request
		}{
			{"2topics", Request{Topics: []string{"sales", "hiring"}, Origin: obihiro, RadiusKm: 50}},
			{"5topics", Request{Topics: []string{"sales", "hiring", "fundraising", "marketing", "accounting"}, Origin: obihiro, RadiusKm: 50}},
		} {
			b.Run(fmt.Sprintf("n=%d/%s/top20", n, q.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					Rank(ix, q.req, 20)
				}
			})
		}
	}
}

// Rank (bitset counting, cells visited best first, bounded heap, pruning,
// chord comparisons) must equal the brute force: Check every mentor and sort
// all candidates.
func TestRankMatchesBruteForce(t *testing.T) {
	ix := syntheticIndex(3000)
	assertRankMatchesBruteForce(t, ix, rand.New(rand.NewPCG(11, 12)), nil)
	// Without the priority order (every member of a near cell read).
	assertRankMatchesBruteForce(t, unorderedIndex(3000), rand.New(rand.NewPCG(11, 12)), nil)
}

// The same after the index changed under it: mentors moved across the grid,
// changed topics, filled up, were suspended or declared stakes; and with
// founders who are mentors themselves or whose company a stake names.
func TestRankMatchesBruteForceAfterChanges(t *testing.T) {
	ix := syntheticIndex(3000)
	r := rand.New(rand.NewPCG(21, 22))
	ids := ix.IDs()
	change(ix, r, ids[:900])
	assertRankMatchesBruteForce(t, ix, r, func(req *Request) {
		if r.IntN(3) == 0 {
			req.Company, req.Industry = "十勝チーズ工房", "酪農"
		}
		if r.IntN(3) == 0 {
			req.FounderID = ids[r.IntN(len(ids))]
		}
	})
}

// The same after the index is renumbered by place (as at start, see
// search.Index.Compact) with mentors removed before, and changed after.
func TestRankMatchesBruteForceAfterCompact(t *testing.T) {
	ix := syntheticIndex(3000)
	r := rand.New(rand.NewPCG(31, 32))
	ids := ix.IDs()
	for _, id := range ids[:300] {
		ix.Remove(id)
	}
	change(ix, r, ids[300:900])
	ix.Compact()
	assertRankMatchesBruteForce(t, ix, r, nil)
	change(ix, r, ids[900:1500])
	assertRankMatchesBruteForce(t, ix, r, nil)

	// Mentors at municipalities' points, half in Hokkaido: most words of
	// the bitsets fall in one cell, which counting settles by the cell.
	ix, err := benchdata.Index(10_000)
	if err != nil {
		t.Fatal(err)
	}
	ix.SetPriority(Priority)
	assertRankMatchesBruteForce(t, ix, r, nil)
	ids = ix.IDs()
	change(ix, r, ids[:2000])
	assertRankMatchesBruteForce(t, ix, r, nil)
}

// change changes the mentors of ids at random: moves across the grid with
// other topics and travel, full, suspended, stakes declared, back open,
// fewer free places or another answer record (a new priority, still open).
func change(ix *search.Index, r *rand.Rand, ids []bson.ObjectID) {
	all := topics.New().All()
	for _, id := range ids {
		m, _ := ix.Get(id)
		switch r.IntN(7) {
		case 0: // moved, possibly far, with other topics and travel
			m.Point = geo.Point{Lat: 31 + r.Float64()*14, Lon: 130 + r.Float64()*15}
			m.Topics = []string{all[r.IntN(len(all))].Slug}
			m.TravelKm = float64(r.IntN(400))
			m.ProfileVersion++
			ix.Upsert(m)
		case 1:
			ix.SetActive(id, m.Capacity) // full
		case 2:
			ix.SetUser(id, "x", true)
		case 3:
			m.Stakes = []string{"十勝チーズ工房", "酪農"}
			m.ProfileVersion++
			ix.Upsert(m)
		case 4:
			ix.SetUser(id, "x", false)
			ix.SetActive(id, 0)
		case 5:
			ix.SetActive(id, r.IntN(max(m.Capacity, 1)))
		case 6:
			ix.SetResponsiveness(id, r.IntN(8), r.IntN(4), r.Float64()*200)
		}
	}
}

func assertRankMatchesBruteForce(t *testing.T, ix *search.Index, r *rand.Rand, adjust func(*Request)) {
	t.Helper()
	all := topics.New().All()
	ids := ix.IDs()
	for trial := range 60 {
		want := make([]string, 1+r.IntN(5))
		for i := range want {
			want[i] = all[r.IntN(len(all))].Slug
		}
		req := Request{
			Topics: dedupe(want), RadiusKm: float64(10 + r.IntN(300)),
			Origin: geo.Point{Lat: 31 + r.Float64()*14, Lon: 130 + r.Float64()*15},
			Modes:  search.Mode(r.IntN(8)), IndependentOnly: r.IntN(4) == 0,
		}
		if adjust != nil {
			adjust(&req)
		}
		k := 1 + r.IntN(30)
		got, total := Rank(ix, req, k)

		var brute []Suggestion
		for _, id := range ids {
			if s, why := Check(ix, req, id); why == Eligible {
				brute = append(brute, s)
			}
		}
		slices.SortFunc(brute, func(a, b Suggestion) int {
			if c := cmp.Compare(b.Score, a.Score); c != 0 {
				return c
			}
			if c := cmp.Compare(a.DistanceKm, b.DistanceKm); c != 0 {
				return c
			}
			return bytes.Compare(a.Mentor.ID[:], b.Mentor.ID[:])
		})
		if total != len(brute) {
			t.Fatalf("trial %d: total %d, brute force %d", trial, total, len(brute))
		}
		brute = brute[:min(k, len(brute))]
		if len(got) != len(brute) {
			t.Fatalf("trial %d: %d results, want %d", trial, len(got), len(brute))
		}
		for i := range got {
			if got[i].Mentor.ID != brute[i].Mentor.ID || !approx(got[i].Score, brute[i].Score) {
				t.Fatalf("trial %d position %d: %s (%.6f), brute force %s (%.6f)", trial, i,
					got[i].Mentor.ID.Hex(), got[i].Score, brute[i].Mentor.ID.Hex(), brute[i].Score)
			}
			// The requested topics the mentor lists, in request order.
			matched := []string{}
			for _, topic := range req.Topics {
				if slices.Contains(got[i].Mentor.Topics, topic) {
					matched = append(matched, topic)
				}
			}
			if !slices.Equal(got[i].MatchedTopics, matched) || got[i].MatchedTopics == nil {
				t.Fatalf("trial %d position %d: matched %q, want %q", trial, i, got[i].MatchedTopics, matched)
			}
		}
	}
}

// RankInto on memory reused from one ranking to the next answers exactly
// what Rank answers on fresh memory: no item, matched topic or explanation
// left from an earlier ranking, longer or shorter, with more topics or
// fewer.
func TestRankIntoReusedMemoryAnswersAsRank(t *testing.T) {
	ix := syntheticIndex(3000)
	r := rand.New(rand.NewPCG(41, 42))
	all := topics.New().All()
	var mem Results
	for trial := range 300 {
		want := make([]string, 1+r.IntN(5))
		for i := range want {
			want[i] = all[r.IntN(len(all))].Slug
		}
		req := Request{
			Topics: dedupe(want), RadiusKm: float64(10 + r.IntN(300)),
			Origin: geo.Point{Lat: 31 + r.Float64()*14, Lon: 130 + r.Float64()*15},
			Modes:  search.Mode(r.IntN(8)),
		}
		k := 1 + r.IntN(30)
		fresh, total := Rank(ix, req, k)
		got, gotTotal := RankInto(&mem, ix, req, k)
		if gotTotal != total || !reflect.DeepEqual(got, fresh) {
			t.Fatalf("trial %d: reused memory answered %d items (total %d), fresh %d (total %d):\n%+v\nwant %+v", trial, len(got), gotTotal, len(fresh), total, got, fresh)
		}
		// Explained, as a caller may before the next ranking reuses them.
		for i := range got {
			got[i].Explanation = Explain(&req, &got[i].Suggestion, func(s string) string { return s }, "en")
		}
	}
}

func dedupe(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// BenchmarkIndexMemory reports the heap held per indexed mentor.
func BenchmarkIndexMemory(b *testing.B) {
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ix := syntheticIndex(100_000)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(ix.Len()), "bytes/mentor")
		runtime.KeepAlive(ix)
	}
}

// BenchmarkRankMix ranks the mix of scripts/bench/suggestions.sh (places all
// over Japan, one to three topics, radii of 10 to 200 km) over its mentors.
func BenchmarkRankMix(b *testing.B) {
	qs, err := benchdata.SuggestionQueries(1000, 200, 7)
	if err != nil {
		b.Fatal(err)
	}
	reqs := make([]Request, len(qs))
	for i, q := range qs {
		reqs[i] = Request{Topics: q.Topics, Origin: q.Place.Location, RadiusKm: float64(q.RadiusKm), Modes: search.ModeInPerson | search.ModeOnline | search.ModePhone}
	}
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("n=%d/top10", n), func(b *testing.B) {
			ix, err := benchdata.Index(n)
			if err != nil {
				b.Fatal(err)
			}
			ix.SetPriority(Priority)
			b.ReportAllocs()
			var mem Results // as the server ranks: into reused memory
			i := 0
			for b.Loop() {
				RankInto(&mem, ix, reqs[i%len(reqs)], 10)
				i++
			}
		})
	}
}

// BenchmarkRankBenchdata ranks over the mentors scripts/bench/suggestions.sh
// seeds (half in Hokkaido at municipalities' points, half all over Japan),
// with its query: a founder in 帯広 asking for sales and hiring within 50 km.
func BenchmarkRankBenchdata(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		for _, q := range []struct {
			name string
			req  Request
		}{
			{"2topics", Request{Topics: []string{"sales", "hiring"}, Origin: obihiro, RadiusKm: 50}},
			{"5topics", Request{Topics: []string{"sales", "hiring", "fundraising", "marketing", "accounting"}, Origin: obihiro, RadiusKm: 50}},
		} {
			b.Run(fmt.Sprintf("n=%d/%s/top10", n, q.name), func(b *testing.B) {
				ix, err := benchdata.Index(n)
				if err != nil {
					b.Fatal(err)
				}
				ix.SetPriority(Priority)
				b.ReportAllocs()
				for b.Loop() {
					Rank(ix, q.req, 10)
				}
			})
		}
	}
}

// Ties reached in any order keep the id order: a bound summed in another
// order than the score (0.8875 against 0.8875000000000001) must not pass
// over a tied mentor. Here the later ids are indexed, and so read, first.
func TestRankTiesSurviveRounding(t *testing.T) {
	ix := search.New(topics.New())
	ix.SetPriority(Priority)
	ids := make([]bson.ObjectID, 30)
	for i := len(ids) - 1; i >= 0; i-- {
		ids[i][11] = byte(i + 1)
		m := mentor(obihiro, "sales")
		m.ID, m.ProfileVersion = ids[i], 1
		ix.Upsert(m)
	}
	got, _ := Rank(ix, Request{Topics: []string{"sales"}, Origin: obihiro, RadiusKm: 30}, 5)
	for i, s := range got {
		if s.Mentor.ID != ids[i] {
			t.Fatalf("position %d: %s, want %s (id order on ties)", i, s.Mentor.ID.Hex(), ids[i].Hex())
		}
	}
}
