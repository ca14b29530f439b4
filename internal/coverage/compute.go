package coverage

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// KindSubprefecture is the Row.Kind of a Hokkaido subprefecture row.
const KindSubprefecture areas.Kind = "subprefecture"

// Area is a place that gets a row per topic: a municipality row of the
// gazetteer other than a designated city (whose wards are areas instead, so
// every place counts once).
type Area struct {
	Code            string
	Kind            areas.Kind
	NameJa          string
	NameEn          string
	SubprefectureJa string // Hokkaido only
	SubprefectureEn string
	Point           geo.Point // the office
}

// Group is a set of areas that also gets a row per topic (a Hokkaido
// subprefecture): a mentor or a founder counts once however many of its
// members they reach or ask from.
type Group struct {
	NameJa  string
	NameEn  string
	Members []string // area codes
}

// Mentor is what the report reads of one mentor.
type Mentor struct {
	Topics    []string // slugs; those outside the report's topics are ignored
	Point     geo.Point
	TravelKm  float64
	Modes     search.Mode
	Accepting bool
	Free      int // places left
	Unlisted  bool
}

// Ask is one match request as the report reads it.
type Ask struct {
	FounderID        bson.ObjectID
	MunicipalityCode string // an Area's code; others are ignored
	Topics           []string
	CreatedAt        time.Time
}

// Input is everything a report is computed from.
type Input struct {
	Areas  []Area  // row order
	Groups []Group // row order
	// Topics are the report's columns, at most topics.MaxTopics.
	Topics []string
	// RadiusKm: a mentor who meets in person is within reach of an area
	// when the distance is at most the larger of RadiusKm and the
	// mentor's TravelKm.
	RadiusKm float64
	Since    time.Time // asks created before are not counted
	Mentors  []Mentor
	Asks     []Ask
	TopGaps  int // how many of the top gaps to list
}

// Row is one area (or group) and topic.
type Row struct {
	Kind            areas.Kind // the area's kind, or KindSubprefecture
	Code            string     // the area's code; empty for a group
	NameJa          string
	NameEn          string
	SubprefectureJa string // a group's row: its own name
	SubprefectureEn string
	Topic           string
	// MentorsInReach: mentors who are not suspended, cover the topic and
	// meet in person within reach (of at least one member, for a group).
	MentorsInReach int
	// MentorsAccepting: of those, accepting requests with a free place.
	MentorsAccepting int
	// MentorsRemote: mentors anywhere who are not suspended, cover the
	// topic, meet online or by phone, and accept requests with a free
	// place: the remote help every area has.
	MentorsRemote int
	// FoundersAsking: distinct founders whose asks since Input.Since are
	// located in the area (in a member, for a group) and include the topic.
	FoundersAsking int
	// GapAreas: for a group, how many of its members have a gap in the
	// topic; for an area, 1 if it has one.
	GapAreas int
	// Gap: founders ask and no mentor is within reach (for a group: a
	// member has a gap).
	Gap bool
}

// Result is a computed report.
type Result struct {
	// Rows: every group, then every area, each with the topics in order.
	Rows []Row
	// GapRows counts the area rows with a gap; SubprefectureGapRows the
	// group rows (which repeat their members' gaps).
	GapRows              int
	SubprefectureGapRows int
	// TopGaps are the area rows with a gap, most founders asking first,
	// then by code and topic order; at most Input.TopGaps.
	TopGaps []Row
}

