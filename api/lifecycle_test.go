package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/testnet"
)

// The API starts while MongoDB is not reachable: /healthz answers, /readyz
// and every database request answer 503 at once; when the database comes up
// the API initializes itself and serves; when it goes away again requests
// answer 503 within the server-selection timeout instead of hanging.
func TestStartsBeforeTheDatabase(t *testing.T) {
	t.Parallel()
	dbAddr := testnet.FreeAddr(t)
	ta := openTestApp(t, t.TempDir(), newFakeClock(), func(c *appSetup) {
		c.MongoURI = "mongodb://" + dbAddr + "/"
		c.JWTSecret = strings.Repeat("x", 32)
		c.serverSelection = 300 * time.Millisecond
	})
	ta.get("/healthz", "").want(http.StatusOK)
	ta.get("/readyz", "").want(http.StatusServiceUnavailable)
	signUp := map[string]any{"email": uniqueEmail("early"), "password": testPassword, "displayName": "早い人", "roles": []string{"founder"}}
	// "At once" is shown by who answers, not by a stopwatch (a one-second
	// bound failed on loaded machines): the gate still holds the waiting
	// handler, which never touches the database (NewUnavailableHandler), so
	// these 503s cannot have waited for it.
	waiting := ta.app.handler.current()
	ta.post("/v1/auth/register", "", signUp).wantProblem(http.StatusServiceUnavailable, "unavailable")
	ta.get("/v1/topics", "").wantProblem(http.StatusServiceUnavailable, "unavailable")
	if ta.app.handler.current() != waiting {
		t.Fatal("the API opened without a database")
	}

	stopDB, err := mongodb.ServeEmbedded(t.TempDir(), dbAddr, nil)
	must(t, err)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			stopDB()
		}
	})
	select {
	case <-ta.app.ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("not ready 30 s after the database came up; logs:\n%s", ta.logs)
	}
	ta.get("/readyz", "").want(http.StatusOK)
	f := ta.signUp("late", "founder")
	ta.get("/v1/me", f.Access).want(http.StatusOK)

	// The database goes away: a write answers 503 quickly, not a 500 or a hang.
	stopDB()
	stopped = true
	// Each database call gives up after the 300 ms server selection; a hang
	// would not end at all. The bound is 33 times that timeout, wide enough
	// that a loaded machine does not trip it, only a hang.
	start := time.Now()
	ta.patch("/v1/me", f.Access, map[string]any{"displayName": "遅い人"}).wantProblem(http.StatusServiceUnavailable, "unavailable")
	ta.get("/readyz", "").want(http.StatusServiceUnavailable)
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("503s took %v with the database gone", took)
	}
}

// On SIGTERM (the context ending) the server stops accepting connections,
// lets the request in flight finish and answer, stops the jobs and closes the
// database; the request's write is there after a restart.
func TestShutdownFinishesInFlightRequest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	entered, release := make(chan struct{}), make(chan struct{})
	listening := make(chan net.Addr, 1)
	cfg := config{
		HTTPAddr: "127.0.0.1:0", DataDir: dir, Database: "kizuna", IntroExpiryDays: 14, LapsedDays: 90,
		AuthPerMinute: 100000, LogLevel: slog.LevelInfo,
	}
	hooks := testHooks{
		clock: newFakeClock(), syncInterval: time.Hour,
		// Holds the marked request inside the server until the test releases it.
		wrapHandler: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-Test-Hold") != "" {
					close(entered)
					<-release
				}
				h.ServeHTTP(w, r)
			})
		},
		listening: func(a net.Addr) { listening <- a },
	}
	logs := &lockedWriter{w: &bytes.Buffer{}}
	ctx, sigterm := context.WithCancel(context.Background())
	defer sigterm()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, cfg, hooks, slog.New(slog.NewJSONHandler(logs, nil))) }()
	addr := (<-listening).String()

	email := uniqueEmail("inflight")
	body, _ := json.Marshal(map[string]any{"email": email, "password": testPassword, "displayName": "途中", "roles": []string{"founder"}})
	answered := make(chan *http.Response, 1)
	go func() {
		r, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/auth/register", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Test-Hold", "1")
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Errorf("in-flight request: %v", err)
		}
		answered <- res
	}()
	<-entered
	sigterm()

	// New connections are refused once shutdown has begun (the listener
	// closes first), while the held request is still running.
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 10 s after SIGTERM")
		}
	}
	select {
	case err := <-served:
		t.Fatalf("serve returned (%v) with a request in flight", err)
	default:
	}

	close(release)
	res := <-answered
	if res == nil {
		t.FailNow()
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("in-flight sign-up answered %d, want 201", res.StatusCode)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	// The database was closed cleanly and kept the write.
	again := openTestApp(t, dir, newFakeClock())
	again.login(email, testPassword)
}

// The MongoDB write concern defaults to majority and must acknowledge writes.
func TestWriteConcernConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	cfg, err := loadConfig(getenv)
	if err != nil || cfg.WriteConcern != "majority" {
		t.Fatalf("default: %q %v", cfg.WriteConcern, err)
	}
	env["KIZUNA_MONGODB_WRITE_CONCERN"] = "2"
	if cfg, err = loadConfig(getenv); err != nil || cfg.WriteConcern != "2" {
		t.Fatalf("2: %q %v", cfg.WriteConcern, err)
	}
	env["KIZUNA_MONGODB_WRITE_CONCERN"] = "0" // unacknowledged writes could be lost silently
	if _, err = loadConfig(getenv); err == nil || !strings.Contains(err.Error(), "KIZUNA_MONGODB_WRITE_CONCERN") {
		t.Fatalf("0 accepted: %v", err)
	}
}
