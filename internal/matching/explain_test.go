package matching

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/internal/jsonw"
	"github.com/kizuna-dev/kizuna/internal/search"
)

// Explain (templates appended into one buffer) says exactly what the
// string-building version said, for random suggestions in both languages.
func TestExplainMatchesStringVersion(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		req, s := randomNoteCase(r)
		for _, lang := range []string{"ja", "en"} {
			if got, want := Explain(&req, &s, noteTopicName, lang), explainStrings(&req, &s, noteTopicName, lang); got != want {
				t.Fatalf("%s: Explain = %+v, want %+v", lang, got, want)
			}
		}
	}
}

// AppendNoteJSON with NewNames' escaped names: for every template, in
// both languages, it appends exactly the escaped AppendNote (names with
// characters JSON escapes included).
func TestAppendNoteJSONIsTheEscapedNote(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	// Some names escaped ahead, the others when asked.
	names := NewNames(noteTopicName, []string{"hiring", "it_dx"})
	for range 5000 {
		req, s := randomNoteCase(r)
		for _, lang := range []string{"ja", "en"} {
			for part := PartTopic; part <= PartTrust; part++ {
				note := AppendNote(nil, &req, &s, noteTopicName, lang, part)
				if got, want := AppendNoteJSON([]byte("x"), &req, &s, names.JSON, lang, part), jsonw.StringBody([]byte("x"), string(note)); !bytes.Equal(got, want) {
					t.Fatalf("%s, part %d: AppendNoteJSON = %s, want %s", lang, part, got, want)
				}
			}
		}
	}
}

// noteTopicName names topics, some with characters JSON escapes.
func noteTopicName(slug string) string {
	return map[string]string{
		"sales": "Sales", "hiring": "M&A <succession>", "pr": "販路開拓・営業", "it_dx": "\"quoted\" \\ line\u2028", "export": "",
	}[slug]
}

// randomNoteCase is a random suggestion to explain, reaching every
// template.
func randomNoteCase(r *rand.Rand) (Request, Suggestion) {
	req := Request{RadiusKm: float64(1 + r.IntN(500)), Topics: []string{"sales", "hiring", "pr", "it_dx", "export"}[:1+r.IntN(5)]}
	s := Suggestion{
		Mentor: &search.Mentor{
			TravelKm: float64(r.IntN(200)), Capacity: r.IntN(6), Active: r.IntN(7), Introductions: r.IntN(3) * r.IntN(9),
			Answered: r.IntN(3), MedianAnswerHr: r.Float64() * 300, Verified: r.IntN(2) == 0, Independent: r.IntN(2) == 0,
		},
		DistanceKm: r.Float64() * 2000, WithinReach: r.IntN(2) == 0, MatchedTopics: req.Topics[:r.IntN(len(req.Topics)+1)],
	}
	return req, s
}

// explainStrings is the former Explain (string concatenation), kept to check the templates: it describes a suggestion for req in words, in Japanese ("ja") or
// English (anything else). It runs for every suggestion shown, so it builds
// strings directly rather than through fmt.
func explainStrings(req *Request, s *Suggestion, name TopicName, lang string) Explanation {
	m := s.Mentor
	ja := lang == "ja"
	var b strings.Builder
	var ex Explanation

	names := make([]string, len(s.MatchedTopics))
	for i, t := range s.MatchedTopics {
		names[i] = name(t)
	}
	asked, matched := strconv.Itoa(len(req.Topics)), strconv.Itoa(len(s.MatchedTopics))
	if ja {
		ex.Topic = "ご希望の" + asked + "テーマのうち" + matched + "つに対応: " + strings.Join(names, "、")
	} else {
		ex.Topic = "Covers " + matched + " of the " + asked + " topics you asked for: " + strings.Join(names, ", ")
	}

	km := strconv.FormatFloat(s.DistanceKm, 'f', 1, 64)
	radius, travel := strconv.FormatFloat(req.RadiusKm, 'f', 0, 64), strconv.FormatFloat(m.TravelKm, 'f', 0, 64)
	switch {
	case s.WithinReach && ja:
		ex.Distance = km + " km。会える範囲です（あなたの移動範囲 " + radius + " km、メンターの移動範囲 " + travel + " km）"
	case s.WithinReach:
		ex.Distance = km + " km away, close enough to meet (you travel up to " + radius + " km, the mentor " + travel + " km)"
	case ja:
		ex.Distance = km + " km。対面には遠いですが、オンラインか電話で相談できます"
	default:
		ex.Distance = km + " km away, too far to meet in person, but available online or by phone"
	}

	free := strconv.Itoa(m.Free()) + "/" + strconv.Itoa(m.Capacity)
	intros, answered := strconv.Itoa(m.Introductions), strconv.Itoa(m.Answered)
	b.Reset()
	switch {
	case m.Introductions == 0 && ja:
		b.WriteString("空き枠 " + free + "。新しいメンターです")
	case m.Introductions == 0:
		b.WriteString(free + " places free; new to Kizuna, no answer record yet")
	case m.Answered == 0 && ja:
		b.WriteString("空き枠 " + free + "。最近の紹介 " + intros + " 件に未回答")
	case m.Answered == 0:
		b.WriteString(free + " places free; answered none of " + intros + " recent introductions")
	case ja:
		b.WriteString("空き枠 " + free + "。最近の紹介 " + intros + " 件中 " + answered + " 件に回答（中央値 " + strconv.FormatFloat(m.MedianAnswerHr, 'f', 0, 64) + " 時間）")
	default:
		b.WriteString(free + " places free; answered " + answered + " of " + intros + " recent introductions, typically within " + strconv.FormatFloat(m.MedianAnswerHr, 'f', 0, 64) + " h")
	}
	ex.Availability = b.String()

	switch {
	case m.Verified && m.Independent && ja:
		ex.Trust = "オーガナイザー確認済み。利害関係なし（独立）を表明"
	case m.Verified && m.Independent:
		ex.Trust = "Verified by an organizer; declares no stake in any business (independent)"
	case m.Verified && ja:
		ex.Trust = "オーガナイザー確認済み"
	case m.Verified:
		ex.Trust = "Verified by an organizer"
	case m.Independent && ja:
		ex.Trust = "利害関係なし（独立）を表明。未確認"
	case m.Independent:
		ex.Trust = "Declares no stake in any business (independent); not yet verified"
	case ja:
		ex.Trust = "未確認"
	default:
		ex.Trust = "Not yet verified by an organizer"
	}
	return ex
}

// appendFixed writes what strconv does, ties and near-ties included.
func TestAppendFixedIsStrconv(t *testing.T) {
	values := []float64{0, 0.04, 0.05, 0.05000001, 0.15, 0.25, 0.35, 0.45, 0.5, 0.95, 0.96, 1.5, 2.5, 9.95, 12.345, 99.95,
		999.95, 1e8 + 0.5, 1e9 - 0.05, 1e9, 1.5e9, 1e20, -0.05, -1.5, -3.25, math.SmallestNonzeroFloat64, math.MaxFloat64}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		values = append(values, r.Float64()*2000, float64(r.IntN(20000))/10+0.05, float64(r.IntN(2000))+0.5, r.Float64()*300)
	}
	for _, v := range values {
		for decimals := range 2 {
			if got, want := appendFixed([]byte("x"), v, decimals), strconv.AppendFloat([]byte("x"), v, 'f', decimals, 64); !bytes.Equal(got, want) {
				t.Fatalf("appendFixed(%v, %d) = %s, want %s", v, decimals, got, want)
			}
		}
	}
}
