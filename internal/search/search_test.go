package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

func TestSearchRanksAndFilters(t *testing.T) {
	ix := New(topics.New())
	near := geo.Point{Lat: 43.77, Lon: 142.36}
	ids := make([]bson.ObjectID, 5)
	for i := range ids {
		ids[i] = bson.NewObjectID()
	}
	ix.Upsert(Mentor{ID: ids[0], DisplayName: "a", Topics: []string{"sales"}, Point: near, Modes: ModeInPerson, Capacity: 1, Accepting: true, ProfileVersion: 1})
	ix.Upsert(Mentor{ID: ids[1], DisplayName: "b", Topics: []string{"sales", "hiring"}, Point: geo.Point{Lat: 43.05, Lon: 141.34}, Modes: ModeOnline, Capacity: 1, Accepting: true, ProfileVersion: 1})
	ix.Upsert(Mentor{ID: ids[2], DisplayName: "c", Topics: []string{"hiring"}, Point: near, Modes: ModePhone, Capacity: 0, Accepting: true, ProfileVersion: 1})
	ix.Upsert(Mentor{ID: ids[3], DisplayName: "d", Topics: []string{"sales"}, Point: near, Modes: ModeInPerson, Capacity: 1, Accepting: true, Unlisted: true, ProfileVersion: 1})
	ix.Upsert(Mentor{ID: ids[4], DisplayName: "e", Headline: "ニセコで観光業", Topics: []string{"legal"}, Point: geo.Point{Lat: 26.2, Lon: 127.7}, Modes: ModeOnline, Capacity: 3, Accepting: false, ProfileVersion: 1})

	names := func(q Query) string {
		t.Helper()
		res, err := ix.Search(q)
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, h := range res.Hits {
			s += h.Mentor.DisplayName
		}
		return s
	}
	cases := []struct {
		name string
		q    Query
		want string
	}{
		{"all but suspended, by id", Query{}, "abce"},
		{"topic count first", Query{Topics: []string{"sales", "hiring"}}, "bac"},
		{"radius", Query{Topics: []string{"sales", "hiring"}, Near: &near, RadiusKm: 20}, "ac"},
		{"mode", Query{Mode: ModePhone}, "c"},
		{"accepting with free capacity", Query{AcceptingOnly: true}, "ab"},
		{"text, width-folded", Query{Text: "ﾆｾｺ"}, "e"},
		{"topic name as text", Query{Text: "採用"}, "bc"},
		{"English topic name as text, any case", Query{Text: "CONTRACTS"}, "e"},
		{"part of a topic name", Query{Text: "販路"}, "ab"},
		{"text and topic name together", Query{Text: "観光"}, "e"},
	}
	for _, tc := range cases {
		if got := names(tc.q); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}

	// An older profile version never replaces a newer one.
	ix.Upsert(Mentor{ID: ids[0], DisplayName: "stale", ProfileVersion: 0})
	if m, _ := ix.Get(ids[0]); m.DisplayName != "a" {
		t.Errorf("stale upsert applied: %q", m.DisplayName)
	}
	// A new name is searched for, the old one no longer.
	ix.SetUser(ids[1], "ばんえい", false)
	if got := names(Query{Text: "バンエイ"}); got != "ばんえい" {
		t.Errorf("renamed mentor: got %q, want ばんえい", got)
	}
	if got := names(Query{Text: "b"}); got != "" {
		t.Errorf("old name still found: %q", got)
	}
	// Mentorship counts survive a profile update.
	ix.SetActive(ids[0], 1)
	ix.Upsert(Mentor{ID: ids[0], DisplayName: "a2", Topics: []string{"sales"}, Point: near, Capacity: 1, Accepting: true, ProfileVersion: 2})
	if m, _ := ix.Get(ids[0]); m.Active != 1 || m.Free() != 0 {
		t.Errorf("active lost on upsert: %+v", m)
	}
}

func TestSearchValidation(t *testing.T) {
	ix := New(topics.New())
	for _, q := range []Query{
		{Topics: []string{"nope"}},
		{RadiusKm: 5},
		{Near: &geo.Point{Lat: 43, Lon: 141}, RadiusKm: 5000},
		{Limit: 101},
		{Cursor: "!!"},
	} {
		if _, err := ix.Search(q); err == nil {
			t.Errorf("%+v: want error", q)
		}
	}
}

// syntheticIndex spreads n mentors over Japan's main islands with random topics.
func syntheticIndex(n int) *Index {
	tx := topics.New()
	all := tx.All()
	ix := New(tx)
	r := rand.New(rand.NewPCG(1, 2))
	for range n {
		ts := make([]string, 1+r.IntN(5))
		for j := range ts {
			ts[j] = all[r.IntN(len(all))].Slug
		}
		ix.Upsert(Mentor{
			ID:          bson.NewObjectID(),
			DisplayName: fmt.Sprintf("mentor %d", r.IntN(1_000_000)),
			Headline:    "地域の創業を支えます",
			Topics:      ts,
			Point:       geo.Point{Lat: 31 + r.Float64()*14, Lon: 130 + r.Float64()*15},
			TravelKm:    float64(r.IntN(100)),
			Modes:       Mode(1 + r.IntN(7)),
			Capacity:    r.IntN(5),
			Accepting:   r.IntN(10) > 0,
			Languages:   []string{"ja"},
		})
	}
	return ix
}

