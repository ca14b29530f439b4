package mongodb

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// ferretNew serializes ferretdb.New: it writes package-level state of its own
// (the build's package name), which concurrent starts would race on.
var ferretNew sync.Mutex

// embeddedServer is FerretDB with its SQLite backend, listening on a
// loopback port and keeping one SQLite file per database under dir.
type embeddedServer struct {
	uri      string
	dir      string        // where the SQLite files are
	checked  chan struct{} // closed once the start-up quick_check is done
	checkErr error         // its verdict (see DB.Checked)
	lock     *dirLock
	cancel   context.CancelFunc
	done     chan struct{}
}

// ServeEmbedded starts an embedded server on addr (host:port) over dataDir
// with no client of its own, and returns its stop function: for tests that
// start the database after the API.
func ServeEmbedded(dataDir, addr string, logger *slog.Logger) (stop func(), err error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv, err := startEmbedded(dataDir, addr, logger)
	if err != nil {
		return nil, err
	}
	return srv.stop, nil
}

// sqliteDurability makes every acknowledged write survive a crash: WAL with
// synchronous=FULL syncs the log at every commit, so neither a killed process
// nor a power loss loses a committed write (NORMAL would survive only a
// killed process). FULL is also SQLite's compiled default here; saying it
// keeps it from changing under us.
const sqliteDurability = "?_pragma=journal_mode(wal)&_pragma=synchronous(full)"

func startEmbedded(dataDir, addr string, logger *slog.Logger) (*embeddedServer, error) {
	if dataDir == "" {
		return nil, fmt.Errorf("mongodb: embedded server needs a data directory")
	}
	lock, err := lockDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	srv, err := startLocked(dataDir, addr, logger)
	if err != nil {
		lock.release()
		return nil, err
	}
	srv.lock = lock
	return srv, nil
}

// startLocked starts the server once this process holds the directory. The
// databases' quick_check runs beside the rest of the start once the server
// has opened them (it only reads, and at 100,000 mentors it takes about as
// long as loading the indexes); the app waits for its verdict (DB.Checked)
// before it serves, so a damaged file stops the start instead of serving
// errors, or wrong answers, later.
func startLocked(dataDir, addr string, logger *slog.Logger) (*embeddedServer, error) {
	dir, err := filepath.Abs(filepath.Join(dataDir, "db"))
	if err != nil {
		return nil, fmt.Errorf("mongodb: data directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mongodb: data directory: %w", err)
	}
	// FerretDB logs every wire message below error level (at warning it dumps
	// whole messages for commands it lacks, such as the driver's endSessions);
	// its errors and recovered panics (ERROR+1) still come through.
	quiet := slog.New(levelFilter{min: slog.LevelError, next: logger.Handler()}).With("component", "ferretdb")

	ferretNew.Lock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/" + sqliteDurability,
		Logger:    quiet,
	})
	ferretNew.Unlock()
	if err != nil {
		if damaged := quickCheck(dir, logger); damaged != nil {
			return nil, damaged // what is wrong, not how it failed
		}
		return nil, fmt.Errorf("mongodb: embedded server: %w", err)
	}
	// Only now: opening switches a restored file to WAL, which needs the
	// file to itself, and the check's read would make that fail as busy.
	srv := &embeddedServer{dir: dir, checked: make(chan struct{})}
	go func() {
		defer close(srv.checked)
		srv.checkErr = quickCheck(dir, logger)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	// MongoDBURI waits until the listener is bound.
	srv.uri, srv.cancel, srv.done = f.MongoDBURI(), cancel, done
	return srv, nil
}

// stop closes the listener and every connection, then the SQLite backend.
func (s *embeddedServer) stop() {
	s.cancel()
	<-s.done
	<-s.checked // nothing reads the files once the directory is released
	s.lock.release()
}

// verdict waits for the start-up check's result.
func (s *embeddedServer) verdict(ctx context.Context) error {
	select {
	case <-s.checked:
		return s.checkErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// levelFilter drops records below min before they reach next.
type levelFilter struct {
	min  slog.Level
	next slog.Handler
}

func (h levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.next.Enabled(ctx, l)
}

func (h levelFilter) Handle(ctx context.Context, r slog.Record) error {
	return h.next.Handle(ctx, r)
}

func (h levelFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFilter{min: h.min, next: h.next.WithAttrs(attrs)}
}

func (h levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{min: h.min, next: h.next.WithGroup(name)}
}
