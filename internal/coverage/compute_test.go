package coverage

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/search"
)

// Three areas on the meridian 143°E, 0.5° of latitude (55.6 km) apart;
// X and Y form the group G1, Z the group G2.
var (
	pX = geo.Point{Lat: 43.0, Lon: 143.0}
	pY = geo.Point{Lat: 43.5, Lon: 143.0}
	pZ = geo.Point{Lat: 44.0, Lon: 143.0}
)

var (
	now   = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	since = now.Add(-Window)
	f1    = bson.NewObjectID()
	f2    = bson.NewObjectID()
	f3    = bson.NewObjectID()
)

func testInput() Input {
	return Input{
		Areas: []Area{
			{Code: "X", Kind: areas.KindCity, NameJa: "X市", Point: pX},
			{Code: "Y", Kind: areas.KindTown, NameJa: "Y町", Point: pY},
			{Code: "Z", Kind: areas.KindVillage, NameJa: "Z村", Point: pZ},
		},
		Groups:   []Group{{NameJa: "G1", Members: []string{"X", "Y"}}, {NameJa: "G2", Members: []string{"Z"}}},
		Topics:   []string{"sales", "hiring"},
		RadiusKm: 30,
		Since:    since,
		TopGaps:  10,
	}
}

// counts is what a test expects of one row: in reach, accepting, remote,
// founders asking, gap.
type counts struct {
	inReach, accepting, remote, asking int
	gap                                bool
}

func (c counts) String() string {
	return fmt.Sprintf("{inReach %d, accepting %d, remote %d, asking %d, gap %v}", c.inReach, c.accepting, c.remote, c.asking, c.gap)
}

func countsOf(r Row) counts {
	return counts{r.MentorsInReach, r.MentorsAccepting, r.MentorsRemote, r.FoundersAsking, r.Gap}
}

// row finds the row of an area code, or of a group name ("G1"), and topic.
func row(t *testing.T, res Result, area, topic string) Row {
	t.Helper()
	for _, r := range res.Rows {
		if (r.Code == area || (r.Kind == KindSubprefecture && r.NameJa == area)) && r.Topic == topic {
			return r
		}
	}
	t.Fatalf("no row %s/%s", area, topic)
	return Row{}
}

func inPerson(p geo.Point, travelKm float64, topics ...string) Mentor {
	return Mentor{Topics: topics, Point: p, TravelKm: travelKm, Modes: search.ModeInPerson, Accepting: true, Free: 1}
}

func ask(f bson.ObjectID, area string, age time.Duration, topics ...string) Ask {
	return Ask{FounderID: f, MunicipalityCode: area, Topics: topics, CreatedAt: now.Add(-age)}
}

