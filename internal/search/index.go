// Package search is the in-memory index of mentor profiles and its queries.
//
// Every query on the embedded database scans a whole collection, so hot reads
// (mentor search, and matching, which ranks over the same index) are served
// from here. The index does no I/O: the profiles package loads it at start,
// updates it on every write in this process, and refreshes it from the
// database so several instances agree within seconds.
package search

import (
	"math"
	"math/bits"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/textnorm"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// Mode is a set of ways a mentor meets founders.
type Mode uint8

// The modes.
const (
	ModeInPerson Mode = 1 << iota
	ModeOnline
	ModePhone
)

// ModeNames maps API names to modes, in display order.
var modeNames = []struct {
	name string
	mode Mode
}{{"in_person", ModeInPerson}, {"online", ModeOnline}, {"phone", ModePhone}}

// ParseMode returns the mode named s.
func ParseMode(s string) (Mode, bool) {
	for _, m := range modeNames {
		if m.name == s {
			return m.mode, true
		}
	}
	return 0, false
}

// Names lists the modes in m by API name.
func (m Mode) Names() []string {
	var out []string
	for _, n := range modeNames {
		if m&n.mode != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// Remote reports whether m includes a way to meet without travelling.
func (m Mode) Remote() bool { return m&(ModeOnline|ModePhone) != 0 }

// Mentor is what the index knows of one mentor: the public profile summary
// plus what search and matching filter and rank on. Slices are never mutated
// after a Mentor is handed to the index. (Four one-byte fields fill the space
// after the 12-byte id: 100,000 of these stay in memory, and padding each
// would cost 3 MB.)
type Mentor struct {
	ID               bson.ObjectID
	Modes            Mode
	Accepting        bool
	Verified         bool
	Independent      bool
	DisplayName      string
	Headline         string
	Topics           []string // slugs, in the mentor's order
	Tags             []string
	Industries       []string
	MunicipalityCode string
	PrefectureCode   string
	Point            geo.Point
	TravelKm         float64
	Languages        []string
	Capacity         int
	YearsExperience  int
	Stakes           []string // folded with textnorm.Fold
	ProfileVersion   int64

	// From the account: not shown to others (suspended, or the e-mail
	// address not confirmed yet).
	Unlisted bool

	// From mentorships (see SetActive and SetResponsiveness).
	Active         int     // active mentorships
	Introductions  int     // introductions considered for responsiveness
	Answered       int     // of those, answered (accepted or declined)
	MedianAnswerHr float64 // median hours to answer, over answered ones

	// Summary and Place are the parts of the public summary that need
	// escaping, encoded by the index's summarizer whenever the mentor
	// changes (empty without one), so a response copies them instead of
	// encoding them again. Place is shared by the mentors of one
	// municipality.
	Summary, Place string
}

// Free is the number of founders the mentor can still take.
func (m *Mentor) Free() int { return max(m.Capacity-m.Active, 0) }

// entry is an indexed Mentor. A change replaces the whole entry and never
// writes into a published one, so a pointer to it (View.Mentor) stays valid.
type entry struct {
	Mentor
}

// gone reports whether the mentor was removed (see Remove): a removed
// entry has no id. (No flag of its own: one more byte would push the
// entry into a larger size class.)
func (e *entry) gone() bool { return e.ID.IsZero() }

// Facts are what filtering and ranking read of a mentor. They live in one
// contiguous array parallel to Index.items, so a scan over 100,000 mentors
// reads a few megabytes sequentially instead of chasing a pointer (and its
// strings) per mentor. Everything a ranking reads of a candidate fills the
// first 64 bytes (the counts as int32, a flag for stakes), so with hot
// padded to two cache lines a candidate costs one line of facts, not two or
// three.
type Facts struct {
	ID             bson.ObjectID
	Modes          Mode // the one-byte fields beside the 12-byte id
	Accepting      bool
	Unlisted       bool
	Verified       bool
	TopicMask      uint64 // bit i: topic i of the taxonomy
	TravelKm       float64
	MedianAnswerHr float64
	Capacity       int32
	Active         int32
	Introductions  int32
	Answered       int32
	Independent    bool
	staked         bool     // len(Stakes) > 0, read without leaving the first line
	Stakes         []string // folded; usually empty, so rarely followed
}

// Free is the number of founders the mentor can still take.
func (f *Facts) Free() int { return max(int(f.Capacity)-int(f.Active), 0) }

// HasStakes reports whether the mentor declared a stake. The flag is set
// where Facts are made (the index; other packages only read them), so
// ranking need not read Stakes' header from the second line.
func (f *Facts) HasStakes() bool { return f.staked }

// hot is a mentor's Facts and grid cell, padded to two cache lines: the
// array is page-aligned past a few hundred mentors, so each mentor's first
// line is all a ranking reads of its facts.
type hot struct {
	Facts
	cell     int32   // 1 + its index in Index.cells
	priority float32 // as in the cell's lists (see SetPriority)
	_        [32]byte
}

// where is a mentor's location as a point on the unit sphere and reach, in
// an array of their own: distance tests run over many mentors whose facts
// are never read, 32 bytes each instead of a cache line or two of facts.
type where struct {
	pos          geo.Vector
	travelChord2 float64 // ChordSquared of TravelKm
}

// Index is safe for concurrent use: many readers, occasional writers.
type Index struct {
	topics *topics.Taxonomy
	// topicText holds each topic's folded Japanese and English names, by
	// topic index.
	topicText [][2]string
	intern    *interner
	mu        sync.RWMutex
	byID      map[bson.ObjectID]int
	items     []*entry
	// texts[i] is the folded name, headline, tags and industries of
	// items[i], what the free-text filter looks in besides topic names
	// (matched through topicText and the topic mask, so 100,000 mentors do
	// not each keep a copy of the names of their topics). Apart from the
	// entries, which it would push into a larger size class.
	texts []string
	// removed counts the positions of removed mentors (see Remove).
	removed int
	hot     []hot
	where   []where // parallel to hot
	// The grid and the bitsets that ranking reads (see regions.go).
	cells  []cell
	cellOf map[cellKey]int32
	// byLat are the cells' numbers in the order of their centers'
	// latitudes (lats): a pass over the cells near an origin reads only a
	// band of latitudes (see View.band), wide enough for the widest cell
	// and the longest reach of any (maxSpread, maxTravelChord).
	byLat                     []int32
	lats                      []float64
	maxSpread, maxTravelChord float64
	// heads[t][k] is the priority of the first (best) member of cell k's
	// list of topic t, -Inf when it is empty: a ranking passes over a list
	// whose best cannot make its top k without reading the list (see
	// EachMemberExactly). By topic, so a ranking's few topics are a few
	// kilobytes that stay in cache.
	heads [64][]float32
	// cellAt[i] is hot[i].cell, apart: counting reads it for many mentors
	// and should not pull in a cache line of facts for each.
	cellAt []int32
	// wordCell[w] is the cell (as in hot.cell) of every position of word w
	// of the bitsets when they share one, else 0: counting settles such a
	// word's in-person mentors by its cell alone. After Compact most words
	// are such.
	wordCell []int32
	// remote holds, by topic, every mentor who meets in a remote way
	// (online or by phone), wherever they are: a ranking reads the far
	// mentors best first from it (see EachRemote). Its lists are in
	// decreasing priority, like a cell's, once remoteOrdered: from Compact
	// on. Before, as the start-up load fills them, they are appended to,
	// which a sorted insertion into lists of thousands would make quadratic.
	remote        topicLists
	remoteOrdered bool
	flags         flagSets
	// priority orders the cells' lists (see SetPriority); nil: unordered.
	priority func(*Facts) float64
	// summarize encodes Mentor.Summary and Place (see SetSummarizer).
	summarize Summarizer
	scratch   []byte // summarize's buffer, under mu
}

// New returns an empty index over the given topic taxonomy.
func New(tx *topics.Taxonomy) *Index {
	ix := &Index{topics: tx, intern: newInterner(), byID: map[bson.ObjectID]int{}, cellOf: map[cellKey]int32{}}
	for _, t := range tx.All() {
		i, _ := tx.Index(t.Slug)
		for len(ix.topicText) <= i {
			ix.topicText = append(ix.topicText, [2]string{})
		}
		ix.topicText[i] = [2]string{textnorm.Fold(t.Ja), textnorm.Fold(t.En)}
	}
	return ix
}

// Summarizer encodes the parts of a mentor's public summary kept in the
// index: it appends the mentor's own part to dst and returns it with the
// part shared by every mentor of the same place (which it may keep).
// It must not keep m.
type Summarizer func(dst []byte, m *Mentor) (own []byte, place string)

// SetSummarizer makes the index keep each mentor's summary parts encoded by
// fn in Mentor.Summary and Place, from the next change of each mentor on:
// set it before the first Upsert.
func (ix *Index) SetSummarizer(fn Summarizer) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.summarize = fn
}

// Len returns the number of mentors indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.items) - ix.removed
}

// Remove takes a mentor out of the index (a deleted account): it is found
// by no search, ranking or report from now on, and nothing of it is kept
// but an empty place. Positions are never reused while the process runs
// (the grid and bitsets address mentors by position); a restart compacts
// them. Removing an unknown id does nothing.
func (ix *Index) Remove(id bson.ObjectID) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	i, ok := ix.byID[id]
	if !ok {
		return
	}
	delete(ix.byID, id)
	// No topics, no modes, never open: every filter passes it by. The point
	// stays so its grid cell does not move.
	e := &entry{Mentor: Mentor{Point: ix.items[i].Point, Unlisted: true}}
	ix.set(i, e)
	ix.removed++
}

