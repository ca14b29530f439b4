package search

import (
	"math/bits"
	"slices"
)

// Counting who meets a founder remotely does not depend on where the founder
// is: it is the open mentors without stakes who cover a requested topic,
// share a remote mode and pass the independence filter. The index keeps
// those counts by topic set, so Count answers that part with a few lookups
// (inclusion–exclusion over the requested topics) and reads the bitsets only
// where place matters: around the origin, for the mentors who meet in
// person only.

// maxCountedTopics is the largest request (in topics) whose remote part
// Count takes from the counts; larger ones read every word of the bitsets.
// A mentor adds to 1 + … + C(n, 3) topic sets (175 for 10 topics).
const maxCountedTopics = 3

// remoteKey is one count: the mentors covering every topic of topics who
// meet in a way of modes (ModeOnline, ModePhone or both), independent ones
// only when independent.
type remoteKey struct {
	topics      uint64
	modes       Mode
	independent bool
}

// remoteModes are the ways a founder can accept remote meetings.
var remoteModes = [...]Mode{ModeOnline, ModePhone, ModeOnline | ModePhone}

// countRemote adds d (1 or -1) to every count h belongs to; the caller
// holds mu.
func (fs *flagSets) countRemote(h *hot, d int32) {
	if !h.Accepting || h.Unlisted || h.Free() <= 0 || len(h.Stakes) > 0 || !h.Modes.Remote() {
		return
	}
	if fs.remoteCounts == nil {
		fs.remoteCounts = map[remoteKey]int32{}
	}
	eachSubset(h.TopicMask, func(sub uint64) {
		for _, m := range remoteModes {
			if h.Modes&m == 0 {
				continue
			}
			fs.remoteCounts[remoteKey{sub, m, false}] += d
			if h.Independent {
				fs.remoteCounts[remoteKey{sub, m, true}] += d
			}
		}
	})
}

// remoteCount is the number of open mentors without stakes who cover a
// topic of mask (at most maxCountedTopics), meet in a way of the remote
// modes of modes and, when independentOnly, are independent: the counts of
// every non-empty subset of mask, added for odd sizes and taken away for
// even ones.
func (fs *flagSets) remoteCount(mask uint64, modes Mode, independentOnly bool) int {
	modes &= ModeOnline | ModePhone
	if modes == 0 {
		return 0
	}
	n := int32(0)
	eachSubset(mask, func(sub uint64) {
		c := fs.remoteCounts[remoteKey{sub, modes, independentOnly}]
		if bits.OnesCount64(sub)%2 == 1 {
			n += c
		} else {
			n -= c
		}
	})
	return int(n)
}

// eachSubset calls fn with every subset of one, two or three bits of mask
// (maxCountedTopics).
func eachSubset(mask uint64, fn func(uint64)) {
	var one [64]uint64
	n := 0
	for m := mask; m != 0; m &= m - 1 {
		one[n] = m & -m
		n++
	}
	for i := range n {
		fn(one[i])
		for j := i + 1; j < n; j++ {
			fn(one[i] | one[j])
			for k := j + 1; k < n; k++ {
				fn(one[i] | one[j] | one[k])
			}
		}
	}
}

// addWord records that word w of the bitsets holds a member of c: kept
// sorted, each word once. A member leaving does not take its word out (the
// word is then read for nothing until Compact).
func (c *cell) addWord(w int32) {
	k, found := slices.BinarySearch(c.lists.words, w)
	if !found {
		c.lists.words = slices.Insert(c.lists.words, k, w)
	}
}
