package matching

import (
	"bytes"
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/search"
)

// Suggestion is a ranked candidate.
type Suggestion struct {
	Mentor        *search.Mentor // the index's own: shared, never modified
	DistanceKm    float64
	WithinReach   bool // close enough to meet in person
	MatchedTopics []string
	Components    Components
	Score         float64
}

// Ranked is a suggestion with room for its explanation (see Explain), so
// a ranking's list is explained in place, not copied.
type Ranked struct {
	Suggestion
	Explanation Explanation
}

// candidate is a scored mentor inside a scan; the Mentor is looked up, and
// the distance in km computed, only for the k that make the final list.
type candidate struct {
	c      search.Candidate
	within bool
	score  float64
}

// compare orders candidates: higher score first, then nearer, then by id, so
// ranking is deterministic. Nearer compares squared chords (same order as km).
// Scores and chords are never NaN, so plain comparisons do (cmp.Compare
// orders NaNs too, at a cost: this runs for every push and every sort).
func compare(a, b candidate) int {
	switch {
	case a.score > b.score:
		return -1
	case a.score < b.score:
		return 1
	case a.c.Chord2 < b.c.Chord2:
		return -1
	case a.c.Chord2 > b.c.Chord2:
		return 1
	}
	return bytes.Compare(a.c.ID[:], b.c.ID[:])
}

// suggestion is the suggestion of a candidate, its matched topics appended
// to names (see appendMatchedTopics).
func suggestion(req *prepared, f *search.Facts, m *search.Mentor, d float64, within bool, names []string) (Suggestion, []string) {
	c := score(req, f, d, within)
	names, matched := appendMatchedTopics(names, req, f.TopicMask)
	return Suggestion{
		Mentor:        m,
		DistanceKm:    d,
		WithinReach:   within,
		MatchedTopics: matched,
		Components:    c,
		Score:         c.Total(),
	}, names
}

// Rank returns the best k candidates for req, best first, and how many
// mentors were candidates in all.
//
// Counting reads the index's bitsets, a word of 64 mentors at a time.
// Scoring visits groups of mentors best bound first and stops at the first
// group whose bound cannot beat the k-th best. A group is the mentors who
// cover exactly the same requested topics, either in the grid cells near
// enough for distance to matter, or in the rest of Japan, where every
// eligible mentor meets remotely at the floor distance score. So the best
// nearby mentors and the far experts fill the top k, and the mass of mentors
// who cover one minor topic is never scored. A group's members are read
// from lists in decreasing priority (a near cell's, or the index's remote
// list for the rest of Japan), up to the first who cannot beat the k-th
// best. Inside a group, a candidate whose score could not beat the k-th
// best even at full distance marks is not scored further, so the
// great-circle distance (an arcsine) is computed for few mentors.
func Rank(ix *search.Index, req Request, k int) ([]Ranked, int) {
	return RankInto(new(Results), ix, req, k)
}

// Results is memory for a ranking's output (its items and the matched
// topics they list, a kilobyte or two), reused by RankInto from one ranking
// to the next instead of left to the collector.
type Results struct {
	items []Ranked
	names []string
}

// Reset forgets r's last output, keeping its memory: the items point at
// mentors the index may have dropped since.
func (r *Results) Reset() {
	clear(r.items)
	clear(r.names)
	r.items, r.names = r.items[:0], r.names[:0]
}

