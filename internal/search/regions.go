package search

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/geo"
)

// Ranking a request must count every eligible mentor in Japan but score only
// the few that can make the top k. Two structures, kept up to date by set,
// make both cheap:
//
//   - bitsets of the flags eligibility reads (topics, open, independent,
//     modes, stakes), so the mentors who are eligible wherever they are (they
//     meet online or by phone) are counted a word of 64 at a time, and the
//     far ones who cover given topics are found the same way (EachRemote);
//   - a grid of cells of cellDegrees, each with bounds over its members
//     (nearest possible point, longest travel distance, topics), so a ranking
//     can tell the cells near enough for distance to matter from the rest
//     (Regions) and visit only their members (EachMember).
//
// Both address mentors by position. After the start-up load, Compact
// renumbers them by cell, so a cell's members are neighbours in every array
// and bitset (most words of 64 positions lie in one cell: see wordCell).

// cellDegrees is the grid's step in latitude and longitude: about 55 x 40 km
// in Japan, so the cells near a request are a few dozen, and all of Japan is
// a few hundred.
const cellDegrees = 0.5

type cellKey struct{ lat, lon int16 }

func keyOf(p geo.Point) cellKey {
	return cellKey{int16(math.Floor(p.Lat / cellDegrees)), int16(math.Floor(p.Lon / cellDegrees))}
}

// cell is one square of the grid. Its bounds only grow (a mentor moving out
// leaves them as they were, but an empty cell covers no topics): an upper
// bound that is a little loose is still a bound, and the next restart
// tightens it. The bounds fill one cache line and the lists are apart: a
// ranking reads the bounds of every cell (Regions, Count), and the lists of
// a few.
type cell struct {
	center geo.Vector
	// spread: no member is farther than this chord from center.
	spread      float64
	maxTravelKm float64
	travelChord float64 // the chord of maxTravelKm
	topics      uint64  // union of the members' topic masks; 0 when none
	lists       *cellLists
}

// cellLists are a cell's members.
type cellLists struct {
	// byTopic[t] are the members who cover topic t, in decreasing
	// priority: a ranking reads the lists of the requested topics only
	// (each a few percent of the cell), not every member.
	byTopic topicLists
	n       int // members
	// words are the words of the bitsets that hold a member (see addWord):
	// counting reads only those of the cells near an origin.
	words []int32
}

// member is a position in a cell with its topics, so a cell's mentors are
// filtered by topic without touching their facts, and its priority (see
// SetPriority): each list is kept in decreasing priority.
type member struct {
	topics   uint64
	pos      int32
	priority float32
}

// bitset is a set of positions.
type bitset []uint64

func (b *bitset) put(i int, on bool) {
	w := i / 64
	for len(*b) <= w {
		*b = append(*b, 0)
	}
	if on {
		(*b)[w] |= 1 << uint(i%64)
	} else {
		(*b)[w] &^= 1 << uint(i%64)
	}
}

func (b bitset) has(i int) bool { return b.word(i/64)&(1<<uint(i%64)) != 0 }

func (b bitset) word(w int) uint64 {
	if w < len(b) {
		return b[w]
	}
	return 0
}

// flagSets are the bitsets of what eligibility reads.
type flagSets struct {
	topics      [64]bitset
	open        bitset // accepting requests, a free place, not suspended
	independent bitset
	stakes      bitset // declared at least one stake
	// stakeWords has bit w set when word w of stakes is not 0: counting
	// reads those words wherever they are.
	stakeWords bitset
	modes      [3]bitset
	// remoteCounts count mentors by topic set (see countRemote).
	remoteCounts map[remoteKey]int32
}

// remote is word w of the set of mentors who meet in a remote way of modes.
func (fs *flagSets) remote(modes Mode, w int) uint64 {
	var x uint64
	if modes&ModeOnline != 0 {
		x |= fs.modes[1].word(w)
	}
	if modes&ModePhone != 0 {
		x |= fs.modes[2].word(w)
	}
	return x
}

// place updates the grid, the bitsets and the remote counts for position i,
// whose facts were old (zero for a new position) and are now h. The caller
// holds mu.
func (ix *Index) place(i int, old, h *hot, w *where, p geo.Point) {
	ix.placeInCell(i, old, h, w, p)
	ix.placeRemote(i, old, h)
	ix.placeFlags(i, old, h)
	ix.flags.countRemote(old, -1)
	ix.flags.countRemote(h, 1)
}