func BenchmarkSearch(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		ix := syntheticIndex(n)
		asahikawa := geo.Point{Lat: 43.770833, Lon: 142.365}
		queries := map[string]Query{
			"topic":            {Topics: []string{"sales"}},
			"topics+near100km": {Topics: []string{"sales", "hiring"}, Near: &asahikawa, RadiusKm: 100},
			"near300km+mode":   {Near: &asahikawa, RadiusKm: 300, Mode: ModeInPerson, AcceptingOnly: true},
			"text":             {Text: "mentor 12"},
		}
		for name, q := range queries {
			b.Run(fmt.Sprintf("n=%d/%s", n, name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := ix.Search(q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func TestTopK(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	byValue := func(a, b int) int { return a - b }
	// One TopK Reset for every case (k up and down, never emptied by Sorted
	// first) must answer as a new one.
	reused := NewTopK(1, byValue)
	for _, k := range []int{1, 3, 10, 50, 3} {
		for _, n := range []int{0, 1, 5, 49, 200} {
			in := make([]int, n)
			for i := range in {
				in[i] = r.IntN(100)
			}
			want := slices.Sorted(slices.Values(in))
			if len(want) > k {
				want = want[:k]
			}
			reused.Push(-1) // kept unless Reset empties it
			reused.Reset(k, byValue)
			for name, top := range map[string]*TopK[int]{"new": NewTopK(k, byValue), "reset": reused} {
				for _, x := range in {
					top.Push(x)
				}
				if got := top.Sorted(); !slices.Equal(got, want) {
					t.Errorf("%s, k=%d n=%d: got %v, want %v", name, k, n, got, want)
				}
			}
		}
	}
}

// Changing a mentor's topics moves them between posting lists.
func TestTopicChangesUpdatePostings(t *testing.T) {
	ix := New(topics.New())
	id := bson.NewObjectID()
	others := []bson.ObjectID{bson.NewObjectID(), bson.NewObjectID()}
	ix.Upsert(Mentor{ID: others[0], Topics: []string{"sales", "legal"}, ProfileVersion: 1})
	ix.Upsert(Mentor{ID: id, Topics: []string{"sales", "hiring"}, ProfileVersion: 1})
	ix.Upsert(Mentor{ID: others[1], Topics: []string{"hiring"}, ProfileVersion: 1})
	count := func(topic string) int {
		t.Helper()
		res, err := ix.Search(Query{Topics: []string{topic}})
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Hits)
	}
	if count("sales") != 2 || count("hiring") != 2 || count("legal") != 1 {
		t.Fatalf("before: sales %d hiring %d legal %d", count("sales"), count("hiring"), count("legal"))
	}
	ix.Upsert(Mentor{ID: id, Topics: []string{"legal"}, ProfileVersion: 2})
	if count("sales") != 1 || count("hiring") != 1 || count("legal") != 2 {
		t.Fatalf("after: sales %d hiring %d legal %d", count("sales"), count("hiring"), count("legal"))
	}
	// A mentor covering two requested topics is found once.
	res, _ := ix.Search(Query{Topics: []string{"sales", "legal"}})
	if len(res.Hits) != 2 {
		t.Fatalf("two topics: %d hits, want 2 distinct mentors", len(res.Hits))
	}
}

func TestRemove(t *testing.T) {
	ix := New(topics.New())
	a, b := bson.NewObjectID(), bson.NewObjectID()
	for _, id := range []bson.ObjectID{a, b} {
		ix.Upsert(Mentor{ID: id, DisplayName: "m" + id.Hex(), Topics: []string{"sales"}, Point: geo.Point{Lat: 43.06, Lon: 141.35},
			Modes: ModeOnline, Capacity: 2, Accepting: true})
	}
	ix.Remove(a)
	ix.Remove(a) // twice is harmless
	if ix.Len() != 1 {
		t.Fatalf("Len %d, want 1", ix.Len())
	}
	if _, ok := ix.Get(a); ok {
		t.Fatal("the removed mentor is still found by id")
	}
	if ids := ix.IDs(); len(ids) != 1 || ids[0] != b {
		t.Fatalf("IDs %v", ids)
	}
	for _, q := range []Query{{Topics: []string{"sales"}, Limit: 10}, {Limit: 10}} {
		res, err := ix.Search(q)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 1 || res.Hits[0].Mentor.ID != b {
			t.Fatalf("search %+v: %+v", q, res.Hits)
		}
	}
	n := 0
	ix.Each(func(m *Mentor) { n++ })
	if n != 1 {
		t.Fatalf("Each visited %d", n)
	}
}

func TestInternerSharesEqualValues(t *testing.T) {
	in := newInterner()
	a := in.list([]string{"sales", "hiring"})
	b := in.list([]string{"sales", "hiring"})
	if &a[0] != &b[0] {
		t.Error("equal lists are not shared")
	}
	if c := in.list([]string{"hiring", "sales"}); &c[0] == &a[0] {
		t.Error("order ignored: a list in another order is shared")
	}
	// A NUL inside a value must not make two different lists one.
	x, y := in.list([]string{"a\x00b"}), in.list([]string{"a", "b"})
	if len(x) != 1 || len(y) != 2 {
		t.Errorf("NUL made lists ambiguous: %q %q", x, y)
	}
	if in.list(nil) != nil || in.list([]string{}) == nil {
		t.Error("nil and empty lists are not kept apart")
	}
	// Bounded: values past the limit are returned, not kept.
	for i := range maxInterned + 10 {
		in.string(fmt.Sprint("v", i))
	}
	if len(in.strings) > maxInterned {
		t.Errorf("interner grew to %d strings, bound %d", len(in.strings), maxInterned)
	}
	if got := in.string("past the bound"); got != "past the bound" {
		t.Errorf("a value past the bound came back as %q", got)
	}
}
