package search

import (
	"math/bits"
	"testing"
)

func TestEachSubset(t *testing.T) {
	for _, tc := range []struct {
		mask uint64
		want int // subsets of one to three bits
	}{
		{0, 0},
		{1, 1},
		{0b101, 3},
		{0b1011, 7},
		{1<<63 | 1<<40 | 1<<2 | 1, 14},
		{0b11111, 25},
		{1<<10 - 1, 175}, // a mentor's ten topics
	} {
		seen := map[uint64]bool{}
		eachSubset(tc.mask, func(sub uint64) {
			if n := bits.OnesCount64(sub); n < 1 || n > maxCountedTopics || sub&^tc.mask != 0 || seen[sub] {
				t.Errorf("mask %b: subset %b (%d bits, seen before: %v)", tc.mask, sub, n, seen[sub])
			}
			seen[sub] = true
		})
		if len(seen) != tc.want {
			t.Errorf("mask %b: %d subsets, want %d", tc.mask, len(seen), tc.want)
		}
	}
}
