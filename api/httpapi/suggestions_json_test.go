package httpapi

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	gojson "github.com/goccy/go-json"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/benchdata"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/matching"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// suggestionsFixture is an index of n benchmark mentors, some with awkward
// texts (characters JSON escapes, invalid UTF-8, empty and nil lists, an
// unknown municipality), summarized as the server does.
func suggestionsFixture(t testing.TB, n int, r *rand.Rand) (*Server, *search.Index, *topics.Taxonomy) {
	t.Helper()
	catalog, err := areas.Load()
	if err != nil {
		t.Fatal(err)
	}
	tx := topics.New()
	ix := search.New(tx)
	ix.SetSummarizer(MentorSummarizer(catalog))
	users, profs, err := benchdata.Mentors(n)
	if err != nil {
		t.Fatal(err)
	}
	odd := []string{`<b>"M&A"</b>`, "tab\there\nnewline", "bad \xff utf-8", "line\u2028sep", "", "佐藤 由紀 🙂"}
	for i := range profs {
		m := profiles.IndexEntry(profs[i], users[i])
		if r.IntN(4) == 0 {
			m.DisplayName, m.Headline = odd[r.IntN(len(odd))], odd[r.IntN(len(odd))]
			m.Tags = []string{odd[r.IntN(len(odd))]}
			m.Languages = nil
		}
		if r.IntN(20) == 0 {
			m.MunicipalityCode, m.Tags = "99999", nil
		}
		ix.Upsert(m)
		if r.IntN(5) == 0 {
			ix.SetActive(m.ID, r.IntN(3))
			ix.SetResponsiveness(m.ID, r.IntN(8), r.IntN(4), r.Float64()*200)
		}
	}
	return &Server{areas: catalog}, ix, tx
}

func randomSuggestions(r *rand.Rand, ix *search.Index, tx *topics.Taxonomy) mentorships.Suggestions {
	all := tx.All()
	req := matching.Request{
		Origin:   geo.Point{Lat: 31 + r.Float64()*14, Lon: 130 + r.Float64()*15},
		RadiusKm: float64(1 + r.IntN(500)), Modes: search.Mode(1 + r.IntN(7)), IndependentOnly: r.IntN(8) == 0,
		FounderID: bson.NewObjectID(),
	}
	for range 1 + r.IntN(5) {
		req.Topics = append(req.Topics, all[r.IntN(len(all))].Slug)
	}
	items, total := matching.Rank(ix, req, 1+r.IntN(50))
	lang := []string{"ja", "en"}[r.IntN(2)]
	name := func(slug string) string {
		t, _ := tx.Get(slug)
		if lang == "ja" {
			return t.Ja
		}
		return t.En
	}
	var slugs []string
	for _, t := range all {
		slugs = append(slugs, t.Slug)
	}
	return mentorships.NewSuggestions(req, items, total, lang, matching.NewNames(name, slugs))
}

