package search

import (
	"bytes"
	"cmp"
	"math/bits"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/cursor"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/textnorm"
)

// Limits of a query.
const (
	DefaultLimit    = 20
	MaxLimit        = 100
	DefaultRadiusKm = 50
	MaxRadiusKm     = 3000 // Japan end to end
	MaxTopics       = 10
)

// Query filters mentors. Zero values mean "no filter".
type Query struct {
	Topics        []string   // mentors covering any of these slugs
	Near          *geo.Point // with RadiusKm: only mentors within reach, nearest first among equals
	RadiusKm      float64    // defaults to DefaultRadiusKm when Near is set
	Mode          Mode       // mentors offering this mode
	AcceptingOnly bool       // only mentors accepting requests with free capacity
	Text          string     // free text, matched in name, headline, tags, industries and topic names
	Limit         int
	Cursor        string // from a previous Result.NextCursor
}

// Hit is one mentor found.
type Hit struct {
	Mentor        Mentor
	DistanceKm    *float64 // set when the query had Near
	MatchedTopics []string // requested topics the mentor covers, in the query's order
}

// Result is one page of hits.
type Result struct {
	Hits       []Hit
	NextCursor string // empty on the last page
}

// sortKey orders hits; the key of a page's last hit is its cursor (keyset
// pagination, so a page never repeats or skips a mentor that did not change).
type sortKey struct {
	matched  int
	distance float64 // squared chord to Near (0 without Near)
	id       bson.ObjectID
	pos      int // position in the index while the read lock is held
}

// cursorKey is a sortKey as carried in a cursor.
type cursorKey struct {
	Matched  int           `json:"m"`
	Distance float64       `json:"d"`
	ID       bson.ObjectID `json:"i"`
}

// Search returns the mentors matching q: ranked by how many of the requested
// topics they cover, then by distance (when Near is given), then by id.
// Unlisted mentors (suspended, or e-mail unconfirmed) are never returned.
func (ix *Index) Search(q Query) (Result, error) {
	q, after, err := ix.normalize(q)
	if err != nil {
		return Result{}, err
	}
	wantMask := ix.TopicMask(q.Topics)
	textMask := ix.textTopics(q.Text)
	var near geo.Prepared
	radius2 := 0.0
	if q.Near != nil {
		near, radius2 = geo.Prepare(*q.Near), geo.ChordSquared(q.RadiusKm)
	}
	// Keep the best Limit+1 in a bounded heap: one more than the page tells
	// whether there is a next page.
	best := NewTopK(q.Limit+1, func(a, b sortKey) int { return compareKeys(a, b) })
	ix.mu.RLock()
	visit := func(i int) {
		h := &ix.hot[i]
		if h.Unlisted {
			return
		}
		matched := 0
		if wantMask != 0 {
			matched = bits.OnesCount64(h.TopicMask & wantMask)
			if matched == 0 {
				return
			}
		}
		if q.Mode != 0 && h.Modes&q.Mode == 0 {
			return
		}
		if q.AcceptingOnly && (!h.Accepting || h.Free() == 0) {
			return
		}
		// Distances are compared and ordered as squared chords (monotonic in
		// km); only the hits of the page are converted.
		d := 0.0
		if q.Near != nil {
			if d = ix.where[i].pos.Chord2(near.Vector); d > radius2 {
				return
			}
		}
		if q.Text != "" && h.TopicMask&textMask == 0 && !strings.Contains(ix.texts[i], q.Text) {
			return
		}
		k := sortKey{matched: matched, distance: d, id: h.ID, pos: i}
		if after != nil && compareKeys(k, *after) <= 0 {
			return
		}
		best.Push(k)
	}
	if wantMask != 0 {
		ix.eachCovering(wantMask, visit)
	} else {
		for i := range ix.hot {
			visit(i)
		}
	}
	keys := best.Sorted()
	var res Result
	for i, k := range keys {
		if i == q.Limit {
			res.NextCursor = encodeCursor(keys[i-1])
			break
		}
		m := ix.items[k.pos].Mentor
		h := Hit{Mentor: m, MatchedTopics: matchedTopics(q.Topics, m.Topics)}
		if q.Near != nil {
			d := geo.ChordKm(k.distance)
			h.DistanceKm = &d
		}
		res.Hits = append(res.Hits, h)
	}
	ix.mu.RUnlock()
	return res, nil
}

// compareKeys orders hits: more matched topics first, then nearer, then id.
func compareKeys(a, b sortKey) int {
	if c := cmp.Compare(b.matched, a.matched); c != 0 {
		return c
	}
	if c := cmp.Compare(a.distance, b.distance); c != 0 {
		return c
	}
	return bytes.Compare(a.id[:], b.id[:])
}

func matchedTopics(want, have []string) []string {
	out := []string{}
	for _, t := range want {
		if slices.Contains(have, t) {
			out = append(out, t)
		}
	}
	return out
}

// normalize validates q and fills defaults.
func (ix *Index) normalize(q Query) (Query, *sortKey, error) {
	var v apperr.Validation
	if len(q.Topics) > MaxTopics {
		v.Add("topic", "at most 10 topics")
	}
	seen := map[string]bool{}
	topics := q.Topics[:0:0]
	for _, t := range q.Topics {
		if _, ok := ix.topics.Get(t); !ok {
			v.Add("topic", "unknown topic "+t+"; see GET /v1/topics")
			continue
		}
		if !seen[t] {
			seen[t] = true
			topics = append(topics, t)
		}
	}
	q.Topics = topics
	if q.Near != nil {
		if q.RadiusKm == 0 {
			q.RadiusKm = DefaultRadiusKm
		}
		v.Check(q.RadiusKm > 0 && q.RadiusKm <= MaxRadiusKm, "radiusKm", "must be between 1 and 3000")
	} else if q.RadiusKm != 0 {
		v.Add("radiusKm", "needs near")
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 1 || q.Limit > MaxLimit:
		v.Add("limit", "must be between 1 and 100")
	}
	q.Text = textnorm.Fold(q.Text)
	v.Check(len([]rune(q.Text)) <= 100, "q", "must be at most 100 characters")
	var after *sortKey
	if q.Cursor != "" {
		c, ok := decodeCursor(q.Cursor)
		if !ok {
			v.Add("cursor", "is not a cursor returned by this endpoint")
		}
		after = &c
	}
	return q, after, v.Err()
}

func encodeCursor(k sortKey) string {
	return cursor.Encode(cursorKey{Matched: k.matched, Distance: k.distance, ID: k.id})
}

func decodeCursor(s string) (sortKey, bool) {
	var c cursorKey
	ok := cursor.Decode(s, &c) && c.Matched >= 0 && c.Distance >= 0
	return sortKey{matched: c.Matched, distance: c.Distance, id: c.ID}, ok
}
