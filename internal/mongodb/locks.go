package mongodb

import "sync"

// keyedMutex hands out one mutex per key, created on demand and dropped when
// nobody holds or waits for it, so memory stays bounded by concurrent writes.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int // holders plus waiters; guarded by keyedMutex.mu
}

func newKeyedMutex() keyedMutex {
	return keyedMutex{m: make(map[string]*keyedEntry)}
}

func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()

	e.mu.Lock()
	var once sync.Once
	return func() {
		once.Do(func() {
			e.mu.Unlock()
			k.mu.Lock()
			e.refs--
			if e.refs == 0 {
				delete(k.m, key)
			}
			k.mu.Unlock()
		})
	}
}