// placeFlags updates the bitsets for position i, whose facts were old and
// are now h.
func (ix *Index) placeFlags(i int, old, h *hot) {
	for gone := old.TopicMask &^ h.TopicMask; gone != 0; gone &= gone - 1 {
		ix.flags.topics[bits.TrailingZeros64(gone)].put(i, false)
	}
	for m := h.TopicMask; m != 0; m &= m - 1 {
		ix.flags.topics[bits.TrailingZeros64(m)].put(i, true)
	}
	ix.flags.open.put(i, h.Accepting && !h.Unlisted && h.Free() > 0)
	ix.flags.independent.put(i, h.Independent)
	ix.flags.stakes.put(i, len(h.Stakes) > 0)
	ix.flags.stakeWords.put(i/64, ix.flags.stakes.word(i/64) != 0)
	for b := range ix.flags.modes {
		ix.flags.modes[b].put(i, h.Modes&(1<<uint(b)) != 0)
	}
}

func (ix *Index) placeInCell(i int, old, h *hot, w *where, p geo.Point) {
	key := keyOf(p)
	c, ok := ix.cellOf[key]
	if !ok {
		c = int32(len(ix.cells))
		ix.cellOf[key] = c
		center := geo.Point{Lat: (float64(key.lat) + 0.5) * cellDegrees, Lon: (float64(key.lon) + 0.5) * cellDegrees}
		ix.cells = append(ix.cells, cell{center: center.Vector(), lists: new(cellLists)})
		k, _ := slices.BinarySearch(ix.lats, center.Lat)
		ix.lats, ix.byLat = slices.Insert(ix.lats, k, center.Lat), slices.Insert(ix.byLat, k, c)
		for t := range ix.heads {
			ix.heads[t] = append(ix.heads[t], float32(math.Inf(-1)))
		}
	}
	h.cell = c + 1
	h.priority = ix.priorityOf(&h.Facts)
	if old.cell != h.cell || old.TopicMask != h.TopicMask || old.priority != h.priority {
		if old.cell != 0 {
			ix.cells[old.cell-1].remove(int32(i), old.TopicMask)
			ix.setHeads(old.cell-1, old.TopicMask)
		}
		ix.cells[c].add(member{topics: h.TopicMask, pos: int32(i), priority: h.priority})
		ix.setHeads(c, h.TopicMask)
		if old.cell != h.cell {
			ix.cells[c].addWord(int32(i / 64))
		}
	}
	cl := &ix.cells[c]
	cl.spread = max(cl.spread, math.Sqrt(w.pos.Chord2(cl.center)))
	if h.TravelKm > cl.maxTravelKm {
		cl.maxTravelKm, cl.travelChord = h.TravelKm, math.Sqrt(w.travelChord2)
	}
	cl.topics |= h.TopicMask
	ix.maxSpread, ix.maxTravelChord = max(ix.maxSpread, cl.spread), max(ix.maxTravelChord, cl.travelChord)
}

// setHeads refreshes heads for cell k's lists of the topics of mask; the
// caller holds mu.
func (ix *Index) setHeads(k int32, mask uint64) {
	for t := mask; t != 0; t &= t - 1 {
		b := bits.TrailingZeros64(t)
		head := float32(math.Inf(-1))
		if list := ix.cells[k].lists.byTopic[b]; len(list) > 0 {
			head = list[0].priority
		}
		ix.heads[b][k] = head
	}
}

// topicLists are members by topic: list t holds those who cover topic t,
// in decreasing priority (see SetPriority; the remote lists only from
// Compact on, see Index.remote).
type topicLists [64][]member

// placeRemote keeps position i in the remote lists while it meets in a
// remote way; old is zero for a new position. Called after placeInCell,
// which sets h.priority.
func (ix *Index) placeRemote(i int, old, h *hot) {
	was, is := old.Modes.Remote(), h.Modes.Remote()
	if was == is && (!is || old.TopicMask == h.TopicMask && old.priority == h.priority) {
		return
	}
	if was {
		ix.remote.remove(int32(i), old.TopicMask)
	}
	if !is {
		return
	}
	m := member{topics: h.TopicMask, pos: int32(i), priority: h.priority}
	if ix.remoteOrdered {
		ix.remote.add(m)
	} else {
		ix.remote.append(m)
	}
}

