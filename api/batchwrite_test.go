package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/benchdata"
)

// writeLog records the writes of the connections a listener accepted.
type writeLog struct {
	net.Listener
	mu     sync.Mutex
	writes []int // sizes, in order
}

func (l *writeLog) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	return &loggedConn{Conn: c, log: l}, err
}

func (l *writeLog) sizes() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int(nil), l.writes...)
}

type loggedConn struct {
	net.Conn
	log *writeLog
}

func (c *loggedConn) Write(p []byte) (int, error) {
	c.log.mu.Lock()
	c.log.writes = append(c.log.writes, len(p))
	c.log.mu.Unlock()
	return c.Conn.Write(p)
}

// A page of suggestions (about 10 KB, more than net/http's 4 KiB connection
// buffer) leaves the server in one write: status line, headers and body,
// through the API's own server and listener. A smaller response is not
// held up, and a second request on the connection is answered the same way.
func TestSuggestionsLeaveInOneWrite(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	must(t, benchdata.SeedMentors(ctx, ta.app.db, 400))
	must(t, ta.app.profiles.LoadIndex(ctx))
	founder := ta.signUp("batch", "founder")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	writes := &writeLog{Listener: ln}
	srv := newHTTPServer(ta.app.handler, config{}, slog.New(slog.DiscardHandler))
	go func() { _ = srv.Serve(newLimitListener(writes, 8, time.Second)) }()
	t.Cleanup(func() { _ = srv.Close() })

	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	get := func(path string) (body []byte, responseBytes int) {
		t.Helper()
		before := len(writes.sizes())
		req, err := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+path, nil)
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+founder.Access)
		res, err := client.Do(req)
		must(t, err)
		defer res.Body.Close()
		body, err = io.ReadAll(res.Body)
		must(t, err)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d: %s", path, res.StatusCode, body)
		}
		// The whole response has arrived, so every write of it is logged.
		sent := writes.sizes()[before:]
		if len(sent) != 1 {
			t.Fatalf("%s: response of %d body bytes sent in %d writes %v, want 1", path, len(body), len(sent), sent)
		}
		return body, sent[0]
	}
	for range 2 {
		body, sent := get("/v1/match-suggestions?topic=sales&topic=hiring&topic=fundraising&near=01207&radiusKm=200&limit=20")
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		must(t, json.Unmarshal(body, &page))
		if len(body) <= 4096 || len(page.Items) < 5 {
			t.Fatalf("%d items in %d bytes: too few to need more than one buffer", len(page.Items), len(body))
		}
		if sent <= len(body) {
			t.Fatalf("one write of %d bytes for a body of %d: the headers went apart", sent, len(body))
		}
	}
	get("/v1/match-suggestions?topic=sales&near=01207&radiusKm=10&limit=1")
}
