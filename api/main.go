// Command kizuna serves the Kizuna API: mentor matching and a regional
// community for founders outside Japan's big cities.
//
// With no MONGODB_URI it starts an embedded MongoDB-compatible server keeping
// its files in KIZUNA_DATA_DIR, so `go run ./api` is all it takes.
//
//	@title						Kizuna API
//	@version					1.0
//	@description				Kizuna (絆) connects founders in Japan's regions with mentors near them: mentor profiles by topic and area, explained matching, introductions, mentorships carried to a good ending, and a free regional community.
//	@description				Errors are RFC 9457 problem details (application/problem+json) with a stable `code`. Lists take `limit` (1–100, default 20) and an opaque `cursor` and answer `{items, nextCursor}`, `nextCursor` absent on the last page; a cursor is valid only with the filters it was made with (the limit may change): others get 400 cursor_mismatch. Times are RFC 3339 UTC; ids are 24-hex strings.
//	@description				Area data: 市区町村・都道府県の名称、読み、位置 — code4fukui/localgovjp (CC0), originally from 国土地理院 and 地方公共団体情報システム機構; 出典：「全国地方公共団体コード」（総務省）を加工して作成; English names: Wikidata (CC0); 出典：国土地理院「全国都道府県市区町村別面積調」（令和7年10月1日時点）を加工して作成（振興局の所属）; 双葉町の位置: 「Geolonia 住所データ」株式会社Geolonia, CC BY 4.0.
//	@contact.name				Kizuna developers
//	@license.name				Proprietary
//	@BasePath					/
//	@schemes					http https
//	@securityDefinitions.apikey	BearerAuth
//	@in							header
//	@name						Authorization
//	@description				"Bearer <accessToken>" from /v1/auth/login, /v1/auth/register or /v1/auth/refresh.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/api/httpapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		go limitMemory(ctx, 100*time.Millisecond)
	}
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kizuna:", err)
		os.Exit(1)
	}
}