// RankInto is Rank writing its output into r's memory: what it returns is
// valid until r's next RankInto.
func RankInto(r *Results, ix *search.Index, req Request, k int) ([]Ranked, int) {
	p := preparedPool.Get().(*prepared)
	defer preparedPool.Put(p) // nothing returned refers to it
	prepareInto(p, ix, req)
	best := bestPool.Get().(*search.TopK[candidate])
	best.Reset(k, compare)
	defer bestPool.Put(best) // what it keeps is copied into the result
	total := 0
	var out []Ranked
	ix.View(geo.Prepare(req.Origin), func(v *search.View) {
		filter := search.Filter{Topics: p.mask, Modes: p.modes, IndependentOnly: req.IndependentOnly, Exclude: req.FounderID, Radius2: p.radius2}
		total = v.Count(filter, func(c search.Candidate) bool {
			return eligibility(p, c.Facts, withinReach(p, c.Chord2, c.TravelChord2)) == Eligible
		})
		visit := func(c search.Candidate) { consider(p, best, c) }
		visitRef := func(m search.Ref) { consider(p, best, v.Candidate(m)) }
		g := newGroups(p, v)
		prioritized := v.Prioritized()
		// A member of a group scores at most its topic part, the best
		// distance score where it is and its Priority. Lists are read in
		// decreasing priority, so below floor(rest), with rest the first
		// two parts, a member cannot make the top k, nor can the rest of
		// its list.
		floor := func(rest float64) func() float64 {
			rest += priorityMargin
			return func() float64 {
				if !prioritized || !best.Full() {
					return math.Inf(-1)
				}
				return best.Worst().score - rest
			}
		}
		for _, grp := range g.order {
			if best.Full() && grp.bound < best.Worst().score {
				break // neither this group nor any after it can make the top k
			}
			topic := WeightTopic * topicScore(grp.topics, &p.weights)
			if grp.far {
				v.EachRemote(grp.topics, filter, g.nearCell, floor(topic+WeightDistance*RemoteFloor), visit)
				continue
			}
			for k, r := range g.near {
				if !g.levels {
					v.EachMember(r, p.mask, visitRef)
					continue
				}
				if r.Topics&grp.topics != grp.topics {
					continue
				}
				v.EachMemberExactly(r, p.mask, grp.topics, floor(topic+WeightDistance*g.nearDistance[k]), visitRef)
			}
		}
		groupsPool.Put(g)
		kept := best.Sorted()
		out = slices.Grow(r.items[:0], len(kept))[:len(kept)]
		// Room for every matched topic, so the lists of earlier items stay
		// where they are (see appendMatchedTopics).
		names := slices.Grow(r.names[:0], len(kept)*len(p.topicBits))
		for i, b := range kept {
			var s Suggestion
			s, names = suggestion(p, b.c.Facts, v.Mentor(b.c), b.c.DistanceKm(), b.within, names)
			out[i] = Ranked{Suggestion: s} // no Explanation left from r's last ranking
		}
		r.items, r.names = out, names
	})
	return out, total
}

// bestPool recycles the bounded heaps of rankings (k candidates of 48
// bytes each): garbage otherwise.
var bestPool = sync.Pool{New: func() any { return new(search.TopK[candidate]) }}

// Priority is the part of a mentor's score that depends on the mentor alone
// (availability and trust): the mentor index orders its cells' lists by it
// (search.Index.SetPriority), so a ranking reads a near cell best first and
// stops where the rest cannot make the top k.
func Priority(f *search.Facts) float64 {
	return WeightAvailability*availabilityScore(f) + WeightTrust*trustScore(f)
}

// priorityMargin covers the rounding between a score summed in
// Components.Total's order and the same parts summed as a bound (0.8875
// against 0.8875000000000001): a mentor is passed over only when a bound
// falls short by more than this, so ties are never lost to rounding.
const priorityMargin = 1e-9

// consider scores an eligible candidate into best unless a bound shows it
// cannot make it.
func consider(p *prepared, best *search.TopK[candidate], c search.Candidate) {
	within := withinReach(p, c.Chord2, c.TravelChord2)
	if eligibility(p, c.Facts, within) != Eligible {
		return
	}
	// Two bounds, cheapest first: topic fit alone (a few bit operations)
	// with every other part at full marks, then every part but distance.
	if best.Full() {
		worst := best.Worst().score
		if WeightTopic*topicScore(c.TopicMask&p.mask, &p.weights)+WeightDistance+WeightAvailability+WeightTrust+priorityMargin < worst {
			return
		}
	}
	partial := partialScore(p, c.Facts)
	if best.Full() && partial.Total()+WeightDistance+priorityMargin < best.Worst().score {
		return
	}
	partial.Distance = rankDistanceScore(p, &c, within)
	best.Push(candidate{c: c, within: within, score: partial.Total()})
}

// maxLevelTopics: up to this many requested topics, mentors are grouped by
// the exact requested topics they cover (2^n-1 levels); with more, there is
// one level and every cell is near (slower, still exact).
const maxLevelTopics = 5

// farMarginKm keeps a cell near when it is within a kilometre of the decay
// band, so rounding can never put a mentor whose distance score is above the
// floor into a far group.
const farMarginKm = 1

// groupsPool recycles the groups of rankings: their slices are a few
// kilobytes a request, garbage the collector would otherwise chase through
// a heap holding 100,000 mentors.
var groupsPool = sync.Pool{New: func() any { return new(groups) }}

// groups are the groups of one ranking, in the order to visit them.
type groups struct {
	order    []group
	nearCell []bool // by cell number
	// The near cells, nearest first: their members are visited group by
	// group, each from the cells' lists of one topic (see
	// search.View.EachMemberExactly), and nearDistance[k] is the best
	// distance score of any member of near[k] (see regionDistance).
	near         []search.Region
	nearDistance []float64
	sorted       []search.Region // scratch of ordering near
	keys         []uint64
	// levels: groups are by exact requested topics (else one group).
	levels bool
}