// add puts m in the lists of its topics, each kept in decreasing priority.
func (c *cell) add(m member) {
	c.lists.n++
	c.lists.byTopic.add(m)
}

func (c *cell) remove(i int32, topics uint64) {
	c.lists.n--
	c.lists.byTopic.remove(i, topics)
	if c.lists.n == 0 {
		c.topics = 0
	}
}

func (l *topicLists) add(m member) {
	for t := m.topics; t != 0; t &= t - 1 {
		b := bits.TrailingZeros64(t)
		list := l[b]
		// After every member of a higher or equal priority.
		k, _ := slices.BinarySearchFunc(list, m.priority, func(x member, p float32) int {
			if x.priority >= p {
				return -1
			}
			return 1
		})
		l[b] = slices.Insert(list, k, m)
	}
}

func (l *topicLists) remove(i int32, topics uint64) {
	for t := topics; t != 0; t &= t - 1 {
		b := bits.TrailingZeros64(t)
		list := l[b]
		k := slices.IndexFunc(list, func(m member) bool { return m.pos == i })
		l[b] = slices.Delete(list, k, k+1)
	}
}

// append puts m at the end of the lists of its topics (see sort).
func (l *topicLists) append(m member) {
	for t := m.topics; t != 0; t &= t - 1 {
		b := bits.TrailingZeros64(t)
		l[b] = append(l[b], m)
	}
}

// sort puts every list in decreasing priority, ties by position (as add
// keeps them when positions are added in order).
func (l *topicLists) sort() {
	for _, list := range l {
		slices.SortStableFunc(list, func(a, b member) int { return cmp.Compare(b.priority, a.priority) })
	}
}

// clear empties the lists, keeping their arrays.
func (l *topicLists) clear() {
	for t := range l {
		l[t] = l[t][:0]
	}
}

// priorityOf is a mentor's priority as kept in the cells' lists: the
// priority function's value rounded up to a float32, so that a bound read
// from a list is never below the true one.
func (ix *Index) priorityOf(f *Facts) float32 {
	if ix.priority == nil {
		return 0
	}
	p := ix.priority(f)
	q := float32(p)
	if float64(q) < p {
		q = math.Nextafter32(q, float32(math.Inf(1)))
	}
	return q
}

// SetPriority orders every cell's lists by fn (highest first), from now on
// as mentors change: a ranking that knows fn bounds part of each member's
// score stops reading a list at the first member that cannot make its top
// k (see EachMemberExactly). fn must depend on the Facts alone. It may be set
// after mentors are indexed (the lists are rebuilt).
func (ix *Index) SetPriority(fn func(*Facts) float64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.priority = fn
	for k := range ix.cells {
		c := &ix.cells[k]
		c.lists.byTopic, c.lists.n = topicLists{}, 0
	}
	ix.remote = topicLists{}
	for i := range ix.hot {
		h := &ix.hot[i]
		h.priority = ix.priorityOf(&h.Facts)
		m := member{topics: h.TopicMask, pos: int32(i), priority: h.priority}
		if h.cell != 0 {
			ix.cells[h.cell-1].add(m)
		}
		if h.Modes.Remote() {
			ix.remote.append(m)
		}
	}
	if ix.remoteOrdered {
		ix.remote.sort()
	}
	for k := range ix.cells {
		ix.setHeads(int32(k), ^uint64(0))
	}
}

// Prioritized reports whether the cells' lists are ordered (SetPriority).
func (v *View) Prioritized() bool { return v.ix.priority != nil }

// Filter is what counting reads of a request: see Count.
type Filter struct {
	Topics          uint64 // cover at least one
	Modes           Mode   // the ways the founder accepts (not 0)
	IndependentOnly bool
	Exclude         bson.ObjectID // the founder, when a mentor too
	// Radius2 is the founder's reach as a squared chord: a mentor who
	// shares only in-person meetings counts within max(Radius2, their own
	// TravelChord2) of the origin.
	Radius2 float64
}

// Region is one cell of the grid as a ranking sees it: bounds over every
// mentor in it. Its zero value is no region.
type Region struct {
	// MinChord2: no member is nearer the origin than this squared chord.
	MinChord2   float64
	MaxTravelKm float64
	// MaxTravelChord is the chord (not squared) of MaxTravelKm.
	MaxTravelChord float64
	Topics         uint64 // union of the members' topics
	Cell           int    // the cell's number, below View.Cells
}

