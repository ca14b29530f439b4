package matching

import (
	"bytes"
	"cmp"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/search"
)

// Suggestion is a ranked candidate.
type Suggestion struct {
	Mentor        search.Mentor
	DistanceKm    float64
	WithinReach   bool // close enough to meet in person
	MatchedTopics []string
	Components    Components
	Score         float64
}

// candidate is a scored mentor inside a scan; the full Mentor is copied only
// for the k that make the final list.
type candidate struct {
	c      search.Candidate
	d      float64
	within bool
	score  float64
}

// compare orders candidates: higher score first, then nearer, then by id, so
// ranking is deterministic. Nearer compares squared chords (same order as km).
func compare(a, b candidate) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	if c := cmp.Compare(a.c.Chord2, b.c.Chord2); c != 0 {
		return c
	}
	return bytes.Compare(a.c.ID[:], b.c.ID[:])
}

func suggestion(req *prepared, f *search.Facts, m search.Mentor, d float64, within bool) Suggestion {
	c := score(req, f, d, within)
	return Suggestion{
		Mentor:        m,
		DistanceKm:    d,
		WithinReach:   within,
		MatchedTopics: matchedTopics(req.Topics, m.Topics),
		Components:    c,
		Score:         c.Total(),
	}
}

// Rank returns the best k candidates for req, best first, and how many
// mentors were candidates in all.
//
// It scans the mentors covering a requested topic. Every component but
// distance is cheap; a candidate whose score could not beat the k-th best
// even at full distance marks is counted but not scored further, so the
// great-circle distance (an arcsine) is computed for few mentors.
func Rank(ix *search.Index, req Request, k int) ([]Suggestion, int) {
	p := prepare(ix, req)
	best := search.NewTopK(k, compare)
	total := 0
	var out []Suggestion
	ix.ScanTopics(p.mask, search.Prepare(req.Origin), func(c search.Candidate) {
		within := withinReach(p, c.Chord2, c.TravelChord2)
		if eligibility(p, c.Facts, within) != Eligible {
			return
		}
		total++
		partial := partialScore(p, c.Facts)
		if best.Full() && partial.Total()+WeightDistance < best.Worst().score {
			return
		}
		d := c.DistanceKm()
		partial.Distance = distanceScore(d, max(p.RadiusKm, c.TravelKm), within, (c.Modes & p.modes).Remote())
		best.Push(candidate{c: c, d: d, within: within, score: partial.Total()})
	}, func(mentor func(search.Candidate) search.Mentor) {
		for _, b := range best.Sorted() {
			out = append(out, suggestion(p, b.c.Facts, mentor(b.c), b.d, b.within))
		}
	})
	return out, total
}

// Check scores one mentor for req: the suggestion, or why they are not a
// candidate (a mentor missing from the index is reported as Suspended: not
// available).
func Check(ix *search.Index, req Request, mentorID bson.ObjectID) (Suggestion, Reason) {
	f, point, ok := ix.Facts(mentorID)
	m, ok2 := ix.Get(mentorID)
	if !ok || !ok2 {
		return Suggestion{}, Suspended
	}
	p := prepare(ix, req)
	d := search.Prepare(req.Origin).DistanceTo(point)
	within := withinReach(p, search.ChordSquared(d), search.ChordSquared(f.TravelKm))
	if r := eligibility(p, &f, within); r != Eligible {
		return Suggestion{}, r
	}
	return suggestion(p, &f, m, d, within), Eligible
}
