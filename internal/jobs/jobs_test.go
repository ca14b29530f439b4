package jobs_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kizuna-dev/kizuna/internal/jobs"
	"github.com/kizuna-dev/kizuna/internal/mongodb/mongotest"
)

func TestSlotRunsOnceAcrossRunners(t *testing.T) {
	db := mongotest.Open(t)
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC) }
	// Several runners stand for several API instances on one database.
	runners := make([]*jobs.Runner, 4)
	for i := range runners {
		r, err := jobs.New(ctx, db, jobs.Config{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		runners[i] = r
	}
	var runs atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			_, err := runners[i%4].RunOnce(ctx, "daily", "2026-11-23", func(context.Context) error {
				runs.Add(1)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if runs.Load() != 1 {
		t.Fatalf("slot ran %d times, want 1", runs.Load())
	}
	// The next slot runs.
	ran, err := runners[0].RunOnce(ctx, "daily", "2026-11-24", func(context.Context) error { return nil })
	if err != nil || !ran {
		t.Fatalf("next slot: ran=%v err=%v", ran, err)
	}
}

func TestFailedRunIsRetriedAndStaleClaimTakenOver(t *testing.T) {
	db := mongotest.Open(t)
	ctx := context.Background()
	clock := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	a, err := jobs.New(ctx, db, jobs.Config{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	b, err := jobs.New(ctx, db, jobs.Config{Now: now})
	if err != nil {
		t.Fatal(err)
	}

	ran, err := a.RunOnce(ctx, "j", "s1", func(context.Context) error { return errors.New("boom") })
	if !ran || err == nil {
		t.Fatalf("failing run: ran=%v err=%v", ran, err)
	}
	ran, err = b.RunOnce(ctx, "j", "s1", func(context.Context) error { return nil })
	if !ran || err != nil {
		t.Fatalf("retry after failure: ran=%v err=%v", ran, err)
	}

	// A claim left unfinished (its process died) blocks the slot until the
	// lease expires, then another runner takes it over.
	block := make(chan struct{})
	started := make(chan struct{})
	type result struct {
		ran bool
		err error
	}
	stuck := make(chan result, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		ran, err := a.RunOnce(ctx, "j", "s2", func(context.Context) error { close(started); <-block; return nil })
		stuck <- result{ran, err}
	}()
	// However the test ends, the run is let go and waited for before the
	// database closes (cleanups run last-registered first).
	release := sync.OnceFunc(func() { close(block) })
	t.Cleanup(func() { release(); <-finished })
	<-started
	ran, err = b.RunOnce(ctx, "j", "s2", func(context.Context) error { return nil })
	if ran || err != nil {
		t.Fatalf("a running claim was taken over before its lease expired: ran=%v err=%v", ran, err)
	}
	mu.Lock()
	clock = clock.Add(jobs.Lease + time.Minute)
	mu.Unlock()
	ran, err = b.RunOnce(ctx, "j", "s2", func(context.Context) error { return nil })
	if !ran || err != nil {
		t.Fatalf("stale claim not taken over: ran=%v err=%v", ran, err)
	}
	// The stale holder finally finishes: its late completion neither fails
	// nor touches the claim that was taken over. The test waits for it, so
	// nothing runs on the database after the test ends.
	release()
	if r := <-stuck; !r.ran || r.err != nil {
		t.Fatalf("the stale run on finishing: ran=%v err=%v", r.ran, r.err)
	}
	ran, err = b.RunOnce(ctx, "j", "s2", func(context.Context) error { return nil })
	if ran || err != nil {
		t.Fatalf("a slot finished by its new holder ran again: ran=%v err=%v", ran, err)
	}
}

// Runs, failures and durations are counted by job, for the runs this runner
// made: a slot that already ran is neither a run nor a failure.
func TestRunsAndFailuresAreCounted(t *testing.T) {
	db := mongotest.Open(t)
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	now := func() time.Time { return time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC) }
	r, err := jobs.New(ctx, db, jobs.Config{Now: now, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	ok := func(context.Context) error { return nil }
	if ran, err := r.RunOnce(ctx, "daily", "d1", ok); !ran || err != nil {
		t.Fatalf("first run: ran=%v err=%v", ran, err)
	}
	if ran, err := r.RunOnce(ctx, "daily", "d1", ok); ran || err != nil {
		t.Fatalf("second run of a slot: ran=%v err=%v", ran, err)
	}
	if _, err := r.RunOnce(ctx, "hourly", "h1", func(context.Context) error { return errors.New("boom") }); err == nil {
		t.Fatal("failing run reported no error")
	}
	want := `
# HELP kizuna_job_failures_total Job attempts of this instance that failed (the run, or claiming or recording its slot; retried at the next tick), by job.
# TYPE kizuna_job_failures_total counter
kizuna_job_failures_total{job="daily"} 0
kizuna_job_failures_total{job="hourly"} 1
# HELP kizuna_job_runs_total Job runs started by this instance (slots claimed), by job.
# TYPE kizuna_job_runs_total counter
kizuna_job_runs_total{job="daily"} 1
kizuna_job_runs_total{job="hourly"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "kizuna_job_runs_total", "kizuna_job_failures_total"); err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.GatherAndCount(reg, "kizuna_job_duration_seconds"); err != nil || n != 2 {
		t.Fatalf("duration series: %d, %v; want one per job", n, err)
	}
}