// oldSuggestionsBody is the body as the handler wrote it before: the
// response struct through reflection.
func oldSuggestionsBody(t testing.TB, s *Server, res mentorships.Suggestions, marshal func(any) ([]byte, error)) []byte {
	res.Items = append([]mentorships.Ranked(nil), res.Items...)
	res.Explain()
	b, err := marshal(SuggestionsResponse{Items: s.suggestionViews(res.Items), Candidates: res.Candidates})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The hand-written body equals, byte for byte, what encoding/json (and
// goccy/go-json, which wrote it before) makes of the response struct, for
// random requests over random mentors; and it is valid JSON.
func TestSuggestionsBodyMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	s, ix, tx := suggestionsFixture(t, 3000, r)
	shown := 0
	for i := range 400 {
		res := randomSuggestions(r, ix, tx)
		shown += len(res.Items)
		got := s.appendSuggestions(nil, &res)
		if want := oldSuggestionsBody(t, s, res, json.Marshal); !bytes.Equal(got, want) {
			t.Fatalf("request %d:\n got %s\nwant %s", i, got, want)
		}
		if want := oldSuggestionsBody(t, s, res, gojson.Marshal); !bytes.Equal(got, want) {
			t.Fatalf("request %d, goccy:\n got %s\nwant %s", i, got, want)
		}
		if !json.Valid(got) {
			t.Fatalf("request %d: invalid JSON %s", i, got)
		}
	}
	if shown < 2000 {
		t.Fatalf("only %d suggestions compared", shown)
	}
}

// Table: the edge cases one by one, including an index without a
// summarizer and no suggestions at all.
func TestSuggestionsBodyCases(t *testing.T) {
	catalog, err := areas.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{areas: catalog}
	base := search.Mentor{
		ID: bson.NewObjectID(), DisplayName: "佐藤", Headline: "資金繰り", Topics: []string{"sales"}, MunicipalityCode: "01207",
		PrefectureCode: "01", Modes: search.ModeInPerson | search.ModeOnline, Languages: []string{"ja"}, TravelKm: 30.7,
		Capacity: 3, Active: 1, Accepting: true, Verified: true, ProfileVersion: 1,
	}
	for _, c := range []struct {
		name   string
		change func(*search.Mentor)
		summ   bool
		empty  bool
	}{
		{name: "summarized", summ: true},
		{name: "not summarized"},
		{name: "no suggestions", empty: true},
		{name: "nil lists", summ: true, change: func(m *search.Mentor) { m.Topics, m.Tags, m.Languages, m.Modes = nil, nil, nil, 0 }},
		{name: "full", summ: true, change: func(m *search.Mentor) { m.Active = 3 }},
		{name: "escapes", summ: true, change: func(m *search.Mentor) { m.DisplayName, m.Headline = `"<&>"`, "a\u2029\x01\xfe" }},
		{name: "unknown municipality", summ: true, change: func(m *search.Mentor) { m.MunicipalityCode = "00000" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ix := search.New(topics.New())
			if c.summ {
				ix.SetSummarizer(MentorSummarizer(catalog))
			}
			m := base
			if c.change != nil {
				c.change(&m)
			}
			ix.Upsert(m)
			req := matching.Request{Topics: []string{"sales", "hiring"}, Origin: geo.Point{Lat: 42.9, Lon: 143.2}, RadiusKm: 50, Modes: search.ModeInPerson | search.ModeOnline}
			got, _ := ix.Get(m.ID)
			if (got.Summary != "") != c.summ {
				t.Fatalf("summary %q", got.Summary)
			}
			items := []matching.Ranked{
				{Suggestion: matching.Suggestion{Mentor: &got, DistanceKm: 12.345, WithinReach: true, MatchedTopics: []string{"sales"},
					Components: matching.Components{Topic: 2.0 / 3, Distance: 1, Availability: 0.5, Trust: 1}, Score: 0.81234}},
				{Suggestion: matching.Suggestion{Mentor: &got, DistanceKm: 1.2e-7, Components: matching.Components{Topic: 1e-9}, Score: 1e-7}},
			}
			total := 7
			if c.empty {
				items, total = nil, 0
			}
			for _, lang := range []string{"ja", "en"} {
				res := mentorships.NewSuggestions(req, items, total, lang, matching.NewNames(func(slug string) string { return "S&P " + slug }, []string{"sales"}))
				got := s.appendSuggestions(nil, &res)
				if want := oldSuggestionsBody(t, s, res, json.Marshal); !bytes.Equal(got, want) {
					t.Fatalf("%s:\n got %s\nwant %s", lang, got, want)
				}
			}
		})
	}
}

// BenchmarkSuggestionsBody compares writing ten suggestions from the
// pre-encoded summaries and note templates with the former way (explain
// into strings, build the response structs, goccy/go-json).
func BenchmarkSuggestionsBody(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	s, ix, tx := suggestionsFixture(b, 10_000, r)
	var reqs []mentorships.Suggestions
	for len(reqs) < 64 {
		if res := randomSuggestions(r, ix, tx); len(res.Items) >= 10 {
			res.Items = res.Items[:10]
			reqs = append(reqs, res)
		}
	}
	b.Run("fragments", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 16<<10)
		i := 0
		for b.Loop() {
			buf = s.appendSuggestions(buf[:0], &reqs[i%len(reqs)])
			i++
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("reflection", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			res := reqs[i%len(reqs)]
			res.Items = append([]mentorships.Ranked(nil), res.Items...)
			res.Explain()
			if _, err := gojson.Marshal(SuggestionsResponse{Items: s.suggestionViews(res.Items), Candidates: res.Candidates}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