func TestCompute(t *testing.T) {
	south := geo.Point{Lat: 42.8, Lon: 143.0} // 22.2 km from X, 77.8 km from Y
	online := Mentor{Topics: []string{"sales"}, Point: geo.Point{Lat: 35.68, Lon: 139.77}, Modes: search.ModeOnline, Accepting: true, Free: 1}
	full := inPerson(pX, 0, "sales")
	full.Free = 0
	closed := inPerson(pX, 0, "sales")
	closed.Accepting = false
	closed.Modes |= search.ModePhone
	suspended := inPerson(pX, 100, "sales")
	suspended.Modes |= search.ModeOnline
	suspended.Unlisted = true
	both := inPerson(pX, 0, "sales")
	both.Modes |= search.ModeOnline

	tests := []struct {
		name   string
		change func(*Input)
		want   map[string]counts // "area/topic"
	}{
		{
			name:   "in person within the radius",
			change: func(in *Input) { in.Mentors = []Mentor{inPerson(south, 0, "sales")} },
			want: map[string]counts{
				"X/sales": {inReach: 1, accepting: 1}, "Y/sales": {}, "X/hiring": {},
				"G1/sales": {inReach: 1, accepting: 1}, "G2/sales": {},
			},
		},
		{
			name:   "the mentor's travelKm extends the reach",
			change: func(in *Input) { in.Mentors = []Mentor{inPerson(south, 80, "sales")} },
			want:   map[string]counts{"X/sales": {inReach: 1, accepting: 1}, "Y/sales": {inReach: 1, accepting: 1}, "Z/sales": {}},
		},
		{
			name: "the radius extends the reach of a mentor who does not travel",
			change: func(in *Input) {
				in.RadiusKm = 80
				in.Mentors = []Mentor{inPerson(south, 0, "sales")}
			},
			want: map[string]counts{"X/sales": {inReach: 1, accepting: 1}, "Y/sales": {inReach: 1, accepting: 1}, "Z/sales": {}},
		},
		{
			name:   "online only: remote everywhere, in reach nowhere",
			change: func(in *Input) { in.Mentors = []Mentor{online} },
			want: map[string]counts{
				"X/sales": {remote: 1}, "Z/sales": {remote: 1}, "X/hiring": {},
				"G1/sales": {remote: 1}, "G2/sales": {remote: 1},
			},
		},
		{
			name:   "in person and online: both",
			change: func(in *Input) { in.Mentors = []Mentor{both} },
			want:   map[string]counts{"X/sales": {inReach: 1, accepting: 1, remote: 1}, "Z/sales": {remote: 1}},
		},
		{
			name:   "full or not accepting: in reach, neither accepting nor remote",
			change: func(in *Input) { in.Mentors = []Mentor{full, closed} },
			want:   map[string]counts{"X/sales": {inReach: 2}, "Y/sales": {}},
		},
		{
			name:   "suspended mentors count nowhere",
			change: func(in *Input) { in.Mentors = []Mentor{suspended} },
			want:   map[string]counts{"X/sales": {}, "Y/sales": {}, "G1/sales": {}},
		},
		{
			name: "topics outside the report are ignored",
			change: func(in *Input) {
				in.Mentors = []Mentor{inPerson(pX, 0, "legal"), inPerson(pX, 0, "legal", "hiring")}
				in.Asks = []Ask{ask(f1, "X", 0, "legal")}
			},
			want: map[string]counts{"X/sales": {}, "X/hiring": {inReach: 1, accepting: 1}},
		},
		{
			name: "founders count once per area and topic; old asks not at all",
			change: func(in *Input) {
				in.Mentors = []Mentor{inPerson(pX, 0, "sales", "hiring")}
				in.Asks = []Ask{
					ask(f1, "X", time.Hour, "sales"), ask(f1, "X", 2*time.Hour, "sales", "hiring"),
					ask(f2, "X", 89*24*time.Hour, "sales"),
					ask(f3, "X", 91*24*time.Hour, "sales", "hiring"),
					ask(f3, "nowhere", time.Hour, "sales"),
				}
			},
			want: map[string]counts{
				"X/sales": {inReach: 1, accepting: 1, asking: 2}, "X/hiring": {inReach: 1, accepting: 1, asking: 1},
				"G1/sales": {inReach: 1, accepting: 1, asking: 2},
			},
		},
		{
			name: "a gap: founders ask and nobody is in reach, remote help notwithstanding",
			change: func(in *Input) {
				in.Mentors = []Mentor{inPerson(pX, 0, "sales"), online}
				in.Asks = []Ask{ask(f1, "Z", time.Hour, "sales"), ask(f2, "X", time.Hour, "sales")}
			},
			want: map[string]counts{
				"Z/sales": {remote: 1, asking: 1, gap: true}, "X/sales": {inReach: 1, accepting: 1, remote: 1, asking: 1},
				"G2/sales": {remote: 1, asking: 1, gap: true}, "G1/sales": {inReach: 1, accepting: 1, remote: 1, asking: 1},
			},
		},
		{
			name: "a group counts a mentor and a founder once over its members",
			change: func(in *Input) {
				in.Mentors = []Mentor{inPerson(pX, 60, "sales"), inPerson(pY, 0, "sales")}
				in.Asks = []Ask{ask(f1, "X", time.Hour, "sales"), ask(f1, "Y", time.Hour, "sales")}
			},
			want: map[string]counts{
				"X/sales": {inReach: 1, accepting: 1, asking: 1}, "Y/sales": {inReach: 2, accepting: 2, asking: 1},
				"G1/sales": {inReach: 2, accepting: 2, asking: 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := testInput()
			tt.change(&in)
			res := Compute(in)
			if len(res.Rows) != (len(in.Areas)+len(in.Groups))*len(in.Topics) {
				t.Fatalf("%d rows", len(res.Rows))
			}
			for key, want := range tt.want {
				var area, topic string
				for i := range key {
					if key[i] == '/' {
						area, topic = key[:i], key[i+1:]
					}
				}
				if got := countsOf(row(t, res, area, topic)); got != want {
					t.Errorf("%s: got %v, want %v", key, got, want)
				}
			}
		})
	}
}

func TestComputeGroupsAndSummary(t *testing.T) {
	in := testInput()
	in.Mentors = []Mentor{inPerson(pX, 0, "hiring")}
	in.Asks = []Ask{
		ask(f1, "Y", time.Hour, "sales"), // Y: sales gap, 1 founder
		ask(f1, "Z", time.Hour, "sales", "hiring"),
		ask(f2, "Z", time.Hour, "sales", "hiring"), // Z: sales and hiring gaps, 2 founders
		ask(f3, "X", time.Hour, "sales"),           // X: sales gap, 1 founder; hiring is covered
		ask(f3, "X", time.Hour, "hiring"),
	}
	res := Compute(in)

	// Order: groups first, then areas, topics in order within each.
	var order []string
	for _, r := range res.Rows {
		order = append(order, r.NameJa+"/"+r.Topic)
	}
	want := []string{"G1/sales", "G1/hiring", "G2/sales", "G2/hiring", "X市/sales", "X市/hiring", "Y町/sales", "Y町/hiring", "Z村/sales", "Z村/hiring"}
	if !slices.Equal(order, want) {
		t.Fatalf("row order %v", order)
	}
	if g := row(t, res, "G1", "sales"); g.GapAreas != 2 || !g.Gap || g.FoundersAsking != 2 || g.Kind != KindSubprefecture || g.SubprefectureJa != "G1" {
		t.Errorf("G1/sales %+v", g)
	}
	if g := row(t, res, "G1", "hiring"); g.GapAreas != 0 || g.Gap || g.MentorsInReach != 1 || g.FoundersAsking != 1 {
		t.Errorf("G1/hiring %+v", g)
	}
	if g := row(t, res, "G2", "hiring"); g.GapAreas != 1 || !g.Gap || g.FoundersAsking != 2 {
		t.Errorf("G2/hiring %+v", g)
	}
	if res.GapRows != 4 || res.SubprefectureGapRows != 3 {
		t.Errorf("gap rows %d and %d, want 4 and 3", res.GapRows, res.SubprefectureGapRows)
	}
	var top []string
	for _, r := range res.TopGaps {
		top = append(top, r.Code+"/"+r.Topic)
	}
	if want := []string{"Z/sales", "Z/hiring", "X/sales", "Y/sales"}; !slices.Equal(top, want) {
		t.Errorf("top gaps %v, want %v", top, want)
	}
	in.TopGaps = 2
	if res := Compute(in); len(res.TopGaps) != 2 || res.GapRows != 4 {
		t.Errorf("with TopGaps 2: %d top gaps of %d", len(res.TopGaps), res.GapRows)
	}
	in.TopGaps = 0
	if res := Compute(in); res.TopGaps != nil {
		t.Errorf("with TopGaps 0: %v", res.TopGaps)
	}
}

func TestComputeEmpty(t *testing.T) {
	res := Compute(Input{Topics: []string{"sales"}, Mentors: []Mentor{inPerson(pX, 0, "sales")}})
	if len(res.Rows) != 0 || res.GapRows != 0 {
		t.Fatalf("%+v", res)
	}
	in := testInput()
	in.Topics = nil
	if res := Compute(in); len(res.Rows) != 0 {
		t.Fatalf("%d rows without topics", len(res.Rows))
	}
}

// The chord comparisons and the far-away cut must agree with plain
// great-circle distances: random mentors across Japan against random
// areas, compared with a direct count (distances within a metre of the
// reach are skipped: rounding may fall either way there).
func TestComputeAgreesWithDistances(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	randPoint := func() geo.Point { return geo.Point{Lat: 30 + r.Float64()*15, Lon: 129 + r.Float64()*16} }
	for trial := range 20 {
		in := Input{Topics: []string{"sales"}, RadiusKm: float64(1 + r.IntN(200)), Since: since}
		for i := range 40 {
			// Areas clustered like a prefecture, around a random center.
			c := randPoint()
			if i > 0 {
				c = geo.Point{Lat: in.Areas[0].Point.Lat + r.Float64()*3 - 1.5, Lon: in.Areas[0].Point.Lon + r.Float64()*3 - 1.5}
			}
			in.Areas = append(in.Areas, Area{Code: fmt.Sprint(i), Point: c})
		}
		for range 300 {
			in.Mentors = append(in.Mentors, inPerson(randPoint(), float64(r.IntN(500)), "sales"))
		}
		res := Compute(in)
		for a, area := range in.Areas {
			want := 0
			for _, m := range in.Mentors {
				d := geo.DistanceKm(m.Point, area.Point)
				reach := max(in.RadiusKm, m.TravelKm)
				if d > reach-0.001 && d < reach+0.001 {
					want = -1
					break
				}
				if d <= reach {
					want++
				}
			}
			if got := res.Rows[a].MentorsInReach; want >= 0 && got != want {
				t.Fatalf("trial %d, area %d: %d in reach, want %d", trial, a, got, want)
			}
		}
	}
}
