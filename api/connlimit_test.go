package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// keepAlive opens a connection, makes one request on it and leaves it open
// and idle, as a browser or a slow client does. It returns nil when the
// server closed the connection instead of answering (past the cap).
func keepAlive(addr string) net.Conn {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: kizuna\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil
	}
	res.Body.Close()
	return c
}

// With the connection cap at 50 and 200 clients holding idle keep-alive
// connections, the server serves 50 of them, closes the rest at once instead
// of letting them pile up (and the process run out of file descriptors), and
// a new client is served within a second once the idle ones time out.
func TestConnectionCap(t *testing.T) {
	t.Parallel()
	const limit, clients = 50, 200
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	env := map[string]string{
		"KIZUNA_DATA_DIR": t.TempDir(), "KIZUNA_HTTP_ADDR": "127.0.0.1:0",
		"KIZUNA_MAX_CONNS": fmt.Sprint(limit), "KIZUNA_IDLE_TIMEOUT": "1s",
	}
	var buf strings.Builder
	logs := &lockedWriter{w: &buf}
	go func() {
		done <- run(ctx, nil, func(k string) string { return env[k] }, io.MultiWriter(pw, logs))
		pw.Close()
	}()
	addr := waitForListening(t, pr)

	conns := make([]net.Conn, clients)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() { conns[i] = keepAlive(addr) })
	}
	wg.Wait()
	var held []net.Conn
	for _, c := range conns {
		if c != nil {
			held = append(held, c)
		}
	}
	if len(held) != limit {
		t.Fatalf("%d of %d idle clients were served, want the cap, %d", len(held), clients, limit)
	}
	// The server closes the idle ones (after 1 s here): each read ends.
	for _, c := range held {
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatal("an idle connection got data instead of being closed")
		}
		c.Close()
	}
	start := time.Now()
	getLive(t, "http://"+addr+"/readyz").want(http.StatusOK)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("a new client waited %v after the idle ones timed out", took)
	}
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	if strings.Contains(buf.String(), "too many open files") {
		t.Fatalf("the server ran out of file descriptors:\n%s", buf.String())
	}
}
