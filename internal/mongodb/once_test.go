package mongodb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// A one-time change runs until it succeeds once, then never again, also
// after a restart on the same data.
func TestOnceRunsUntilItSucceeds(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	runs := 0
	fail := errors.New("half done")
	for round, want := range []struct {
		err  error // what fn returns this round
		runs int   // runs so far after the round
	}{{fail, 1}, {nil, 2}, {nil, 2}, {nil, 2}} {
		db, err := mongodb.Open(ctx, mongodb.Config{Database: "x", DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Once(ctx, "backfill", func(context.Context) error { runs++; return want.err })
		if !errors.Is(err, want.err) || (want.err == nil && err != nil) {
			t.Errorf("round %d: Once = %v, want %v", round, err, want.err)
		}
		if runs != want.runs {
			t.Errorf("round %d: ran %d times, want %d", round, runs, want.runs)
		}
		// Another name is another change.
		if round == 2 {
			other := 0
			if err := db.Once(ctx, "another", func(context.Context) error { other++; return nil }); err != nil || other != 1 {
				t.Errorf("another change: %v, ran %d times", err, other)
			}
		}
		if err := db.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
