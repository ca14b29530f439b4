package search

import (
	"slices"
	"strings"
	"sync"
)

// interner keeps one copy of the strings and lists that many mentors share
// (municipality and prefecture codes, languages, topic lists, industries):
// decoded from the database, each mentor would hold its own copies, about a
// tenth of the index at 100,000 mentors. It is bounded, so free text that
// never repeats cannot make it grow without end: past maxInterned values a
// new one is simply kept as it is.
type interner struct {
	mu      sync.Mutex
	strings map[string]string
	lists   map[string][]string
}

// maxInterned bounds each table: far more than the 1,900 municipalities,
// the languages and the common topic lists, small next to the index.
const maxInterned = 1 << 14

func newInterner() *interner {
	return &interner{strings: map[string]string{}, lists: map[string][]string{}}
}

// string returns the kept copy of s.
func (in *interner) string(s string) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.stringLocked(s)
}

func (in *interner) stringLocked(s string) string {
	if kept, ok := in.strings[s]; ok {
		return kept
	}
	if len(in.strings) < maxInterned {
		in.strings[s] = s
	}
	return s
}

// list returns a kept list equal to l (in order), its strings kept too. The
// index never modifies a list, so mentors may share one. A nil list stays nil
// and an empty one empty (the API tells them apart for some fields).
func (in *interner) list(l []string) []string {
	if len(l) == 0 {
		return l
	}
	key := strings.Join(l, "\x00")
	if strings.Count(key, "\x00") != len(l)-1 {
		return slices.Clone(l) // a NUL inside a value: the key would be ambiguous
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if kept, ok := in.lists[key]; ok {
		return kept
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = in.stringLocked(s)
	}
	if len(in.lists) < maxInterned {
		in.lists[key] = out
	}
	return out
}
