package textnorm

import "testing"

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"blank", " \t\u3000\n ", ""},
		{"ascii lower", "sapporo", "sapporo"},
		{"ascii upper", "SAPPORO", "sapporo"},
		{"full-width latin", "ＳＡＰＰＯＲＯ", "sapporo"},
		{"full-width digits and hyphen", "Ｓａｐｐｏｒｏ－ｓｈｉ　１２３", "sapporo-shi 123"},
		{"half-width katakana", "ｻｯﾎﾟﾛ", "さっぽろ"},
		{"half-width voiced", "ｶﾞｷﾞｸﾞ", "がぎぐ"},
		{"full-width katakana", "サッポロ", "さっぽろ"},
		{"hiragana unchanged", "さっぽろ", "さっぽろ"},
		{"prolonged sound mark kept", "オホーツク", "おほーつく"},
		{"kanji unchanged", "札幌市", "札幌市"},
		{"macrons", "Tōkyō", "tokyo"},
		{"upper macron", "ŌSAKA", "osaka"},
		{"circumflex", "Tôkyô", "tokyo"},
		{"decomposed macron input", "To\u0304kyo\u0304", "tokyo"},
		{"other latin diacritics", "Crème Brûlée", "creme brulee"},
		{"stroke letters", "Łódź Ørsted", "lodz orsted"},
		{"dakuten kept", "が", "が"},
		{"handakuten kept", "ぱぴぷ", "ぱぴぷ"},
		{"katakana dakuten kept", "ガイド", "がいど"},
		{"vu", "ヴ", "ゔ"},
		{"decomposed hiragana recomposed", "か\u3099", "が"},
		{"dakuten next to macron", "Ryōgoku りょうごく ボ", "ryogoku りょうごく ぼ"},
		{"small ke folds", "鶴ヶ島", "鶴け島"},
		{"large ke folds", "鶴ケ島", "鶴け島"},
		{"small ka folds", "一ヵ月", "一か月"},
		{"iteration mark", "ヽヾ", "ゝゞ"},
		{"whitespace collapsed", "  札幌市 \t\n 中央区  ", "札幌市 中央区"},
		{"ideographic space", "札幌市　中央区", "札幌市 中央区"},
		{"mixed", "  Ｓａｐｐｏｒｏ　ｻｯﾎﾟﾛ  Tōkyō   札幌 ", "sapporo さっぽろ tokyo 札幌"},
		{"circled digit nfkc", "①", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFoldIdempotent(t *testing.T) {
	for _, in := range []string{"ＳＡＰＰＯＲＯ", "ｻｯﾎﾟﾛ", "Tōkyō が", "鶴ヶ島", "  a  b "} {
		once := Fold(in)
		if twice := Fold(once); twice != once {
			t.Errorf("Fold not idempotent for %q: %q then %q", in, once, twice)
		}
	}
}

func TestToHiragana(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"katakana", "サッポロ", "さっぽろ"},
		{"half-width", "ｻｯﾎﾟﾛ", "さっぽろ"},
		{"half-width prolonged mark", "ｵﾎｰﾂｸ", "おほーつく"},
		{"prolonged mark kept", "オホーツク", "おほーつく"},
		{"middle dot kept", "ア・イ", "あ・い"},
		{"dakuten", "ガギグゲゴ", "がぎぐげご"},
		{"small kana", "ァィゥェォャュョッヮ", "ぁぃぅぇぉゃゅょっゎ"},
		{"small ka ke stay small", "ヵヶ", "ゕゖ"},
		{"vu", "ヴ", "ゔ"},
		{"iteration marks", "ヽヾ", "ゝゞ"},
		{"va has no hiragana", "ヷ", "ヷ"},
		// Only katakana changes: Latin, full-width Latin, kanji stay.
		{"others untouched", "ＡBc 札幌 さっぽろ", "ＡBc 札幌 さっぽろ"},
		{"mixed", "札幌ｼ サッポロ Sapporo", "札幌し さっぽろ Sapporo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToHiragana(tt.in); got != tt.want {
				t.Errorf("ToHiragana(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
