package main

import (
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// defaultMaxConns leaves room under the process's file-descriptor limit for
// what is not a client connection: the embedded server's SQLite files, the
// driver's pool (both ends of each loopback connection are in this process),
// logs. Half of what remains goes to clients, and at most 1,024: a 2-core
// server does not serve more at once usefully.
func defaultMaxConns() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 256
	}
	return max(16, min(1024, (int(min(lim.Cur, 1<<20))-reservedFDs)/2))
}

// reservedFDs is what defaultMaxConns keeps for everything but clients.
const reservedFDs = 320

// limitListener caps open client connections at n. Past the cap, a new
// connection waits up to wait for one to close and is then closed unserved:
// a client sees a refused request it can retry, and the process never runs
// out of file descriptors (which would stop it from accepting at all, the
// health checks included). Unlike x/net/netutil.LimitListener, excess
// connections do not queue in the kernel backlog indefinitely. Once one has
// waited in vain, the next are closed at once until a slot frees, so a burst
// does not hold the accept loop for a wait each.
type limitListener struct {
	net.Listener
	slots     chan struct{}
	wait      time.Duration
	saturated atomic.Bool
}

func newLimitListener(l net.Listener, n int, wait time.Duration) *limitListener {
	return &limitListener{Listener: l, slots: make(chan struct{}, n), wait: wait}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &slotConn{Conn: c, free: l.free}, nil
		default:
		}
		if l.saturated.Load() {
			c.Close()
			continue
		}
		t := time.NewTimer(l.wait)
		select {
		case l.slots <- struct{}{}:
			t.Stop()
			return &slotConn{Conn: c, free: l.free}, nil
		case <-t.C:
			l.saturated.Store(true)
			c.Close()
		}
	}
}

func (l *limitListener) free() {
	<-l.slots
	l.saturated.Store(false)
}

// slotConn gives its slot back once, when closed.
type slotConn struct {
	net.Conn
	once sync.Once
	free func()

	mu   sync.Mutex
	held *[]byte // while holding (see Hold), the writes kept
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.free)
	return err
}

// Hold, Write and Release gather a response's writes into one
// (httpapi.WriteBatcher). Only the connection's serving goroutine writes an
// HTTP/1.1 response; the mutex keeps the order should another ever write.
func (c *slotConn) Hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		c.held = heldPool.Get().(*[]byte)
	}
}

func (c *slotConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		*c.held = append(*c.held, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *slotConn) Release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.held
	if b == nil {
		return nil
	}
	c.held = nil
	var err error
	if len(*b) > 0 {
		_, err = c.Conn.Write(*b)
	}
	if cap(*b) <= 256<<10 {
		*b = (*b)[:0]
		heldPool.Put(b)
	}
	return err
}

// heldPool recycles batches: a response of suggestions is about 10 KB.
var heldPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}
