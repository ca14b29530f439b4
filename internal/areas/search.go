package areas

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kizuna-dev/kizuna/internal/textnorm"
)

// DefaultSearchLimit is the number of results Search returns when asked
// for limit <= 0.
const DefaultSearchLimit = 20

// muniKeys is what Search compares a query with, computed once at Load.
type muniKeys struct {
	names   []string // folded, compacted names; see buildKeys
	joined  []string // ward keys glued from city and ward names: exact or prefix match only
	tier    int      // kind order within a rank
	nameLen int      // runes in NameJa, the "shorter name" tie-break
}

// Match ranks, best first.
const (
	rankExact = iota
	rankPrefix
	rankSubstring
	noMatch = -1
)

// Search finds municipalities by name in Japanese script, kana (hiragana,
// katakana, half-width) or romaji, with or without the 市/町/村/区 suffix:
// 札幌, さっぽろ, ｻｯﾎﾟﾛ, Sapporo, "Sapporo-shi" all find 札幌市.
//
// The whole query is matched against each row's names first. A query of
// several words also matches a row when every word matches one of its
// names or, as a filter only, its prefecture's name: "札幌 中央区",
// "北海道 伊達" (not 福島県の伊達市). At least one word must match the
// row's own names, so "東京" alone does not list all of Tokyo.
//
// Results are ordered by rank (exact name or bare name, then prefix, then
// substring; a multi-word match takes its worst word's rank), then cities
// (designated or not) before wards before towns and villages, then shorter
// name, then code. A blank query finds nothing; limit <= 0 means
// DefaultSearchLimit.
func (c *Catalog) Search(query string, limit int) []Municipality {
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	q := textnorm.Fold(query)
	whole := compact(q)
	if whole == "" {
		return nil
	}
	var words []string
	for _, w := range strings.Fields(q) {
		if w = compact(w); w != "" {
			words = append(words, w)
		}
	}
	type hit struct{ i, rank int }
	var hits []hit
	for i := range c.munis {
		r := c.keys[i].match(whole)
		if len(words) > 1 {
			if wr := c.wordsRank(i, words); wr != noMatch && (r == noMatch || wr < r) {
				r = wr
			}
		}
		if r != noMatch {
			hits = append(hits, hit{i, r})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		ka, kb := &c.keys[a.i], &c.keys[b.i]
		return cmp.Or(
			cmp.Compare(a.rank, b.rank),
			cmp.Compare(ka.tier, kb.tier),
			cmp.Compare(ka.nameLen, kb.nameLen),
			cmp.Compare(a.i, b.i), // munis are in code order
		)
	})
	out := make([]Municipality, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		out = append(out, c.munis[h.i])
	}
	return out
}

// wordsRank matches a multi-word query word by word: each word must match
// one of the row's names or equal one of its prefecture's names, and at
// least one must be a name match. The rank is the worst name match.
func (c *Catalog) wordsRank(i int, words []string) int {
	worst := noMatch
	pk := c.prefKeys[c.prefIdx[c.munis[i].PrefectureCode]]
	for _, w := range words {
		if r := c.keys[i].match(w); r != noMatch {
			worst = max(worst, r)
			continue
		}
		if !slices.Contains(pk, w) {
			return noMatch
		}
	}
	return worst
}

func (k *muniKeys) match(q string) int {
	r := matchRank(k.names, q)
	for _, j := range k.joined {
		switch {
		case j == q:
			return rankExact
		case strings.HasPrefix(j, q) && (r == noMatch || r > rankPrefix):
			r = rankPrefix
		}
	}
	return r
}

func matchRank(keys []string, q string) int {
	best := noMatch
	for _, k := range keys {
		switch {
		case k == q:
			return rankExact
		case strings.HasPrefix(k, q):
			best = rankPrefix
		case best == noMatch && strings.Contains(k, q):
			best = rankSubstring
		}
	}
	return best
}

// compact drops everything but letters and digits from folded text, so
// that "Sapporo-shi", "sapporo shi" and "sapporoshi", or "Shin'onsen" and
// "shinonsen", compare equal. ー and 々 are letters (Lm) and stay.
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

