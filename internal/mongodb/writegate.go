package mongodb

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// writeGate lets one write at a time reach the embedded server, first come
// first served. SQLite has a single writer; FerretDB opens up to 100
// connections to it and lets their transactions collide, so concurrent writes
// waited in SQLite's busy handler (sleeps of up to 100 ms, in no order, up to
// 10 s, then SQLITE_BUSY). Queueing them here instead costs each write only
// the writes before it. It also makes each write command run alone, so
// FerretDB's read-then-write of an update cannot interleave with another
// write of this process.
type writeGate struct {
	slot    chan struct{} // a full slot is a write in progress; blocked senders queue in order
	waiting prometheus.Gauge
	waited  prometheus.Histogram
}

func newWriteGate(reg prometheus.Registerer) *writeGate {
	g := &writeGate{
		slot: make(chan struct{}, 1),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kizuna_db_write_queue_waiting",
			Help: "Writes waiting for their turn at the embedded server (writes run one at a time, in arrival order).",
		}),
		waited: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kizuna_db_write_queue_wait_seconds",
			Help:    "How long writes waited for their turn at the embedded server.",
			Buckets: []float64{.0001, .0005, .001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
	}
	if reg != nil {
		g.waiting = registerOnce(reg, g.waiting)
		g.waited = registerOnce(reg, g.waited)
	}
	return g
}

// acquire waits for the caller's turn, until ctx ends.
func (g *writeGate) acquire(ctx context.Context) (release func(), err error) {
	deadline, _ := ctx.Deadline()
	release, err = g.wait(deadline, ctx.Done())
	if err == errStopped {
		err = ctx.Err()
	}
	return release, err
}

// errStopped says the wait for the gate was given up (see wait).
var errStopped = errors.New("mongodb: stopped waiting for the write gate")

// wait waits for the turn until deadline (none if zero), or until stop is
// closed (errStopped).
func (g *writeGate) wait(deadline time.Time, stop <-chan struct{}) (release func(), err error) {
	start := time.Now()
	select {
	case g.slot <- struct{}{}:
	default:
		var timeout <-chan time.Time
		if !deadline.IsZero() {
			t := time.NewTimer(time.Until(deadline))
			defer t.Stop()
			timeout = t.C
		}
		g.waiting.Inc()
		defer g.waiting.Dec()
		select {
		case g.slot <- struct{}{}:
		case <-timeout:
			return nil, os.ErrDeadlineExceeded
		case <-stop:
			return nil, errStopped
		}
	}
	g.waited.Observe(time.Since(start).Seconds())
	var once sync.Once
	return func() { once.Do(func() { <-g.slot }) }, nil
}

// gatedDialer dials the embedded server with connections that take the gate
// for each write command they carry.
type gatedDialer struct {
	gate *writeGate
	net.Dialer
}

func (d *gatedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := d.Dialer.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &gatedConn{Conn: c, gate: d.gate, closed: make(chan struct{})}, nil
}

// gatedConn watches the wire messages the driver sends. Before a write
// command goes out it waits for the gate, and it gives the gate back once
// the server's whole reply has been read (or the connection fails or
// closes). The driver writes each message with one Write and uses a
// connection for one operation at a time.
type gatedConn struct {
	net.Conn
	gate *writeGate

	mu            sync.Mutex
	release       func()    // set while this connection holds the gate
	replyLeft     int       // bytes of the reply still to read; 0 before its length is known
	replyHead     []byte    // the first bytes of the reply, until its length is known
	writeDeadline time.Time // as the driver set it: the longest the gate may be waited for
	closeOnce     sync.Once
	closed        chan struct{}
}

// Wire protocol: a message starts with its length, request id, response-to
// and op code (int32 each); OP_MSG (2013) then has flag bits and sections,
// the command itself being the kind-0 section whose first key names it.
const (
	opMsg        = 2013
	msgHeaderLen = 16
	moreToCome   = 1 << 1
)

// writeCommands are the commands that write to SQLite.
var writeCommands = [][]byte{
	[]byte("insert"), []byte("update"), []byte("delete"), []byte("findAndModify"),
	[]byte("createIndexes"), []byte("dropIndexes"), []byte("drop"), []byte("dropDatabase"),
	[]byte("create"), []byte("renameCollection"), []byte("collMod"), []byte("compact"),
}

// isWrite reports whether a whole wire message is a write command, and
// whether the server will answer it.
func isWrite(msg []byte) (write, answered bool) {
	if len(msg) < msgHeaderLen+5 || binary.LittleEndian.Uint32(msg[12:16]) != opMsg {
		return false, true
	}
	flags := binary.LittleEndian.Uint32(msg[16:20])
	answered = flags&moreToCome == 0
	// The kind-0 section: a BSON document whose first element's name is
	// the command (element: type byte, NUL-terminated name).
	body := msg[20:]
	for len(body) > 0 {
		kind := body[0]
		body = body[1:]
		if len(body) < 4 {
			return false, answered
		}
		size := int(binary.LittleEndian.Uint32(body[:4]))
		if size < 5 || size > len(body) {
			return false, answered
		}
		if kind == 0 {
			doc := body[:size]
			if len(doc) < 6 {
				return false, answered
			}
			name := doc[5:]
			if end := bytes.IndexByte(name, 0); end >= 0 {
				name = name[:end]
			}
			for _, w := range writeCommands {
				if bytes.Equal(name, w) {
					return true, answered
				}
			}
			return false, answered
		}
		body = body[size:] // kind 1: a document sequence, sized the same way
	}
	return false, answered
}

func (c *gatedConn) Write(b []byte) (int, error) {
	write, answered := isWrite(b)
	if write {
		c.mu.Lock()
		deadline := c.writeDeadline
		c.mu.Unlock()
		release, err := c.gate.wait(deadline, c.closed)
		if err == errStopped {
			err = net.ErrClosed
		}
		if err != nil {
			return 0, err
		}
		c.mu.Lock()
		c.release, c.replyLeft, c.replyHead = release, 0, c.replyHead[:0]
		c.mu.Unlock()
	}
	n, err := c.Conn.Write(b)
	if write && (err != nil || !answered) {
		c.giveBack()
	}
	return n, err
}

func (c *gatedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	if c.release != nil {
		c.consumeReply(b[:n])
	}
	c.mu.Unlock()
	if err != nil {
		c.giveBack()
	}
	return n, err
}

// consumeReply counts the reply's bytes and gives the gate back after the
// last one. Called with c.mu held.
func (c *gatedConn) consumeReply(b []byte) {
	if c.replyLeft == 0 {
		need := 4 - len(c.replyHead)
		if len(b) < need {
			c.replyHead = append(c.replyHead, b...)
			return
		}
		c.replyHead = append(c.replyHead, b[:need]...)
		b = b[need:]
		c.replyLeft = int(binary.LittleEndian.Uint32(c.replyHead)) - 4
		if c.replyLeft <= 0 {
			c.releaseLocked()
			return
		}
	}
	c.replyLeft -= len(b)
	if c.replyLeft <= 0 {
		c.releaseLocked()
	}
}

func (c *gatedConn) releaseLocked() {
	if c.release != nil {
		c.release()
		c.release = nil
	}
	c.replyLeft, c.replyHead = 0, c.replyHead[:0]
}

func (c *gatedConn) giveBack() {
	c.mu.Lock()
	c.releaseLocked()
	c.mu.Unlock()
}

func (c *gatedConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.writeDeadline = t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *gatedConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writeDeadline = t
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

func (c *gatedConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	c.giveBack()
	return c.Conn.Close()
}
