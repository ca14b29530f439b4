package search

import (
	"testing"
	"unsafe"
)

// A ranking reads every field of a candidate's Facts but Stakes (behind
// HasStakes): they must stay in the first cache line of hot, and hot must
// stay two lines, so that in a page-aligned array no mentor's first line
// straddles two.
func TestHotKeepsWhatRankingReadsInOneLine(t *testing.T) {
	var h hot
	if end := unsafe.Offsetof(h.staked) + unsafe.Sizeof(h.staked); end > 64 {
		t.Errorf("the fields a ranking reads end at byte %d, past the first cache line", end)
	}
	if unsafe.Offsetof(h.Stakes) < 64 && unsafe.Offsetof(h.Stakes)+unsafe.Sizeof(h.Stakes) > 64 {
		t.Errorf("Stakes straddles the first line")
	}
	if size := unsafe.Sizeof(h); size != 128 {
		t.Errorf("hot is %d bytes, want 128 (two cache lines)", size)
	}
}
