package main

import (
	"sync"
	"time"
)

// travelClock is the time every service reads: the system clock plus an
// offset that is zero except while the demo seeder writes a believable
// history (months of activity) through the real services.
type travelClock struct {
	mu     sync.RWMutex
	offset time.Duration
}

func (c *travelClock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock by d (negative: into the past).
func (c *travelClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