// Compute builds the report. It is a pure function of its input.
//
// Each mentor is prepared once (topic mask, position, reach); mentors who
// cannot reach any area (checked against a cap around the areas) are
// skipped before the per-area distance tests, which compare squared chords
// and need no trigonometry.
func Compute(in Input) Result {
	nt := len(in.Topics)
	if nt > topics.MaxTopics {
		panic("coverage: more topics than fit in a mask")
	}
	topicBit := make(map[string]int, nt)
	for i, s := range in.Topics {
		if _, dup := topicBit[s]; !dup {
			topicBit[s] = i
		}
	}
	mask := func(slugs []string) uint64 {
		var m uint64
		for _, s := range slugs {
			if i, ok := topicBit[s]; ok {
				m |= 1 << uint(i)
			}
		}
		return m
	}

	na, ng := len(in.Areas), len(in.Groups)
	pos := make([]geo.Vector, na)
	areaIdx := make(map[string]int, na)
	for i, a := range in.Areas {
		pos[i] = a.Point.Vector()
		areaIdx[a.Code] = i
	}
	groupOf := make([]int, na)
	for i := range groupOf {
		groupOf[i] = -1
	}
	for g, grp := range in.Groups {
		for _, code := range grp.Members {
			if a, ok := areaIdx[code]; ok {
				groupOf[a] = g
			}
		}
	}
	center, spreadKm := geo.EnclosingCap(pos)
	// The areas by latitude: a mentor's reach in km bounds the latitudes it
	// can reach (a difference of latitude is never more than the
	// great-circle angle), so each mentor tests only a band of areas.
	byLat := make([]int, na)
	for i := range byLat {
		byLat[i] = i
	}
	slices.SortFunc(byLat, func(x, y int) int { return cmp.Compare(in.Areas[x].Point.Lat, in.Areas[y].Point.Lat) })
	lats := make([]float64, na)
	for i, a := range byLat {
		lats[i] = in.Areas[a].Point.Lat
	}

	inReach := make([]int, na*nt)
	accepting := make([]int, na*nt)
	remote := make([]int, nt)
	gInReach := make([]int, ng*nt)
	gAccepting := make([]int, ng*nt)
	seen := make([]int, ng) // the last mentor (index+1) counted for each group

	for mi := range in.Mentors {
		m := &in.Mentors[mi]
		if m.Unlisted {
			continue
		}
		mk := mask(m.Topics)
		if mk == 0 {
			continue
		}
		available := m.Accepting && m.Free > 0
		if available && m.Modes.Remote() {
			for rest := mk; rest != 0; rest &= rest - 1 {
				remote[bits.TrailingZeros64(rest)]++
			}
		}
		if m.Modes&search.ModeInPerson == 0 || na == 0 {
			continue
		}
		reachKm := max(in.RadiusKm, m.TravelKm)
		p := m.Point.Vector()
		// No area lies farther than spreadKm from the center, so a mentor
		// farther than reach+spread from it reaches none (the margin
		// absorbs rounding).
		if p.Chord2(center) > geo.ChordSquared(reachKm+spreadKm+0.001) {
			continue
		}
		reach2 := geo.ChordSquared(reachKm)
		band := reachKm/geo.EarthRadiusKm*180/math.Pi + 1e-6 // degrees of latitude
		stamp := mi + 1
		first, _ := slices.BinarySearch(lats, m.Point.Lat-band)
		for k := first; k < na && lats[k] <= m.Point.Lat+band; k++ {
			a := byLat[k]
			if pos[a].Chord2(p) > reach2 {
				continue
			}
			cells := inReach[a*nt : (a+1)*nt]
			acc := accepting[a*nt : (a+1)*nt]
			for rest := mk; rest != 0; rest &= rest - 1 {
				t := bits.TrailingZeros64(rest)
				cells[t]++
				if available {
					acc[t]++
				}
			}
			if g := groupOf[a]; g >= 0 && seen[g] != stamp {
				seen[g] = stamp
				for rest := mk; rest != 0; rest &= rest - 1 {
					t := bits.TrailingZeros64(rest)
					gInReach[g*nt+t]++
					if available {
						gAccepting[g*nt+t]++
					}
				}
			}
		}
	}

	asking := make([]int, na*nt)
	gAsking := make([]int, ng*nt)
	type founderCell struct {
		cell    int
		founder bson.ObjectID
	}
	counted := map[founderCell]bool{}
	gCounted := map[founderCell]bool{}
	for _, k := range in.Asks {
		if k.CreatedAt.Before(in.Since) {
			continue
		}
		a, ok := areaIdx[k.MunicipalityCode]
		if !ok {
			continue
		}
		g := groupOf[a]
		for rest := mask(k.Topics); rest != 0; rest &= rest - 1 {
			t := bits.TrailingZeros64(rest)
			if key := (founderCell{a*nt + t, k.FounderID}); !counted[key] {
				counted[key] = true
				asking[key.cell]++
			}
			if g < 0 {
				continue
			}
			if key := (founderCell{g*nt + t, k.FounderID}); !gCounted[key] {
				gCounted[key] = true
				gAsking[key.cell]++
			}
		}
	}

	var res Result
	res.Rows = make([]Row, (ng+na)*nt)
	areaRows := res.Rows[ng*nt:]
	gGaps := make([]int, ng*nt)
	for a, area := range in.Areas {
		for t, slug := range in.Topics {
			i := a*nt + t
			gap := asking[i] > 0 && inReach[i] == 0
			r := Row{
				Kind: area.Kind, Code: area.Code, NameJa: area.NameJa, NameEn: area.NameEn,
				SubprefectureJa: area.SubprefectureJa, SubprefectureEn: area.SubprefectureEn, Topic: slug,
				MentorsInReach: inReach[i], MentorsAccepting: accepting[i], MentorsRemote: remote[t],
				FoundersAsking: asking[i], Gap: gap,
			}
			if gap {
				r.GapAreas = 1
				res.GapRows++
				if g := groupOf[a]; g >= 0 {
					gGaps[g*nt+t]++
				}
			}
			areaRows[i] = r
		}
	}
	for g, grp := range in.Groups {
		for t, slug := range in.Topics {
			i := g*nt + t
			r := Row{
				Kind: KindSubprefecture, NameJa: grp.NameJa, NameEn: grp.NameEn,
				SubprefectureJa: grp.NameJa, SubprefectureEn: grp.NameEn, Topic: slug,
				MentorsInReach: gInReach[i], MentorsAccepting: gAccepting[i], MentorsRemote: remote[t],
				FoundersAsking: gAsking[i], GapAreas: gGaps[i], Gap: gGaps[i] > 0,
			}
			if r.Gap {
				res.SubprefectureGapRows++
			}
			res.Rows[i] = r
		}
	}

	if in.TopGaps > 0 && res.GapRows > 0 {
		type ranked struct {
			row   *Row
			topic int
		}
		gaps := make([]ranked, 0, res.GapRows)
		for i := range areaRows {
			if areaRows[i].Gap {
				gaps = append(gaps, ranked{&areaRows[i], i % nt})
			}
		}
		slices.SortFunc(gaps, func(x, y ranked) int {
			return cmp.Or(
				cmp.Compare(y.row.FoundersAsking, x.row.FoundersAsking),
				cmp.Compare(x.row.Code, y.row.Code),
				cmp.Compare(x.topic, y.topic),
			)
		})
		res.TopGaps = make([]Row, min(in.TopGaps, len(gaps)))
		for i := range res.TopGaps {
			res.TopGaps[i] = *gaps[i].row
		}
	}
	return res
}
