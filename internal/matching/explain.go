package matching

import (
	"math"
	"strconv"

	"github.com/kizuna-dev/kizuna/internal/jsonw"
	"github.com/kizuna-dev/kizuna/internal/search"
)

// Explanation says, per component, why a suggestion scored as it did, in one
// language.
type Explanation struct {
	Topic        string
	Distance     string
	Availability string
	Trust        string
}

// TopicName returns a topic's name in the language of the explanation.
type TopicName func(slug string) string

// Part is one component of a score, as explained.
type Part uint8

// The parts, in the order of Explanation.
const (
	PartTopic Part = iota
	PartDistance
	PartAvailability
	PartTrust
)

// Explain describes a suggestion for req in words, in Japanese ("ja") or
// English (anything else): the four notes of AppendNote, in one allocation.
func Explain(req *Request, s *Suggestion, name TopicName, lang string) Explanation {
	var b []byte
	var ends [4]int
	for p := PartTopic; p <= PartTrust; p++ {
		b = AppendNote(b, req, s, name, lang, p)
		ends[p] = len(b)
	}
	all := string(b)
	return Explanation{Topic: all[:ends[0]], Distance: all[ends[0]:ends[1]], Availability: all[ends[1]:ends[2]], Trust: all[ends[2]:]}
}

// AppendNoteJSON appends the note of AppendNote as the inside of a JSON
// string (jsonw.StringBody), straight into a response, with jsonName
// returning the topics' names already so escaped (Names.JSON): the
// templates and numbers need no escaping (a test holds every template to
// that).
func AppendNoteJSON(b []byte, req *Request, s *Suggestion, jsonName TopicName, lang string, part Part) []byte {
	return AppendNote(b, req, s, jsonName, lang, part)
}

// Names name topics in one language: as text for AppendNote, and escaped
// for AppendNoteJSON.
type Names struct {
	Text, JSON TopicName
}

// NewNames returns name's names, with those of slugs escaped once, here: a
// response names the same few dozen topics again and again. Other slugs are
// escaped when asked.
func NewNames(name TopicName, slugs []string) Names {
	escaped := make(map[string]string, len(slugs))
	for _, slug := range slugs {
		escaped[slug] = string(jsonw.StringBody(nil, name(slug)))
	}
	return Names{Text: name, JSON: func(slug string) string {
		if e, ok := escaped[slug]; ok {
			return e
		}
		return string(jsonw.StringBody(nil, name(slug)))
	}}
}

// AppendNote appends the text of one part of the explanation of s. It runs
// for every suggestion shown, so it appends from templates into the caller's
// buffer rather than building strings.
func AppendNote(b []byte, req *Request, s *Suggestion, name TopicName, lang string, part Part) []byte {
	m := s.Mentor
	ja := lang == "ja"
	switch part {
	case PartTopic:
		asked, matched := len(req.Topics), len(s.MatchedTopics)
		if ja {
			b = append(b, "ご希望の"...)
			b = jsonw.Int(b, asked)
			b = append(b, "テーマのうち"...)
			b = jsonw.Int(b, matched)
			b = append(b, "つに対応: "...)
		} else {
			b = append(b, "Covers "...)
			b = jsonw.Int(b, matched)
			b = append(b, " of the "...)
			b = jsonw.Int(b, asked)
			b = append(b, " topics you asked for: "...)
		}
		sep := ", "
		if ja {
			sep = "、"
		}
		for i, t := range s.MatchedTopics {
			if i > 0 {
				b = append(b, sep...)
			}
			b = append(b, name(t)...)
		}
	case PartDistance:
		b = appendFixed(b, s.DistanceKm, 1)
		switch {
		case s.WithinReach && ja:
			b = append(b, " km。会える範囲です（あなたの移動範囲 "...)
			b = appendFixed(b, req.RadiusKm, 0)
			b = append(b, " km、メンターの移動範囲 "...)
			b = appendFixed(b, m.TravelKm, 0)
			b = append(b, " km）"...)
		case s.WithinReach:
			b = append(b, " km away, close enough to meet (you travel up to "...)
			b = appendFixed(b, req.RadiusKm, 0)
			b = append(b, " km, the mentor "...)
			b = appendFixed(b, m.TravelKm, 0)
			b = append(b, " km)"...)
		case ja:
			b = append(b, " km。対面には遠いですが、オンラインか電話で相談できます"...)
		default:
			b = append(b, " km away, too far to meet in person, but available online or by phone"...)
		}
	case PartAvailability:
		b = appendAvailability(b, m, ja)
	case PartTrust:
		b = append(b, trustNote(m.Verified, m.Independent, ja)...)
	}
	return b
}