// View is a read-only look at the index, valid only inside the View call
// that handed it out.
type View struct {
	ix     *Index
	origin geo.Prepared
	// Scratch of Count.
	reach       []uint8
	near, visit bitset
}

// viewPool recycles views with their scratch: a few kilobytes a ranking.
var viewPool = sync.Pool{New: func() any { return new(View) }}

// View calls fn under the read lock with a view from origin. Nothing may be
// kept past fn.
func (ix *Index) View(origin geo.Prepared, fn func(v *View)) {
	v := viewPool.Get().(*View)
	v.ix, v.origin = ix, origin
	ix.mu.RLock()
	defer func() {
		ix.mu.RUnlock()
		v.ix = nil
		viewPool.Put(v)
	}()
	fn(v)
}

// band returns the cells (by number) where a member may be within chord
// reach of the view's origin: those whose centers' latitudes are near
// enough, for a chord is at least that of the difference of latitudes, and
// a member at most maxSpread from its cell's center.
func (v *View) band(reach float64) []int32 {
	w := reach + v.ix.maxSpread + 1e-9
	if w >= 2 { // a diameter: every cell
		return v.ix.byLat
	}
	deg := 2 * math.Asin(w/2) * 180 / math.Pi
	lats, lat := v.ix.lats, v.origin.Point.Lat
	lo, _ := slices.BinarySearch(lats, lat-deg)
	hi, _ := slices.BinarySearch(lats, math.Nextafter(lat+deg, math.Inf(1))) // past lat+deg
	return v.ix.byLat[lo:max(lo, hi)]
}

// Count counts the mentors who are open (accepting, with a free place, not
// suspended), cover a topic of f, share a mode with f and pass
// f.IndependentOnly. Those who share a remote mode are counted as they are,
// those who share only in-person meetings when within reach (see
// f.Radius2); those with stakes and f.Exclude are counted when check says so.
//
// For up to maxCountedTopics topics the first kind comes from the index's
// counts (countRemote), and only the words of the bitsets that hold members
// of cells within some reach, mentors with stakes or f.Exclude are read.
func (v *View) Count(f Filter, check func(Candidate) bool) int {
	fs := &v.ix.flags
	topicSets := make([]bitset, 0, 8) // on the stack: requests ask for at most 5 topics
	for m := f.Topics; m != 0; m &= m - 1 {
		topicSets = append(topicSets, fs.topics[bits.TrailingZeros64(m)])
	}
	exclude, hasExclude := v.ix.byID[f.Exclude]
	reach, band := v.reachOfCells(f.Radius2)
	words := (len(v.ix.hot) + 63) / 64
	counted := len(topicSets) <= maxCountedTopics
	// near: the words (a bit each) that hold a member of a cell within
	// some reach, or (not counted) every word. visit: those and the words
	// with stakes or f.Exclude, the only ones read.
	near := slices.Grow(v.near[:0], (words+63)/64)[:(words+63)/64]
	visit := slices.Grow(v.visit[:0], len(near))[:len(near)]
	v.near, v.visit = near, visit
	n := 0
	if counted {
		n = fs.remoteCount(f.Topics, f.Modes, f.IndependentOnly)
		clear(near)
		for _, k := range band { // outside it, every cell is out of reach
			if reach[k] != reachNone {
				for _, w := range v.ix.cells[k].lists.words {
					near.put(int(w), true)
				}
			}
		}
	} else {
		for j := range near {
			near[j] = ^uint64(0)
		}
	}
	for j := range visit {
		visit[j] = near[j] | fs.stakeWords.word(j)
	}
	if hasExclude {
		visit.put(exclude/64, true)
	}
	for j, ws := range visit {
		for ; ws != 0; ws &= ws - 1 {
			w := j*64 + bits.TrailingZeros64(ws)
			if w >= words {
				break
			}
			stakes := fs.stakes.word(w)
			special := stakes
			if hasExclude && exclude/64 == w {
				special |= 1 << uint(exclude%64)
			}
			var cover uint64
			for _, t := range topicSets {
				cover |= t.word(w)
			}
			base := cover & fs.open.word(w)
			if f.IndependentOnly {
				base &= fs.independent.word(w)
			}
			if base == 0 {
				continue
			}
			remote := fs.remote(f.Modes, w)
			if counted {
				// The counts hold f.Exclude when it meets remotely and has
				// no stakes: check (below) decides for it instead.
				n -= bits.OnesCount64(base & remote & special &^ stakes)
			} else {
				n += bits.OnesCount64(base & remote &^ special)
			}
			shared := remote
			if f.Modes&ModeInPerson != 0 {
				shared |= fs.modes[0].word(w)
			}
			// In person only: most cells are wholly in or out of reach,
			// and most words (after Compact) wholly in one cell.
			if inPerson := base & shared &^ remote &^ special; inPerson != 0 && near.has(w) {
				if c := v.ix.wordCell[w]; c != 0 {
					switch reach[c-1] {
					case reachAll:
						n += bits.OnesCount64(inPerson)
					case reachSome: // the cell is known: test each member
						n += v.countWithin(w, inPerson, f.Radius2)
					}
				} else {
					n += v.countMixedWord(w, inPerson, f.Radius2, reach)
				}
			}
			for rest := base & shared & special; rest != 0; rest &= rest - 1 {
				if check(v.candidate(w*64 + bits.TrailingZeros64(rest))) {
					n++
				}
			}
		}
	}
	return n
}

