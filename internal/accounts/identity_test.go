package accounts

import (
	"testing"

	"github.com/kizuna-dev/kizuna/internal/apperr"
)

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"foo@example.jp", "foo@example.jp"},
		{"  Foo@Example.JP ", "foo@example.jp"},
		{"ｆｏｏ＠ｅｘａｍｐｌｅ．ｊｐ", "foo@example.jp"}, // typed with a Japanese IME
		{"ＦＯＯ@example.jp", "foo@example.jp"},
		{"\u3000foo@example.jp\u3000", "foo@example.jp"}, // ideographic spaces
	} {
		if got := normalizeEmail(tc.in); got != tc.want {
			t.Errorf("normalizeEmail(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDisplayNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"佐藤 由紀", true},
		{"Yuki Sato", true},
		{"👨\u200d👩\u200d👧 家族経営", true}, // the zero-width joiner of emoji sequences
		{"", false},
		{"\u200b\u200b\u200b", false},     // zero-width spaces only
		{"sato\u200b", false},             // a hidden character to pass as someone else
		{"abc\u202egnp.exe", false},       // right-to-left override
		{"\u2066admin\u2069", false},      // isolates
		{"\ufeffsato", false},             // byte-order mark
		{"\u3000\u3000", false},           // ideographic spaces only (trimmed to nothing)
		{"\u0301\u0301", false},           // combining marks only
		{"sato\x00", false},               // control character
		{string(make([]rune, 51)), false}, // too long (and NULs)
	} {
		var v apperr.Validation
		checkDisplayName(&v, "displayName", canonicalName(tc.name))
		if got := v.Err() == nil; got != tc.ok {
			t.Errorf("display name %q: accepted %v, want %v (%v)", tc.name, got, tc.ok, v.Err())
		}
	}
	if canonicalName("Cafe\u0301") != "Café" {
		t.Errorf("a name is not stored in NFC: %q", canonicalName("Cafe\u0301"))
	}
}

func TestPasswordCharacters(t *testing.T) {
	for _, tc := range []struct {
		password string
		ok       bool
	}{
		{"ezo-momonga-2026", true},
		{"えぞももんが２０２６です", true},
		{"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", false},
		{"ezo-momonga\x00-2026", false},
		{"          ", false},
		{"ezo-momonga\n2026", false},
	} {
		var v apperr.Validation
		checkPassword(&v, "password", tc.password, "sato@example.jp")
		if got := v.Err() == nil; got != tc.ok {
			t.Errorf("password %q: accepted %v, want %v (%v)", tc.password, got, tc.ok, v.Err())
		}
	}
}