// group is a set of mentors visited together, with the best score any of
// them could have: those who cover exactly the requested topics of topics,
// in the near cells or (far) in the others.
type group struct {
	topics uint64
	far    bool
	bound  float64
}

// newGroups finds the near cells and orders the groups by bound, best first.
func newGroups(p *prepared, v *search.View) *groups {
	topicBits := make([]uint64, 0, bits.OnesCount64(p.mask))
	for m := p.mask; m != 0; m &= m - 1 {
		topicBits = append(topicBits, m&-m)
	}
	levels := len(topicBits) <= maxLevelTopics
	g := groupsPool.Get().(*groups)
	g.nearCell = slices.Grow(g.nearCell[:0], v.Cells())[:v.Cells()]
	clear(g.nearCell)
	g.order, g.levels = g.order[:0], levels

	// A cell is far when even its longest travel distance plus the decay
	// band does not reach the origin. Chords add no more than their distances
	// do (the triangle inequality), so comparing sums of chords keeps a cell
	// near whenever there is doubt, with no trigonometry per cell.
	bandChord := math.Sqrt(geo.ChordSquared(floorBandKm + farMarginKm))
	if !levels {
		bandChord = math.Inf(1)
	}
	g.near = v.Regions(p.mask, math.Sqrt(p.radius2), bandChord, g.near[:0])
	// Nearest first, so the top k fills with near mentors early and the
	// farther cells' members are passed over by their bounds. The order
	// decides only how soon, never the result, so keys of a float32 of the
	// distance (its bits rise with it) and the position do: cheaper to sort
	// than regions.
	g.keys = g.keys[:0]
	for i, r := range g.near {
		g.keys = append(g.keys, uint64(math.Float32bits(float32(r.MinChord2)))<<32|uint64(i))
	}
	slices.Sort(g.keys)
	g.sorted = g.sorted[:0]
	for _, key := range g.keys {
		g.sorted = append(g.sorted, g.near[uint32(key)])
	}
	g.near, g.sorted = g.sorted, g.near
	g.nearDistance = g.nearDistance[:0]
	for _, r := range g.near {
		g.nearCell[r.Cell] = true
		g.nearDistance = append(g.nearDistance, regionDistance(p, r))
	}

	if !levels {
		g.order = append(g.order, group{topics: p.mask, bound: bound(p, p.mask, 1)})
		return g
	}
	// Level l holds the j-th requested topic (in bit order) when bit j of l
	// is set.
	for l := 1; l < 1<<len(topicBits); l++ {
		var sub uint64
		for j, b := range topicBits {
			if l&(1<<j) != 0 {
				sub |= b
			}
		}
		g.order = append(g.order,
			group{topics: sub, bound: bound(p, sub, 1)},
			group{topics: sub, far: true, bound: bound(p, sub, RemoteFloor)})
	}
	slices.SortFunc(g.order, func(a, b group) int { return cmp.Compare(b.bound, a.bound) })
	return g
}

// bound is the best score of a mentor covering the requested topics of
// topics with a distance score of at most distance: full marks for
// availability and trust. Every part is at least the part of any such
// mentor, so (rounding being monotonic) the total is too.
func bound(p *prepared, topics uint64, distance float64) float64 {
	return Components{Topic: topicScore(topics, &p.weights), Distance: distance, Availability: 1, Trust: 1}.Total()
}

// regionDistance is the best distance score of any member of r: full marks
// when one may be within reach, else the decay at r's nearest point past the
// longest reach in it, at least the remote floor. Every member is at least
// that far and reaches no farther, so it scores no more.
func regionDistance(p *prepared, r search.Region) float64 {
	if r.MinChord2 <= max(p.radius2, r.MaxTravelChord*r.MaxTravelChord) {
		return 1
	}
	return max(distanceScore(geo.ChordKm(r.MinChord2), max(p.RadiusKm, r.MaxTravelKm), false, false), RemoteFloor)
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
	d := geo.Prepare(req.Origin).DistanceTo(point)
	within := withinReach(p, geo.ChordSquared(d), geo.ChordSquared(f.TravelKm))
	if r := eligibility(p, &f, within); r != Eligible {
		return Suggestion{}, r
	}
	s, _ := suggestion(p, &f, &m, d, within, nil)
	return s, Eligible
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
		floor2 = geo.ChordSquared(c.TravelKm + floorBandKm)
	}
	if c.Chord2 > floor2 {
		return RemoteFloor
	}
	return distanceScore(c.DistanceKm(), max(p.RadiusKm, c.TravelKm), false, true)
}
