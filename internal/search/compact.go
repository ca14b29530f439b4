package search

import (
	"cmp"
	"slices"
)

// Compact renumbers the mentors so that each grid cell's are at neighbouring
// positions (cells in latitude, then longitude order), and drops the places
// of removed mentors. Positions are otherwise the order mentors arrived in,
// which at start is the database's: a ranking then reads the members of a
// cell, and counting the in-person mentors of the cells around an origin,
// from facts spread over the whole array, a cache miss each. Called once
// after the index is loaded; mentors added later go to the end as before.
func (ix *Index) Compact() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	// order[new] = old: the live positions by cell, then by old position.
	order := make([]int32, 0, len(ix.items))
	for i, e := range ix.items {
		if !e.gone() {
			order = append(order, int32(i))
		}
	}
	keys := make([]cellKey, len(ix.cells))
	for key, c := range ix.cellOf {
		keys[c] = key
	}
	slices.SortFunc(order, func(a, b int32) int {
		ka, kb := keys[ix.hot[a].cell-1], keys[ix.hot[b].cell-1]
		return cmp.Or(cmp.Compare(ka.lat, kb.lat), cmp.Compare(ka.lon, kb.lon), cmp.Compare(a, b))
	})
	// The removed go last, to be cut off.
	n := len(order)
	for i, e := range ix.items {
		if e.gone() {
			order = append(order, int32(i))
		}
	}
	// Moved in place, a cycle at a time: a second copy of 100,000 mentors'
	// facts would add tens of megabytes at the peak of a start-up.
	permute(ix.items, order)
	permute(ix.texts, order)
	permute(ix.hot, order)
	permute(ix.where, order)
	clear(ix.items[n:])
	clear(ix.texts[n:])
	ix.items, ix.texts, ix.hot, ix.where, ix.cellAt = ix.items[:n], ix.texts[:n], ix.hot[:n], ix.where[:n], ix.cellAt[:n]
	ix.removed = 0

	// What addresses mentors by position is built again.
	for k := range ix.cells {
		c := &ix.cells[k]
		c.lists.byTopic.clear()
		c.lists.n, c.lists.words = 0, c.lists.words[:0]
	}
	ix.remote.clear()
	// The remote counts do not depend on positions: they stay.
	ix.flags = flagSets{remoteCounts: ix.flags.remoteCounts}
	clear(ix.byID)
	for i := range ix.hot {
		h := &ix.hot[i]
		ix.byID[h.ID] = i
		ix.cellAt[i] = h.cell
		c := &ix.cells[h.cell-1]
		c.lists.n++
		// Positions rise: a word is new to c when it is not c's last.
		if w := int32(i / 64); len(c.lists.words) == 0 || c.lists.words[len(c.lists.words)-1] != w {
			c.lists.words = append(c.lists.words, w)
		}
		m := member{topics: h.TopicMask, pos: int32(i), priority: h.priority}
		c.lists.byTopic.append(m)
		if h.Modes.Remote() {
			ix.remote.append(m)
		}
		ix.placeFlags(i, &hot{}, h)
	}
	ix.wordCell = ix.wordCell[:0]
	for w := range (n + 63) / 64 {
		ix.updateWordCell(w)
	}
	for k := range ix.cells {
		ix.cells[k].lists.byTopic.sort()
		ix.setHeads(int32(k), ^uint64(0))
	}
	ix.remote.sort()
	ix.remoteOrdered = true
}

// permute rearranges a so that a[i] becomes the old a[order[i]]; order is a
// permutation of a's positions.
func permute[T any](a []T, order []int32) {
	done := make([]bool, len(a))
	for start := range a {
		if done[start] {
			continue
		}
		saved := a[start]
		i := start
		for {
			done[i] = true
			from := int(order[i])
			if from == start {
				a[i] = saved
				break
			}
			a[i] = a[from]
			i = from
		}
	}
}
