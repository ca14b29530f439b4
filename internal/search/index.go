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
	"slices"
	"strings"
	"sync"
	"time"

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
// after a Mentor is handed to the index.
type Mentor struct {
	ID               bson.ObjectID
	DisplayName      string
	Headline         string
	Topics           []string // slugs, in the mentor's order
	Tags             []string
	Industries       []string
	MunicipalityCode string
	PrefectureCode   string
	Point            geo.Point
	TravelKm         float64
	Modes            Mode
	Languages        []string
	Capacity         int
	Accepting        bool
	YearsExperience  int
	Verified         bool
	Independent      bool
	Stakes           []string // folded with textnorm.Fold
	ProfileVersion   int64
	ProfileUpdated   time.Time

	// From the account.
	Suspended bool

	// From mentorships (see SetActive and SetResponsiveness).
	Active         int     // active mentorships
	Introductions  int     // introductions considered for responsiveness
	Answered       int     // of those, answered (accepted or declined)
	MedianAnswerHr float64 // median hours to answer, over answered ones
}

// Free is the number of founders the mentor can still take.
func (m *Mentor) Free() int { return max(m.Capacity-m.Active, 0) }

// entry is a Mentor with its folded search text.
type entry struct {
	Mentor
	text string // folded name, headline, tags, industries and topic names
}

// hot is what every query filters on, kept in one contiguous array parallel
// to Index.items: a scan over 100,000 mentors then reads a few megabytes
// sequentially instead of chasing a pointer per mentor.
type hot struct {
	topicMask uint64
	lat       float64 // degrees, for the cheap latitude pre-check
	sinLat    float64
	cosLat    float64
	lonRad    float64
	id        bson.ObjectID
	modes     Mode
	suspended bool
	open      bool // accepting requests with a free place
}

// Index is safe for concurrent use: many readers, occasional writers.
type Index struct {
	topics *topics.Taxonomy
	mu     sync.RWMutex
	byID   map[bson.ObjectID]int
	items  []*entry
	hot    []hot
}

// New returns an empty index over the given topic taxonomy.
func New(tx *topics.Taxonomy) *Index {
	return &Index{topics: tx, byID: map[bson.ObjectID]int{}}
}

// Len returns the number of mentors indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.items)
}

// Upsert adds or replaces a mentor's profile data. A profile older than the one
// indexed is ignored (a refresh may read a snapshot older than a local write);
// the account and mentorship fields already indexed are kept.
func (ix *Index) Upsert(m Mentor) {
	m.Topics = slices.Clone(m.Topics)
	e := &entry{Mentor: m}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if i, ok := ix.byID[m.ID]; ok {
		old := ix.items[i]
		if old.ProfileVersion > m.ProfileVersion {
			return
		}
		e.Active, e.Introductions, e.Answered, e.MedianAnswerHr = old.Active, old.Introductions, old.Answered, old.MedianAnswerHr
		ix.set(i, e)
		return
	}
	ix.byID[m.ID] = len(ix.items)
	ix.items = append(ix.items, nil)
	ix.hot = append(ix.hot, hot{})
	ix.set(len(ix.items)-1, e)
}

// set stores e at position i with its derived fields; the caller holds mu.
func (ix *Index) set(i int, e *entry) {
	e.text = ix.searchText(&e.Mentor)
	lat := e.Point.Lat * math.Pi / 180
	ix.items[i] = e
	ix.hot[i] = hot{
		topicMask: ix.TopicMask(e.Topics),
		lat:       e.Point.Lat,
		sinLat:    math.Sin(lat),
		cosLat:    math.Cos(lat),
		lonRad:    e.Point.Lon * math.Pi / 180,
		id:        e.ID,
		modes:     e.Modes,
		suspended: e.Suspended,
		open:      e.Accepting && e.Free() > 0,
	}
}

// SetUser updates the account fields of an indexed mentor.
func (ix *Index) SetUser(id bson.ObjectID, displayName string, suspended bool) {
	ix.update(id, func(m *Mentor) {
		m.DisplayName, m.Suspended = displayName, suspended
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

// IDs returns the ids of every indexed mentor.
func (ix *Index) IDs() []bson.ObjectID {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]bson.ObjectID, len(ix.items))
	for i, e := range ix.items {
		out[i] = e.ID
	}
	return out
}

// Candidate is what ScanTopics hands to its callback: a read-only view of a
// mentor plus the precomputed fields rankers need.
type Candidate struct {
	*Mentor
	TopicMask  uint64
	DistanceKm float64 // from the scan's origin
}

// ScanTopics calls fn, under the read lock, for every mentor who is not
// suspended and covers at least one topic of mask, with its distance from
// origin. fn must not keep or modify the Mentor. It is how matching ranks
// without copying the index.
func (ix *Index) ScanTopics(mask uint64, origin Prepared, fn func(Candidate)) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for i := range ix.hot {
		h := &ix.hot[i]
		if h.suspended || h.topicMask&mask == 0 {
			continue
		}
		fn(Candidate{Mentor: &ix.items[i].Mentor, TopicMask: h.topicMask, DistanceKm: h.distanceKm(origin)})
	}
}

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

// searchText is what the free-text filter q looks in.
func (ix *Index) searchText(m *Mentor) string {
	parts := []string{m.DisplayName, m.Headline}
	parts = append(parts, m.Tags...)
	parts = append(parts, m.Industries...)
	for _, slug := range m.Topics {
		if t, ok := ix.topics.Get(slug); ok {
			parts = append(parts, t.Ja, t.En)
		}
	}
	return textnorm.Fold(strings.Join(parts, "\n"))
}

// Prepared is a point with its trigonometry computed once per query.
type Prepared struct {
	Point  geo.Point
	sinLat float64
	cosLat float64
	lonRad float64
}

// Prepare readies p for many distance computations.
func Prepare(p geo.Point) Prepared {
	lat := p.Lat * math.Pi / 180
	return Prepared{Point: p, sinLat: math.Sin(lat), cosLat: math.Cos(lat), lonRad: p.Lon * math.Pi / 180}
}

// distanceKm is the haversine distance using the precomputed terms; it agrees
// with geo.DistanceKm (tested) but saves four trigonometric calls per mentor.
func (e *hot) distanceKm(p Prepared) float64 {
	// haversine: a = sin²(Δφ/2) + cosφ1 cosφ2 sin²(Δλ/2). sin²(Δφ/2) comes from
	// the stored sines and cosines: sinΔφ = sinφ1 cosφ2 − cosφ1 sinφ2,
	// cosΔφ = cosφ1 cosφ2 + sinφ1 sinφ2, and sin²(Δφ/2) = sin²Δφ / (2(1+cosΔφ)),
	// which keeps full precision for nearby points (1−cosΔφ would not).
	sinDLat := e.sinLat*p.cosLat - e.cosLat*p.sinLat
	cosDLat := e.cosLat*p.cosLat + e.sinLat*p.sinLat
	sDLon := math.Sin((e.lonRad - p.lonRad) / 2)
	a := sinDLat*sinDLat/(2*(1+cosDLat)) + e.cosLat*p.cosLat*sDLon*sDLon
	a = min(max(a, 0), 1)
	return 2 * geo.EarthRadiusKm * math.Asin(math.Sqrt(a))
}
