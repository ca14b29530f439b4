package search

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/geo"
)

// Compact renumbers mentors by grid cell and drops removed ones: every
// query answers as before, every structure that addresses mentors by
// position agrees with the facts, and later changes land as usual.
func TestCompactKeepsAnswers(t *testing.T) {
	ix := syntheticIndex(3000)
	ix.SetPriority(func(f *Facts) float64 { return float64(f.Capacity) + f.TravelKm/100 })
	r := rand.New(rand.NewPCG(3, 4))
	ids := ix.IDs()
	for _, i := range r.Perm(len(ids))[:300] {
		ix.Remove(ids[i])
	}
	asahikawa := geo.Point{Lat: 43.770833, Lon: 142.365}
	queries := []Query{
		{Limit: 50},
		{Topics: []string{"sales", "hiring"}, Limit: 50},
		{Topics: []string{"sales"}, Near: &asahikawa, RadiusKm: 300, Limit: 20},
		{Near: &asahikawa, RadiusKm: 800, Mode: ModeInPerson, AcceptingOnly: true, Limit: 30},
		{Text: "mentor 1", Limit: 40},
	}
	before := allPages(t, ix, queries)
	n := ix.Len()

	ix.Compact()
	if ix.Len() != n || len(ix.items) != n {
		t.Fatalf("Len %d with %d places, want %d and no removed places", ix.Len(), len(ix.items), n)
	}
	if after := allPages(t, ix, queries); !reflect.DeepEqual(after, before) {
		t.Fatal("a search answers differently after Compact")
	}
	assertPositionsConsistent(t, ix)
	// Grouped by cell: each cell's mentors are one run of positions.
	seen := map[int32]bool{}
	for i := range ix.hot {
		c := ix.hot[i].cell
		if seen[c] && ix.hot[i-1].cell != c {
			t.Fatalf("position %d: cell %d again after another cell", i, c)
		}
		seen[c] = true
	}

	// Changes after Compact: a mentor moves across Japan, a new one arrives,
	// one leaves.
	live := ix.IDs()
	moved, _ := ix.Get(live[0])
	moved.Point, moved.Topics, moved.ProfileVersion = geo.Point{Lat: 26.2, Lon: 127.7}, []string{"legal"}, moved.ProfileVersion+1
	ix.Upsert(moved)
	added := moved
	added.ID, added.DisplayName = bson.ObjectID{1}, "new"
	ix.Upsert(added)
	ix.Remove(live[1])
	assertPositionsConsistent(t, ix)
	res, err := ix.Search(Query{Topics: []string{"legal"}, Near: &geo.Point{Lat: 26.2, Lon: 127.7}, RadiusKm: 1, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range res.Hits {
		got = append(got, h.Mentor.ID.Hex())
	}
	slices.Sort(got)
	want := []string{moved.ID.Hex(), added.ID.Hex()}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("after changes: %v, want %v", got, want)
	}
}

// allPages is every page of every query, as mentor ids and distances.
func allPages(t *testing.T, ix *Index, queries []Query) []string {
	t.Helper()
	var out []string
	for _, q := range queries {
		for page := 0; ; page++ {
			res, err := ix.Search(q)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				d := -1.0
				if h.DistanceKm != nil {
					d = *h.DistanceKm
				}
				out = append(out, fmt.Sprintf("%d %s %.6f %v", page, h.Mentor.ID.Hex(), d, h.MatchedTopics))
			}
			if res.NextCursor == "" {
				break
			}
			q.Cursor = res.NextCursor
		}
	}
	return out
}

// assertPositionsConsistent checks everything that addresses mentors by
// position against the facts at those positions.
func assertPositionsConsistent(t *testing.T, ix *Index) {
	t.Helper()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	members := map[[2]int]member{} // (topic, position)
	for k := range ix.cells {
		c := ix.cells[k].lists
		count := map[int32]bool{}
		for b, list := range c.byTopic {
			for j, m := range list {
				if j > 0 && list[j-1].priority < m.priority {
					t.Fatalf("cell %d topic %d: not in decreasing priority at %d", k, b, j)
				}
				members[[2]int{b, int(m.pos)}] = m
				count[m.pos] = true
				if ix.hot[m.pos].cell != int32(k+1) {
					t.Fatalf("cell %d lists position %d of cell %d", k, m.pos, ix.hot[m.pos].cell)
				}
			}
		}
		// c.n counts members with no topic too; every listed one is counted.
		if len(count) > c.n {
			t.Fatalf("cell %d: %d listed, n %d", k, len(count), c.n)
		}
	}
	for w := range ix.wordCell {
		shared := ix.cellAt[w*64]
		for _, c := range ix.cellAt[w*64 : min(w*64+64, len(ix.cellAt))] {
			if c != shared {
				shared = 0
			}
		}
		if ix.wordCell[w] != shared {
			t.Fatalf("word %d: wordCell %d, its positions' cell %d", w, ix.wordCell[w], shared)
		}
	}
	for i := range ix.hot {
		h := &ix.hot[i]
		if !ix.items[i].gone() {
			if j, ok := ix.byID[h.ID]; !ok || j != i {
				t.Fatalf("byID[%s] = %d, %v; want %d", h.ID.Hex(), j, ok, i)
			}
		}
		if ix.cellAt[i] != h.cell || ix.items[i].ID != h.ID {
			t.Fatalf("position %d: cellAt %d, item %s; facts %d, %s", i, ix.cellAt[i], ix.items[i].ID.Hex(), h.cell, h.ID.Hex())
		}
		for b := range 64 {
			covers := h.TopicMask&(1<<uint(b)) != 0
			if ix.flags.topics[b].has(i) != covers {
				t.Fatalf("position %d topic %d: bitset %v, facts %v", i, b, !covers, covers)
			}
			if m, listed := members[[2]int{b, i}]; listed != covers || listed && m.topics != h.TopicMask {
				t.Fatalf("position %d topic %d: listed %v, covers %v", i, b, listed, covers)
			}
		}
		if open := h.Accepting && !h.Unlisted && h.Free() > 0; ix.flags.open.has(i) != open {
			t.Fatalf("position %d: open bit %v, facts %v", i, !open, open)
		}
		for b := range ix.flags.modes {
			if ix.flags.modes[b].has(i) != (h.Modes&(1<<uint(b)) != 0) {
				t.Fatalf("position %d: mode bit %d wrong", i, b)
			}
		}
		if ix.flags.independent.has(i) != h.Independent || ix.flags.stakes.has(i) != (len(h.Stakes) > 0) {
			t.Fatalf("position %d: independent or stakes bit wrong", i)
		}
	}
}
