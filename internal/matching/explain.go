package matching

import (
	"fmt"
	"strings"
)

// Note is one sentence of an explanation, in Japanese and English.
type Note struct {
	Ja string
	En string
}

// Explanation says, per component, why a suggestion scored as it did.
type Explanation struct {
	Topic        Note
	Distance     Note
	Availability Note
	Trust        Note
}

// TopicNames returns the Japanese and English names of a topic slug.
type TopicNames func(slug string) (ja, en string)

// Explain describes a suggestion for req in words.
func Explain(req *Request, s *Suggestion, names TopicNames) Explanation {
	var ja, en []string
	for _, t := range s.MatchedTopics {
		j, e := names(t)
		ja, en = append(ja, j), append(en, e)
	}
	ex := Explanation{
		Topic: Note{
			Ja: fmt.Sprintf("ご希望の%dテーマのうち%dつに対応: %s", len(req.Topics), len(s.MatchedTopics), strings.Join(ja, "、")),
			En: fmt.Sprintf("Covers %d of the %d topics you asked for: %s", len(s.MatchedTopics), len(req.Topics), strings.Join(en, ", ")),
		},
	}
	m := &s.Mentor
	switch {
	case s.WithinReach:
		ex.Distance = Note{
			Ja: fmt.Sprintf("%.1f km。会える範囲です（あなたの移動範囲 %.0f km、メンターの移動範囲 %.0f km）", s.DistanceKm, req.RadiusKm, m.TravelKm),
			En: fmt.Sprintf("%.1f km away, close enough to meet (you travel up to %.0f km, the mentor %.0f km)", s.DistanceKm, req.RadiusKm, m.TravelKm),
		}
	default:
		ex.Distance = Note{
			Ja: fmt.Sprintf("%.1f km。対面には遠いですが、オンラインか電話で相談できます", s.DistanceKm),
			En: fmt.Sprintf("%.1f km away, too far to meet in person, but available online or by phone", s.DistanceKm),
		}
	}
	free := fmt.Sprintf("%d/%d", m.Free(), m.Capacity)
	switch {
	case m.Introductions == 0:
		ex.Availability = Note{
			Ja: fmt.Sprintf("空き枠 %s。新しいメンターです", free),
			En: fmt.Sprintf("%s places free; new to Kizuna, no answer record yet", free),
		}
	case m.Answered == 0:
		ex.Availability = Note{
			Ja: fmt.Sprintf("空き枠 %s。最近の紹介 %d 件に未回答", free, m.Introductions),
			En: fmt.Sprintf("%s places free; answered none of %d recent introductions", free, m.Introductions),
		}
	default:
		ex.Availability = Note{
			Ja: fmt.Sprintf("空き枠 %s。最近の紹介 %d 件中 %d 件に回答（中央値 %.0f 時間）", free, m.Introductions, m.Answered, m.MedianAnswerHr),
			En: fmt.Sprintf("%s places free; answered %d of %d recent introductions, typically within %.0f h", free, m.Answered, m.Introductions, m.MedianAnswerHr),
		}
	}
	switch {
	case m.Verified && m.Independent:
		ex.Trust = Note{Ja: "オーガナイザー確認済み。利害関係なし（独立）を表明", En: "Verified by an organizer; declares no stake in any business (independent)"}
	case m.Verified:
		ex.Trust = Note{Ja: "オーガナイザー確認済み", En: "Verified by an organizer"}
	case m.Independent:
		ex.Trust = Note{Ja: "利害関係なし（独立）を表明。未確認", En: "Declares no stake in any business (independent); not yet verified"}
	default:
		ex.Trust = Note{Ja: "未確認", En: "Not yet verified by an organizer"}
	}
	return ex
}
