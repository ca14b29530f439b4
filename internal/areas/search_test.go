package areas

import (
	"slices"
	"testing"
)

func codes(ms []Municipality) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Code
	}
	return out
}

func TestSearchFirstResult(t *testing.T) {
	c := mustLoad(t)
	tests := []struct {
		query, want string
	}{
		// 札幌市 in every script; the designated city ranks before its wards.
		{"札幌", "01100"},
		{"札幌市", "01100"},
		{"さっぽろ", "01100"},
		{"サッポロ", "01100"},
		{"ｻｯﾎﾟﾛ", "01100"},
		{"ＳＡＰＰＯＲＯ", "01100"},
		{"Sapporo", "01100"},
		{"sapporo", "01100"},
		{"Sapporo-shi", "01100"},
		{"sapporo shi", "01100"},
		{"  SAPPORO  ", "01100"},
		// Wards by city and ward name, in any script, with or without suffixes.
		{"sapporo chuo", "01101"},
		{"Sapporo-shi Chuo-ku", "01101"},
		{"札幌 中央区", "01101"},
		{"札幌市中央区", "01101"},
		{"札幌中央", "01101"},
		{"さっぽろ ちゅうおう", "01101"},
		// No municipality is called 東京; 西東京市 contains it.
		{"Tōkyō", "13229"},
		{"tokyo", "13229"},
		{"東京", "13229"},
		{"とうきょう", "13229"},
		{"帯広", "01207"},
		{"おびひろ", "01207"},
		{"オビヒロ", "01207"},
		{"Obihiro", "01207"},
		{"obihiro-shi", "01207"},
		{"旭川", "01204"},
		{"ニセコ", "01395"},
		{"niseko", "01395"},
		// 鶴ヶ島市 is written with ヶ; ケ and け find it as well.
		{"鶴ケ島", "11241"},
		{"鶴ヶ島", "11241"},
		{"つるがしま", "11241"},
		// Apostrophes and hyphens in romaji do not matter.
		{"shinonsen", "28586"},
		{"Shin'onsen-cho", "28586"},
		{"minami alps", "19208"},
		// Exact special ward 中央区 (shorter) before 札幌市中央区 and the others.
		{"中央区", "13102"},
		// A city (中央市) ranks before wards at the same exact rank.
		{"中央", "19214"},
		{"chuo", "19214"},
		// A prefecture word narrows the result.
		{"tokyo chuo", "13102"},
		{"東京都 中央区", "13102"},
		{"北海道 伊達", "01233"},
		{"福島 伊達", "07213"},
		{"福島県 だて", "07213"},
		// Without one, the lower code wins among equals.
		{"伊達", "01233"},
		// City 池田市 before the four 池田町 at the same (bare-name) rank.
		{"池田", "27204"},
		{"いけだ", "27204"},
		// The glued ward key 京都右京 is not searched by substring.
		{"京都右京", "26108"},
		{"きょうとうきょう", "26108"},
		// Exact bare name beats prefix: 北区 (exact "kita") before 北見市 (prefix).
		{"kita", "13117"},
		{"kitami", "01208"},
		// 旭 is 旭市's bare name (exact) but only a prefix of 旭川市.
		{"旭", "12215"},
		// Towns and villages by kana suffix variants.
		{"いけだちょう", "01644"},
		{"いけだまち", "20481"},
		{"ikeda-machi", "20481"},
		{"しむかっぷ", "01463"},
		{"shimukappu-mura", "01463"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := c.Search(tt.query, 5)
			if len(got) == 0 || got[0].Code != tt.want {
				t.Errorf("Search(%q) = %v, want %s first", tt.query, codes(got), tt.want)
			}
		})
	}
}

func TestSearchVariantsAgree(t *testing.T) {
	c := mustLoad(t)
	groups := [][]string{
		{"札幌", "さっぽろ", "サッポロ", "ｻｯﾎﾟﾛ", "Sapporo", "sapporo", "SAPPORO", "Sapporo-shi", "ＳＡＰＰＯＲＯ"},
		{"帯広", "おびひろ", "Obihiro", "オビヒロ"},
		{"Tōkyō", "tokyo", "TOKYO", "東京", "とうきょう"},
	}
	for _, g := range groups {
		want := codes(c.Search(g[0], 0))
		for _, q := range g[1:] {
			if got := codes(c.Search(q, 0)); !slices.Equal(got, want) {
				t.Errorf("Search(%q) = %v, but Search(%q) = %v", q, got, g[0], want)
			}
		}
	}
}

func TestSearchResults(t *testing.T) {
	c := mustLoad(t)
	tests := []struct {
		name  string
		query string
		limit int
		want  []string // full result, in order
	}{
		{"empty", "", 5, nil},
		{"blank", " \t　", 5, nil},
		{"punctuation only", "-・'", 5, nil},
		{"no such place", "zzzzqqq", 5, nil},
		{"prefecture word alone finds no rows", "hokkaido", 5, nil},
		{"prefecture word must match", "北海道 池田", 5, []string{"01644"}},
		{"unknown extra word", "札幌 zzz", 5, nil},
		// Exact (designated city, then wards by name length and code),
		// then prefix: all wards start with 札幌市.
		{"limit respected", "札幌", 3, []string{"01100", "01102", "01103"}},
		// Tie-breaks in rank 0: city first, then towns by code.
		{"ikeda all", "池田", 10, []string{"27204", "01644", "18382", "20481", "21404"}},
		// 伊達市 exists twice; code order.
		{"date both", "伊達", 10, []string{"01233", "07213"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codes(c.Search(tt.query, tt.limit))
			if len(got) == 0 {
				got = nil
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Search(%q, %d) = %v, want %v", tt.query, tt.limit, got, tt.want)
			}
		})
	}
}

func TestSearchLimitDefault(t *testing.T) {
	c := mustLoad(t)
	// "市" is in nearly 800 names; the default cap applies.
	for _, limit := range []int{0, -1} {
		if got := len(c.Search("市", limit)); got != DefaultSearchLimit {
			t.Errorf("Search(市, %d) returned %d, want %d", limit, got, DefaultSearchLimit)
		}
	}
	if got := len(c.Search("市", 100)); got != 100 {
		t.Errorf("Search(市, 100) returned %d, want 100", got)
	}
}

func TestSearchRanking(t *testing.T) {
	c := mustLoad(t)
	// Every result of "中央" must be ordered by (rank, tier, length, code);
	// check the invariant over a long list rather than a few codes.
	res := c.Search("中央", 50)
	if len(res) < 12 {
		t.Fatalf("Search(中央) = %d results, want at least 12", len(res))
	}
	type key struct{ rank, tier, n int }
	var prev key
	for i, m := range res {
		k := key{c.keys[c.muniIdx[m.Code]].match("中央"), kindTier(m.Kind), len([]rune(m.NameJa))}
		if k.rank == noMatch {
			t.Fatalf("result %s does not match", m.Code)
		}
		if i > 0 && (k.rank < prev.rank || k.rank == prev.rank && (k.tier < prev.tier || k.tier == prev.tier && k.n < prev.n)) {
			t.Errorf("result %d %s %+v is out of order after %+v", i, m.Code, k, prev)
		}
		prev = k
	}
	// Exact matches come before anything that merely contains 中央.
	first := res[0]
	if first.Code != "19214" {
		t.Errorf("first = %s, want 中央市 19214", first.Code)
	}
}