// limitMemory keeps the garbage collector's headroom in proportion to the
// live heap, unless GOGC or GOMEMLIMIT say otherwise: a soft memory limit of
// the live heap plus half of it, or plus 64 MiB when that is more, renewed
// every tick (often enough to follow the index as it loads at start). With
// 100,000 mentors the index is most of the heap and lives for ever; Go's
// default (collect when the heap has doubled) would let the process grow to
// twice it (peak 279 MiB against 225). A small heap (a
// regional community's) keeps the default's pace: its allocation-heavy reads
// (the inbox) lost a third of their throughput with GOGC=50.
func limitMemory(ctx context.Context, every time.Duration) {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		metrics.Read(live)
		if live[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(memoryLimit(live[0].Value.Uint64()))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// memoryLimit is the soft limit for a live heap of the given size.
func memoryLimit(live uint64) int64 {
	return int64(live + max(live/2, minMemoryHeadroom))
}

// minMemoryHeadroom is room for the garbage of requests and the runtime's
// own memory, whatever the live heap.
const minMemoryHeadroom = 64 << 20

// maxHeaderBytes bounds a request's header: a bearer token and a few headers
// need a few kilobytes; net/http's default is 1 MiB per connection.
const maxHeaderBytes = 32 << 10

// connWait is how long a connection past KIZUNA_MAX_CONNS waits for a slot.
const connWait = 250 * time.Millisecond

// shutdownTimeout bounds how long in-flight requests may take to finish.
const shutdownTimeout = 15 * time.Second

// run starts the API and serves until ctx is cancelled, then drains in-flight
// requests, stops background work, closes the driver and the embedded server.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags := flag.NewFlagSet("kizuna", flag.ContinueOnError)
	flags.SetOutput(stdout)
	demo := flags.Bool("demo", false, "seed an empty database with a Hokkaido demo community (same as KIZUNA_DEMO=1)")
	healthcheck := flags.Bool("healthcheck", false, "exit 0 when the server on KIZUNA_HTTP_ADDR is ready, 1 otherwise (for container healthchecks)")
	check := flags.Bool("check", false, "run SQLite's full integrity_check on the embedded database in KIZUNA_DATA_DIR and exit: 0 when sound, 1 when damaged")
	flags.Usage = func() {
		fmt.Fprintln(stdout, "usage: kizuna [-demo] [-check] [-healthcheck]\n       kizuna backup FILE    (copy the embedded database while it serves)\n       kizuna restore FILE   (put a backup back; the server must be stopped)\n       kizuna admin grant EMAIL ROLE   (give an account admin or organizer; no mail needed)\n       kizuna digest run   (send this month's lapsed-member digests now; the server must be stopped on the embedded database)")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if *healthcheck {
		return checkReady(ctx, cfg.HTTPAddr)
	}
	if *check {
		return checkCommand(ctx, cfg, stdout)
	}
	if flags.Arg(0) == "admin" {
		return adminCommand(ctx, cfg, flags.Args()[1:], stdout)
	}
	if flags.Arg(0) == "digest" {
		return digestCommand(ctx, cfg, flags.Args()[1:], stdout)
	}
	if cmd := flags.Arg(0); cmd != "" {
		return storageCommand(ctx, cfg, cmd, flags.Args()[1:], stdout)
	}
	cfg.Demo = cfg.Demo || *demo
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	gin.SetMode(gin.ReleaseMode)
	return serve(ctx, cfg, testHooks{}, log)
}

// serve runs the API on cfg until ctx is cancelled (SIGINT or SIGTERM), then
// stops accepting, lets in-flight requests finish (up to shutdownTimeout),
// stops the background jobs, closes the driver and the embedded server.
func serve(ctx context.Context, cfg config, hooks testHooks, log *slog.Logger) error {
	a, err := newApp(ctx, cfg, hooks, log)
	if err != nil {
		return err
	}
	if cfg.Demo {
		// The seed needs the database: wait for it (MongoDB may start later).
		err := a.waitReady(ctx)
		if err == nil {
			err = a.seedDemo(ctx)
		}
		if err != nil {
			return errors.Join(err, a.close(context.Background()))
		}
	}
	var metrics *metricsServer // nil: GET /metrics is on the public port
	if cfg.MetricsAddr != "" {
		if metrics, err = listenMetrics(cfg.MetricsAddr, a.metrics, log); err != nil {
			return errors.Join(err, a.close(context.Background()))
		}
		log.Info("metrics listening", "addr", metrics.addr)
	}
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var background sync.WaitGroup
	background.Go(func() { a.runBackground(bgCtx) })

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		stopBackground()
		background.Wait()
		return errors.Join(fmt.Errorf("listen: %w", err), metrics.shutdown(context.Background()), a.close(context.Background()))
	}
	var handler http.Handler = a.handler
	if hooks.wrapHandler != nil {
		handler = hooks.wrapHandler(handler)
	}
	srv := newHTTPServer(handler, cfg, log)
	serveErr := make(chan error, 1)
	maxConns := cfg.MaxConns
	if maxConns <= 0 {
		maxConns = defaultMaxConns()
	}
	go func() { serveErr <- srv.Serve(newLimitListener(ln, maxConns, connWait)) }()
	log.Info("listening", "addr", ln.Addr().String(), "embedded", a.db.Embedded(), "maxConns", maxConns,
		"swagger", "http://"+ln.Addr().String()+"/swagger/index.html")
	if a.db.Embedded() && len(cfg.CORSOrigins) == 0 {
		log.Info("browsers may call the API from http://localhost and http://127.0.0.1 on any port (the embedded default, for development); set KIZUNA_CORS_ORIGINS for other origins")
	}
	if hooks.listening != nil {
		hooks.listening(ln.Addr())
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		log.Error("server stopped", "err", err)
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	errs := []error{}
	// Shutdown closes the listener first, then waits for in-flight requests.
	if err := srv.Shutdown(shutdownCtx); err != nil {
		errs = append(errs, fmt.Errorf("drain requests: %w", err))
	}
	stopBackground()
	background.Wait()
	if err := metrics.shutdown(shutdownCtx); err != nil {
		errs = append(errs, fmt.Errorf("stop metrics: %w", err))
	}
	errs = append(errs, a.close(shutdownCtx))
	log.Info("stopped")
	return errors.Join(errs...)
}

// newHTTPServer is the API's server: its timeouts and limits, and each
// connection's write batcher for the handlers (see httpapi.WriteBatcher),
// which the listener of newLimitListener provides.
func newHTTPServer(handler http.Handler, cfg config, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if sc, ok := c.(*slotConn); ok {
				return httpapi.WithWriteBatcher(ctx, sc)
			}
			return ctx
		},
	}
}

// checkReady asks a running server on addr (":8080" means this host) whether
// it is ready. The runtime image has no shell or curl, so the binary does it.
func checkReady(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s", resp.Status)
	}
	return nil
}