// countWithin counts the members at the positions of bits of word w who
// are within reach.
func (v *View) countWithin(w int, bits64 uint64, radius2 float64) int {
	n := 0
	for rest := bits64; rest != 0; rest &= rest - 1 {
		if v.within(w*64+bits.TrailingZeros64(rest), radius2) {
			n++
		}
	}
	return n
}

// countMixedWord is countWithin for a word whose positions lie in several
// cells (mentors added or moved since Compact): each cell's reach first.
func (v *View) countMixedWord(w int, bits64 uint64, radius2 float64, reach []uint8) int {
	n := 0
	for rest := bits64; rest != 0; rest &= rest - 1 {
		i := w*64 + bits.TrailingZeros64(rest)
		switch reach[v.ix.cellAt[i]-1] {
		case reachAll:
			n++
		case reachSome:
			if v.within(i, radius2) {
				n++
			}
		}
	}
	return n
}

// within reports whether the mentor at position i is within reach of the
// origin: max(radius2, their own travel chord squared).
func (v *View) within(i int, radius2 float64) bool {
	at := &v.ix.where[i]
	return at.pos.Chord2(v.origin.Vector) <= max(radius2, at.travelChord2)
}

// How much of a cell is within reach of an origin.
const (
	reachNone uint8 = iota
	reachSome
	reachAll
)

// reachOfCells tells, by cell, whether its members are all, some or none
// within reach of the view's origin: within max(radius2, their own travel
// chord squared). Chords are straight-line distances, so the triangle
// inequality bounds every member by the center's chord and the spread; the
// slack leaves doubtful cells to the exact test. It returns the band of
// cells it read (see band): every other cell is out of reach.
func (v *View) reachOfCells(radius2 float64) (reach []uint8, band []int32) {
	out := slices.Grow(v.reach[:0], len(v.ix.cells))[:len(v.ix.cells)]
	clear(out) // reachNone, the cells outside the band
	v.reach = out
	radius := math.Sqrt(radius2)
	band = v.band(max(radius, v.ix.maxTravelChord))
	for _, k := range band {
		c := &v.ix.cells[k]
		// Squared, so most cells (far ones) are settled without a root.
		d2 := c.center.Chord2(v.origin.Vector)
		none := max(radius, c.travelChord) + 1e-9 + c.spread
		all := radius - 1e-9 - c.spread
		switch {
		case d2 > none*none:
			out[k] = reachNone
		case all > 0 && d2 < all*all:
			out[k] = reachAll
		default:
			out[k] = reachSome
		}
	}
	return out, band
}

// Regions appends to out the cells holding a mentor who covers a topic of
// mask and may be within max(radiusChord, their own travel chord) +
// slackChord of the view's origin (slackChord may be +Inf: every such
// cell), with their bounds from the origin.
func (v *View) Regions(mask uint64, radiusChord, slackChord float64, out []Region) []Region {
	for _, k := range v.band(max(radiusChord, v.ix.maxTravelChord) + slackChord) {
		c := &v.ix.cells[k]
		if c.topics&mask == 0 { // or empty
			continue
		}
		// Triangle inequality on chords: a member is at least the distance
		// to the center less the cell's spread. The small slack keeps the
		// bound below any rounding of a member's own chord. Squared first,
		// so the far cells need no root.
		d2 := c.center.Chord2(v.origin.Vector)
		if reach := max(radiusChord, c.travelChord) + slackChord + c.spread + 1e-9; d2 > reach*reach {
			continue
		}
		nearest := max(math.Sqrt(d2)-c.spread-1e-9, 0)
		out = append(out, Region{MinChord2: nearest * nearest, MaxTravelKm: c.maxTravelKm, MaxTravelChord: c.travelChord, Topics: c.topics, Cell: int(k)})
	}
	return out
}

