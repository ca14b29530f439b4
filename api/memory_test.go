package main

import "testing"

// The soft memory limit leaves a small heap the default's room and bounds a
// large one (the mentor index) to half again its size.
func TestMemoryLimit(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, 64 * mib},
		{30 * mib, 94 * mib},   // a regional community: more room than GOGC=100's 30 MiB
		{100 * mib, 164 * mib}, // 100,000 mentors: 64 MiB of room, not 100
		{300 * mib, 450 * mib}, // larger still: half again
	} {
		if got := memoryLimit(c.live); got != c.want {
			t.Errorf("memoryLimit(%d MiB) = %d MiB, want %d MiB", c.live/mib, got/mib, c.want/mib)
		}
	}
}
