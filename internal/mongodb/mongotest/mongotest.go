// Package mongotest gives each test its own embedded MongoDB-compatible
// server: real wire protocol, real unique indexes and the real server's
// concurrency behaviour, no mocks. A server starts in milliseconds.
package mongotest

import (
	"context"
	"testing"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Open starts an embedded server in a fresh temporary directory and closes it
// when the test ends.
func Open(t testing.TB) *mongodb.DB {
	t.Helper()
	return OpenDir(t, t.TempDir())
}

// OpenDir starts an embedded server on dir (to reopen the same data later).
func OpenDir(t testing.TB, dir string) *mongodb.DB {
	t.Helper()
	db, err := mongodb.Open(context.Background(), mongodb.Config{Database: "kizuna_test", DataDir: dir})
	if err != nil {
		t.Fatalf("embedded database: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(context.Background()); err != nil {
			t.Errorf("closing embedded database: %v", err)
		}
	})
	return db
}
