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

// candidate is a scored mentor inside a scan; the full Mentor is copied, and
// the distance in km computed, only for the k that make the final list.
type candidate struct {
	c      search.Candidate
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
		// Two bounds, cheapest first: topic fit alone (a few bit operations)
		// with every other part at full marks, then every part but distance.
		if best.Full() {
			worst := best.Worst().score
			if WeightTopic*topicScore(c.TopicMask&p.mask, &p.weights)+WeightDistance+WeightAvailability+WeightTrust < worst {
				return
			}
		}
		partial := partialScore(p, c.Facts)
		if best.Full() && partial.Total()+WeightDistance < best.Worst().score {
			return
		}
		partial.Distance = rankDistanceScore(p, &c, within)
		best.Push(candidate{c: c, within: within, score: partial.Total()})
	}, func(mentor func(search.Candidate) search.Mentor) {
		kept := best.Sorted()
		out = make([]Suggestion, 0, len(kept))
		for _, b := range kept {
			out = append(out, suggestion(p, b.c.Facts, mentor(b.c), b.c.DistanceKm(), b.within))
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

// rankDistanceScore is distanceScore for an eligible candidate, deciding the
// common cases by comparing squared chords: within reach it is 1, far beyond
// it the remote floor; only in between are the arcsine and exponential
// computed.
func rankDistanceScore(p *prepared, c *search.Candidate, within bool) float64 {
	if within {
		return 1
	}
	// Eligible and out of reach: the mentor meets remotely.
	floor2 := p.floor2
	if c.TravelKm > p.RadiusKm {
		floor2 = search.ChordSquared(c.TravelKm + floorBandKm)
	}
	if c.Chord2 > floor2 {
		return RemoteFloor
	}
	return distanceScore(c.DistanceKm(), max(p.RadiusKm, c.TravelKm), false, true)
}