// Ref is a mentor of a view, to be read with Candidate.
type Ref int32

// EachMemberExactly calls fn with every open member (see Count) of r whose
// topics among mask are exactly sub (not 0), in decreasing priority, and
// stops at the first one whose priority is below floor() (asked again after
// each call of fn: a ranking raises it as its top k fills). They are all in the list
// of sub's lowest topic, so only that list is read, and the open bitset
// rules out the others before their facts are read.
func (v *View) EachMemberExactly(r Region, mask, sub uint64, floor func() float64, fn func(m Ref)) {
	open := v.ix.flags.open
	least := floor() // it can change only when fn has been called
	t := bits.TrailingZeros64(sub)
	if float64(v.ix.heads[t][r.Cell]) < least {
		return // not even the list's best: the list is not read
	}
	for _, m := range v.ix.cells[r.Cell].lists.byTopic[t] {
		if float64(m.priority) < least {
			return
		}
		if m.topics&mask == sub && open.has(int(m.pos)) {
			fn(Ref(m.pos))
			least = floor()
		}
	}
}

// EachMember calls fn once with every open member of r who covers a topic
// of mask: from the list of the lowest topic of mask each one covers.
func (v *View) EachMember(r Region, mask uint64, fn func(m Ref)) {
	open := v.ix.flags.open
	for t := mask; t != 0; t &= t - 1 {
		lowest := t & -t
		for _, m := range v.ix.cells[r.Cell].lists.byTopic[bits.TrailingZeros64(t)] {
			if c := m.topics & mask; c&-c == lowest && open.has(int(m.pos)) {
				fn(Ref(m.pos))
			}
		}
	}
}

// Candidate returns what ranking reads of a member.
func (v *View) Candidate(m Ref) Candidate { return v.candidate(int(m)) }

// Cells is the number of cells: Region.Cell and Candidate.Cell are below it.
func (v *View) Cells() int { return len(v.ix.cells) }

// EachRemote calls fn for every open mentor (see Count) who covers every
// topic of all and no topic of f.Topics outside all, shares a remote mode of
// f.Modes and passes f.IndependentOnly, except those in a cell marked in
// skip. These are the mentors whose score, far from the origin, depends on
// their facts alone: it is how a ranking visits far mentors best first. They
// are all in the remote list of all's lowest topic; once the index is
// compacted (see Index.remoteOrdered) they come in decreasing priority, and
// the walk stops at the first one whose priority is below floor() (asked
// again after each call of fn, as in EachMemberExactly).
func (v *View) EachRemote(all uint64, f Filter, skip []bool, floor func() float64, fn func(Candidate)) {
	fs := &v.ix.flags
	ordered := v.ix.remoteOrdered
	least := math.Inf(-1)
	if ordered {
		least = floor()
	}
	for _, m := range v.ix.remote[bits.TrailingZeros64(all)] {
		if float64(m.priority) < least {
			return
		}
		i := int(m.pos)
		if m.topics&f.Topics != all || !fs.open.has(i) || fs.remote(f.Modes, i/64)&(1<<uint(i%64)) == 0 ||
			f.IndependentOnly && !fs.independent.has(i) || skip[v.ix.cellAt[i]-1] {
			continue
		}
		fn(v.candidate(i))
		if ordered {
			least = floor()
		}
	}
}

// Mentor returns the candidate's mentor as the index holds it: shared, so it
// must not be modified, and safe to read after the view ends (the index
// replaces an entry when a mentor changes, never writes into one).
func (v *View) Mentor(c Candidate) *Mentor { return &v.ix.items[c.pos].Mentor }

func (v *View) candidate(i int) Candidate {
	w := &v.ix.where[i]
	return Candidate{Facts: &v.ix.hot[i].Facts, Chord2: w.pos.Chord2(v.origin.Vector), TravelChord2: w.travelChord2, pos: i}
}
