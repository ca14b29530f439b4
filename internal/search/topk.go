package search

import "slices"

// TopK keeps the k best items pushed into it, by cmp (negative: a is better),
// in a bounded heap: O(n log k) for n pushes instead of sorting all n.
type TopK[T any] struct {
	k     int
	cmp   func(a, b T) int
	items []T // a heap with the worst kept item at the root
}

// NewTopK returns an empty TopK keeping k items.
func NewTopK[T any](k int, cmp func(a, b T) int) *TopK[T] {
	return &TopK[T]{k: k, cmp: cmp, items: make([]T, 0, k)}
}

// Reset empties t to keep k items by cmp, reusing its array (cleared, so it
// holds on to nothing): a TopK kept in a pool ranks without allocating.
func (t *TopK[T]) Reset(k int, cmp func(a, b T) int) {
	clear(t.items[:cap(t.items)])
	t.k, t.cmp, t.items = k, cmp, slices.Grow(t.items[:0], k)
}

// Push offers an item.
func (t *TopK[T]) Push(x T) {
	if t.k <= 0 {
		return
	}
	if len(t.items) < t.k {
		t.items = append(t.items, x)
		t.up(len(t.items) - 1)
		return
	}
	if t.cmp(x, t.items[0]) >= 0 {
		return // no better than the worst kept
	}
	t.items[0] = x
	t.down(0)
}

// Sorted returns the kept items, best first, in t's own array: they stay
// valid until the next Push or Reset. The TopK is empty afterwards.
func (t *TopK[T]) Sorted() []T {
	out := t.items
	t.items = t.items[:0]
	slices.SortFunc(out, t.cmp)
	return out
}

// worse reports whether items[i] should be nearer the root than items[j].
func (t *TopK[T]) worse(i, j int) bool { return t.cmp(t.items[i], t.items[j]) > 0 }

func (t *TopK[T]) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !t.worse(i, parent) {
			return
		}
		t.items[i], t.items[parent] = t.items[parent], t.items[i]
		i = parent
	}
}

func (t *TopK[T]) down(i int) {
	n := len(t.items)
	for {
		worst := i
		if l := 2*i + 1; l < n && t.worse(l, worst) {
			worst = l
		}
		if r := 2*i + 2; r < n && t.worse(r, worst) {
			worst = r
		}
		if worst == i {
			return
		}
		t.items[i], t.items[worst] = t.items[worst], t.items[i]
		i = worst
	}
}

// Full reports whether k items are kept: a new item must then beat Worst.
func (t *TopK[T]) Full() bool { return len(t.items) == t.k }

// Worst returns the worst kept item; only meaningful when Len() > 0.
func (t *TopK[T]) Worst() T { return t.items[0] }
