// Package textnorm folds Japanese and Latin text into a form in which
// spelling variants compare equal, for search.
package textnorm

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold normalizes text for search: NFKC, lower case, katakana -> hiragana,
// Latin diacritics removed (Tōkyō -> tokyo, but NEVER strip Japanese
// dakuten/handakuten: が stays が), whitespace runs collapsed to one space,
// trimmed.
//
// Small ヶ/ヵ also fold to け/か, because place names are written with ヶ
// and ケ interchangeably (鶴ヶ島, 金ケ崎).
func Fold(s string) string {
	// NFKC turns full-width Latin into ASCII, half-width katakana into
	// full-width (joining ﾎﾟ into ポ) and U+3000 into a plain space.
	s = norm.NFKC.String(s)
	s = strings.ToLower(s)
	s = strings.Map(foldRune, s)
	s = stripLatinMarks(s)
	return strings.Join(strings.Fields(s), " ")
}

// ToHiragana converts katakana to hiragana, including half-width katakana
// (which is widened first). The prolonged sound mark ー and the middle dot
// ・ have no hiragana form and are kept; everything else is left as is.
func ToHiragana(s string) string {
	if strings.ContainsFunc(s, isHalfwidthKana) {
		s = widenHalfwidthKana(s)
	}
	return strings.Map(toHiragana, s)
}

// toHiragana maps one katakana rune to hiragana.
func toHiragana(r rune) rune {
	switch {
	case r >= 'ァ' && r <= 'ヶ':
		// ァ..ヶ and ぁ..ゖ are parallel blocks 0x60 apart.
		return r - ('ァ' - 'ぁ')
	case r == 'ヽ' || r == 'ヾ':
		return r - ('ヽ' - 'ゝ')
	}
	return r
}

// foldRune is the per-rune part of Fold, applied after lower-casing.
func foldRune(r rune) rune {
	r = toHiragana(r)
	switch r {
	case 'ゕ':
		return 'か'
	case 'ゖ':
		return 'け'
	// These Latin letters carry a stroke, not a combining mark, so NFD
	// cannot split them; map them by hand so "Łódź" folds like "lodz".
	case 'ø':
		return 'o'
	case 'ł':
		return 'l'
	case 'đ':
		return 'd'
	case 'ħ':
		return 'h'
	case 'ı':
		return 'i'
	}
	return r
}

// stripLatinMarks removes combining marks that follow a Latin base letter.
// Only those: NFD also splits が into か + U+3099, and that mark must stay.
func stripLatinMarks(s string) string {
	if !needsStrip(s) {
		return s
	}
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	latinBase := false
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			if latinBase {
				continue
			}
		} else {
			latinBase = unicode.Is(unicode.Latin, r)
		}
		b.WriteRune(r)
	}
	// Recompose what was kept (か + U+3099 -> が).
	return norm.NFC.String(b.String())
}

// needsStrip is a fast path: plain ASCII and kana-only strings, the usual
// case, skip the NFD/NFC round trip.
func needsStrip(s string) bool {
	for _, r := range s {
		if r >= 0x80 && (unicode.Is(unicode.Latin, r) || unicode.Is(unicode.Mn, r)) {
			return true
		}
	}
	return false
}

// isHalfwidthKana reports runes of the Halfwidth Katakana block
// (U+FF61 ｡ .. U+FF9F ﾟ), including its punctuation and sound marks.
func isHalfwidthKana(r rune) bool { return r >= 0xFF61 && r <= 0xFF9F }

// widenHalfwidthKana applies NFKC to runs of half-width katakana only, so
// that ﾎﾟ becomes ポ while full-width Latin and other text stay untouched.
func widenHalfwidthKana(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for s != "" {
		i := strings.IndexFunc(s, isHalfwidthKana)
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexFunc(s, func(r rune) bool { return !isHalfwidthKana(r) })
		if j < 0 {
			j = len(s)
		}
		b.WriteString(norm.NFKC.String(s[:j]))
		s = s[j:]
	}
	return b.String()
}