// Upsert adds or replaces a mentor's profile data. A profile older than the one
// indexed is ignored (a refresh may read a snapshot older than a local write);
// the account and mentorship fields already indexed are kept.
func (ix *Index) Upsert(m Mentor) {
	// Owned copies, shared with the mentors that have the same ones.
	m.Topics = ix.intern.list(m.Topics)
	m.Languages = ix.intern.list(m.Languages)
	m.Industries = ix.intern.list(m.Industries)
	m.MunicipalityCode = ix.intern.string(m.MunicipalityCode)
	m.PrefectureCode = ix.intern.string(m.PrefectureCode)
	// Folded outside the lock: at start several loaders upsert at once, and
	// folding is most of an upsert's work.
	e, text := &entry{Mentor: m}, ix.searchText(&m)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if i, ok := ix.byID[m.ID]; ok {
		old := ix.items[i]
		if old.ProfileVersion > m.ProfileVersion {
			return
		}
		e.Active, e.Introductions, e.Answered, e.MedianAnswerHr = old.Active, old.Introductions, old.Answered, old.MedianAnswerHr
		ix.set(i, e)
		ix.texts[i] = text
		return
	}
	ix.byID[m.ID] = len(ix.items)
	ix.items = append(ix.items, nil)
	ix.texts = append(ix.texts, text)
	ix.hot = append(ix.hot, hot{})
	ix.where = append(ix.where, where{})
	ix.cellAt = append(ix.cellAt, 0)
	ix.set(len(ix.items)-1, e)
}