func kindTier(k Kind) int {
	switch k {
	case KindCity, KindDesignatedCity:
		return 0
	case KindWard, KindSpecialWard:
		return 1
	}
	return 2
}

// buildKeys precomputes each row's search keys so Search folds only the
// query. For 札幌市中央区 (ward of 札幌市) the keys are, in each of
// kanji, kana and romaji: the full name (札幌市中央区), the name without
// the ward suffix (札幌市中央), the ward's own name with and without suffix
// (中央区, 中央) and, matched only whole or as a prefix, city and ward
// without suffixes (札幌中央; as a substring, 京都市右京区's きょうとうきょう
// would contain とうきょう). Other rows have the full and the bare name.
func (c *Catalog) buildKeys() {
	c.keys = make([]muniKeys, len(c.munis))
	for i, m := range c.munis {
		jaSfx, kanaSfx, _, _ := kindSuffixes(m.Kind)
		var names, joined []string
		add := func(ss ...string) {
			for _, s := range ss {
				if s = compact(textnorm.Fold(s)); s != "" && !slices.Contains(names, s) {
					names = append(names, s)
				}
			}
		}
		enBare := stripRomaji(m.NameEn)
		add(m.NameJa, trimAny(m.NameJa, jaSfx), m.NameKana, trimAny(m.NameKana, kanaSfx), m.NameEn, enBare)
		if p, ok := c.Municipality(m.ParentCode); ok && m.Kind == KindWard {
			pJa, pKana, _, _ := kindSuffixes(p.Kind)
			wardJa := strings.TrimPrefix(m.NameJa, p.NameJa)
			wardKana := strings.TrimPrefix(m.NameKana, p.NameKana)
			wardEn := strings.TrimPrefix(m.NameEn, p.NameEn+" ")
			add(wardJa, trimAny(wardJa, jaSfx), wardKana, trimAny(wardKana, kanaSfx), wardEn, stripRomaji(wardEn))
			for _, s := range []string{
				trimAny(p.NameJa, pJa) + trimAny(wardJa, jaSfx),
				trimAny(p.NameKana, pKana) + trimAny(wardKana, kanaSfx),
			} {
				if s = compact(textnorm.Fold(s)); !slices.Contains(names, s) {
					joined = append(joined, s)
				}
			}
		}
		c.keys[i] = muniKeys{names: names, joined: joined, tier: kindTier(m.Kind), nameLen: utf8.RuneCountInString(m.NameJa)}
	}
	// A prefecture word in a multi-word query must equal one of these:
	// 東京都 / 東京 / とうきょうと / とうきょう / tokyo.
	c.prefKeys = make([][]string, len(c.prefs))
	for i, p := range c.prefs {
		bareJa, bareKana := p.NameJa, p.NameKana
		for _, s := range [...]struct{ ja, kana string }{{"都", "と"}, {"府", "ふ"}, {"県", "けん"}} {
			if strings.HasSuffix(p.NameJa, s.ja) {
				bareJa = strings.TrimSuffix(p.NameJa, s.ja)
				bareKana = strings.TrimSuffix(p.NameKana, s.kana)
			}
		}
		for _, s := range []string{p.NameJa, bareJa, p.NameKana, bareKana, p.NameEn} {
			if s = compact(textnorm.Fold(s)); s != "" && !slices.Contains(c.prefKeys[i], s) {
				c.prefKeys[i] = append(c.prefKeys[i], s)
			}
		}
	}
}

// trimAny removes the first matching suffix.
func trimAny(s string, suffixes []string) string {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return strings.TrimSuffix(s, x)
		}
	}
	return s
}

// stripRomaji removes the type suffix from each word of a romanized name,
// so a ward's "Sapporo-shi Chuo-ku" also gives "sapporo chuo".
func stripRomaji(s string) string {
	suffixes := []string{"-shi", "-ku", "-cho", "-machi", "-mura", "-son"}
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		words[i] = trimAny(w, suffixes)
	}
	return strings.Join(words, " ")
}