func appendAvailability(b []byte, m *search.Mentor, ja bool) []byte {
	free := func(b []byte) []byte {
		b = jsonw.Int(b, m.Free())
		b = append(b, '/')
		return jsonw.Int(b, m.Capacity)
	}
	intros := func(b []byte) []byte { return jsonw.Int(b, m.Introductions) }
	answered := func(b []byte) []byte { return jsonw.Int(b, m.Answered) }
	median := func(b []byte) []byte { return appendFixed(b, m.MedianAnswerHr, 0) }
	switch {
	case m.Introductions == 0 && ja:
		b = free(append(b, "空き枠 "...))
		b = append(b, "。新しいメンターです"...)
	case m.Introductions == 0:
		b = append(free(b), " places free; new to Kizuna, no answer record yet"...)
	case m.Answered == 0 && ja:
		b = free(append(b, "空き枠 "...))
		b = intros(append(b, "。最近の紹介 "...))
		b = append(b, " 件に未回答"...)
	case m.Answered == 0:
		b = intros(append(free(b), " places free; answered none of "...))
		b = append(b, " recent introductions"...)
	case ja:
		b = free(append(b, "空き枠 "...))
		b = intros(append(b, "。最近の紹介 "...))
		b = answered(append(b, " 件中 "...))
		b = median(append(b, " 件に回答（中央値 "...))
		b = append(b, " 時間）"...)
	default:
		b = answered(append(free(b), " places free; answered "...))
		b = intros(append(b, " of "...))
		b = median(append(b, " recent introductions, typically within "...))
		b = append(b, " h"...)
	}
	return b
}

// appendFixed appends v with decimals (0 or 1) digits after the point, as
// strconv.AppendFloat(b, v, 'f', decimals, 64) does, by integer arithmetic
// when v scaled is not within a millionth of a tie: below 1e9 it is then
// far from the tie by more than the scaling can err, so rounding it is
// rounding v. strconv decides the rest.
func appendFixed(b []byte, v float64, decimals int) []byte {
	scale := 1.0
	if decimals == 1 {
		scale = 10
	}
	t := v * scale
	whole := math.Floor(t)
	if frac := t - whole; t >= 0 && t < 1e9 && math.Abs(frac-0.5) > 1e-6 {
		n := int64(whole)
		if frac > 0.5 {
			n++
		}
		if decimals == 0 {
			return jsonw.Int(b, int(n))
		}
		return append(jsonw.Int(b, int(n/10)), '.', byte('0'+n%10))
	}
	return strconv.AppendFloat(b, v, 'f', decimals, 64)
}

func trustNote(verified, independent, ja bool) string {
	switch {
	case verified && independent && ja:
		return "オーガナイザー確認済み。利害関係なし（独立）を表明"
	case verified && independent:
		return "Verified by an organizer; declares no stake in any business (independent)"
	case verified && ja:
		return "オーガナイザー確認済み"
	case verified:
		return "Verified by an organizer"
	case independent && ja:
		return "利害関係なし（独立）を表明。未確認"
	case independent:
		return "Declares no stake in any business (independent); not yet verified"
	case ja:
		return "未確認"
	default:
		return "Not yet verified by an organizer"
	}
}