// set stores e, its search text already folded, at position i with its
// other derived fields; the caller holds mu.
func (ix *Index) set(i int, e *entry) {
	e.Summary, e.Place = "", ""
	if ix.summarize != nil && !e.gone() {
		// Encoded in a reused buffer and copied to its size: 100,000 of
		// these stay in memory.
		ix.scratch, e.Place = ix.summarize(ix.scratch[:0], &e.Mentor)
		e.Summary = string(ix.scratch)
	}
	ix.items[i] = e
	old := ix.hot[i]
	h := hot{Facts: ix.facts(&e.Mentor)}
	w := where{pos: e.Point.Vector(), travelChord2: geo.ChordSquared(e.TravelKm)}
	ix.place(i, &old, &h, &w, e.Point)
	ix.hot[i], ix.where[i] = h, w
	ix.cellAt[i] = h.cell
	ix.updateWordCell(i / 64)
}

// updateWordCell sets wordCell[w] from cellAt; the caller holds mu.
func (ix *Index) updateWordCell(w int) {
	for len(ix.wordCell) <= w {
		ix.wordCell = append(ix.wordCell, 0)
	}
	cells := ix.cellAt[w*64 : min(w*64+64, len(ix.cellAt))]
	shared := cells[0]
	for _, c := range cells[1:] {
		if c != shared {
			shared = 0
			break
		}
	}
	ix.wordCell[w] = shared
}

// eachCovering calls fn with the position of every mentor covering a topic of
// mask, in order; the caller holds mu. It reads the topic bitsets a word of
// 64 mentors at a time.
func (ix *Index) eachCovering(mask uint64, fn func(i int)) {
	var sets []bitset
	for m := mask; m != 0; m &= m - 1 {
		sets = append(sets, ix.flags.topics[bits.TrailingZeros64(m)])
	}
	for w := range (len(ix.hot) + 63) / 64 {
		var cover uint64
		for _, t := range sets {
			cover |= t.word(w)
		}
		for ; cover != 0; cover &= cover - 1 {
			fn(w*64 + bits.TrailingZeros64(cover))
		}
	}
}

func (ix *Index) facts(m *Mentor) Facts {
	return Facts{
		ID: m.ID, TopicMask: ix.TopicMask(m.Topics), Modes: m.Modes, TravelKm: m.TravelKm,
		Capacity: clamp32(m.Capacity), Active: clamp32(m.Active), Accepting: m.Accepting, Unlisted: m.Unlisted,
		Verified: m.Verified, Independent: m.Independent, Introductions: clamp32(m.Introductions),
		Answered: clamp32(m.Answered), MedianAnswerHr: m.MedianAnswerHr, Stakes: m.Stakes, staked: len(m.Stakes) > 0,
	}
}

// clamp32 is n as an int32, saturated (counts are far below either bound).
func clamp32(n int) int32 { return int32(max(min(n, math.MaxInt32), math.MinInt32)) }

// Each calls fn for every indexed mentor under the read lock (reports read
// the whole index). fn must not keep or modify the Mentor.
func (ix *Index) Each(fn func(m *Mentor)) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for _, e := range ix.items {
		if !e.gone() {
			fn(&e.Mentor)
		}
	}
}

// Facts returns what ranking reads of one mentor.
func (ix *Index) Facts(id bson.ObjectID) (Facts, geo.Point, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	i, ok := ix.byID[id]
	if !ok {
		return Facts{}, geo.Point{}, false
	}
	return ix.hot[i].Facts, ix.items[i].Point, true
}

// SetUser updates the account fields of an indexed mentor.
func (ix *Index) SetUser(id bson.ObjectID, displayName string, unlisted bool) {
	ix.update(id, func(m *Mentor) {
		m.DisplayName, m.Unlisted = displayName, unlisted
	})
}

// SetActive records how many active mentorships a mentor has.
func (ix *Index) SetActive(id bson.ObjectID, active int) {
	ix.update(id, func(m *Mentor) { m.Active = active })
}

// SetResponsiveness records how a mentor answered recent introductions.
func (ix *Index) SetResponsiveness(id bson.ObjectID, considered, answered int, medianHours float64) {
	ix.update(id, func(m *Mentor) {
		m.Introductions, m.Answered, m.MedianAnswerHr = considered, answered, medianHours
	})
}

// update replaces an entry with a modified copy, so readers holding the old
// pointer outside the lock never see a half-written entry.
func (ix *Index) update(id bson.ObjectID, change func(*Mentor)) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	i, ok := ix.byID[id]
	if !ok {
		return
	}
	cp := *ix.items[i]
	change(&cp.Mentor)
	if cp.DisplayName != ix.items[i].DisplayName {
		ix.texts[i] = ix.searchText(&cp.Mentor)
	}
	ix.set(i, &cp)
}

// Get returns a copy of an indexed mentor.
func (ix *Index) Get(id bson.ObjectID) (Mentor, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	i, ok := ix.byID[id]
	if !ok {
		return Mentor{}, false
	}
	return ix.items[i].Mentor, true
}

// Listed returns the mentor as others may see them: indexed and not
// unlisted (a suspended or unconfirmed mentor is simply not found).
func (ix *Index) Listed(id bson.ObjectID) (Mentor, bool) {
	m, ok := ix.Get(id)
	return m, ok && !m.Unlisted
}

// IDs returns the ids of every indexed mentor.
func (ix *Index) IDs() []bson.ObjectID {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]bson.ObjectID, 0, len(ix.items)-ix.removed)
	for _, e := range ix.items {
		if !e.gone() {
			out = append(out, e.ID)
		}
	}
	return out
}

// Candidate is what a View hands to ranking: a mentor's facts, how far it
// is from the view's origin, and its position for Mentor.
type Candidate struct {
	*Facts
	// Chord2 is the squared chord to the origin: it orders and compares
	// distances without trigonometry (see ChordSquared); DistanceKm converts.
	Chord2       float64
	TravelChord2 float64 // ChordSquared of the mentor's TravelKm
	pos          int
}

// DistanceKm is the great-circle distance to the scan's origin.
func (c *Candidate) DistanceKm() float64 { return geo.ChordKm(c.Chord2) }

// TopicMask returns the bit mask of the given slugs; unknown slugs are ignored.
func (ix *Index) TopicMask(slugs []string) uint64 {
	var mask uint64
	for _, s := range slugs {
		if i, ok := ix.topics.Index(s); ok {
			mask |= 1 << uint(i)
		}
	}
	return mask
}

// searchText is what the free-text filter q looks in, besides topic names
// (see textTopics).
func (ix *Index) searchText(m *Mentor) string {
	parts := []string{m.DisplayName, m.Headline}
	parts = append(parts, m.Tags...)
	parts = append(parts, m.Industries...)
	return textnorm.Fold(strings.Join(parts, "\n"))
}

// textTopics returns the mask of the topics whose folded name contains the
// folded text q: a mentor with one of them matches q as if its topic names
// were in its search text.
func (ix *Index) textTopics(q string) uint64 {
	var mask uint64
	if q == "" {
		return 0
	}
	for i, names := range ix.topicText {
		if strings.Contains(names[0], q) || strings.Contains(names[1], q) {
			mask |= 1 << uint(i)
		}
	}
	return mask
}
