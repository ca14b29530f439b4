// Package jobs runs periodic work safely when several API instances share a
// database: each run of a job claims its time slot by inserting a document
// whose _id names the job and the slot. The unique _id makes the claim atomic
// on MongoDB and on the embedded server alike, so a slot runs once however
// many instances try. Job steps must still be idempotent: a run that fails
// releases its claim and is retried at the next tick, and a run that crashed
// is taken over once its lease has expired.
package jobs

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kizuna-dev/kizuna/internal/jst"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Lease is how long a claimed run may take before another instance may take
// it over (the claimer is assumed dead).
const Lease = 10 * time.Minute

// keepClaims is how long finished claims are kept (a record of runs).
const keepClaims = 14 * 24 * time.Hour

// Runner claims and runs job slots.
type Runner struct {
	db     *mongodb.DB
	claims *mongodb.Collection
	now    func() time.Time
	log    *slog.Logger
	holder string // identifies this process in claims

	runs     *prometheus.CounterVec
	failures *prometheus.CounterVec
	duration *prometheus.HistogramVec
	deleted  *prometheus.CounterVec
}

// Config configures a Runner.
type Config struct {
	Now    func() time.Time
	Logger *slog.Logger
	// Metrics, when set, gets runs, failures and run durations by job.
	Metrics prometheus.Registerer
}

const colClaims = "job_claims"

// New returns a Runner.
func New(ctx context.Context, db *mongodb.DB, cfg Config) (*Runner, error) {
	r := &Runner{
		db: db, claims: db.Collection(colClaims), now: cfg.Now, log: cfg.Logger, holder: rand.Text(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kizuna_job_runs_total",
			Help: "Job runs started by this instance (slots claimed), by job.",
		}, []string{"job"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kizuna_job_failures_total",
			Help: "Job attempts of this instance that failed (the run, or claiming or recording its slot; retried at the next tick), by job.",
		}, []string{"job"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kizuna_job_duration_seconds",
			Help:    "Duration of job runs, by job.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10), // 1 ms to about 4 min
		}, []string{"job"}),
		deleted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kizuna_retention_deleted_total",
			Help: "Documents deleted by retention (what grows without bound otherwise), by kind.",
		}, []string{"kind"}),
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if err := r.claims.EnsureIndexes(ctx, mongodb.Index("startedAt").Times("startedAt")); err != nil {
		return nil, err
	}
	// Registered last, once nothing can fail: a caller that retries New
	// after an error must not register the series twice.
	if cfg.Metrics != nil {
		cfg.Metrics.MustRegister(r.runs, r.failures, r.duration, r.deleted)
	}
	return r, nil
}

type claim struct {
	ID         string     `bson:"_id"`
	Job        string     `bson:"job"`
	Holder     string     `bson:"holder"`
	StartedAt  time.Time  `bson:"startedAt"`
	FinishedAt *time.Time `bson:"finishedAt,omitempty"`
}

// RunOnce runs fn for the slot unless it already ran (or is running) anywhere.
// It reports whether fn ran.
func (r *Runner) RunOnce(ctx context.Context, job, slot string, fn func(context.Context) error) (ran bool, err error) {
	r.initSeries(job)
	defer func() {
		// A slot that could not be claimed or recorded fails too; a stop does not.
		if err != nil && ctx.Err() == nil {
			r.failures.WithLabelValues(job).Inc()
		}
	}()
	id := job + "@" + slot
	now := r.now().UTC().Truncate(time.Millisecond)
	_, err = r.claims.InsertOne(ctx, claim{ID: id, Job: job, Holder: r.holder, StartedAt: now})
	if mongodb.IsDuplicateKey(err) {
		taken, err := r.takeOverStale(ctx, id, now)
		if err != nil || !taken {
			return false, err
		}
	} else if err != nil {
		return false, fmt.Errorf("claim %s: %w", id, err)
	}
	start := time.Now()
	err = fn(ctx)
	r.runs.WithLabelValues(job).Inc()
	r.duration.WithLabelValues(job).Observe(time.Since(start).Seconds())
	if err != nil {
		// Release the claim so the next tick retries this slot.
		unlock := r.db.Lock(colClaims, id)
		_, delErr := r.claims.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: id}, {Key: "holder", Value: r.holder}})
		unlock()
		if delErr != nil {
			r.log.ErrorContext(ctx, "release job claim", "job", job, "err", delErr)
		}
		return true, err
	}
	unlock := r.db.Lock(colClaims, id)
	defer unlock()
	done := r.now().UTC().Truncate(time.Millisecond)
	_, err = r.claims.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "holder", Value: r.holder}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "finishedAt", Value: done}}}})
	return true, err
}

// initSeries makes the job's counters exist, at zero, so rates and alerts
// work before its first run or failure.
func (r *Runner) initSeries(job string) {
	r.runs.WithLabelValues(job)
	r.failures.WithLabelValues(job)
}

// takeOverStale replaces an unfinished claim whose lease expired.
func (r *Runner) takeOverStale(ctx context.Context, id string, now time.Time) (bool, error) {
	unlock := r.db.Lock(colClaims, id)
	defer unlock()
	var c claim
	if err := r.claims.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
		if mongodb.IsNotFound(err) {
			return false, nil // released in between; the next tick claims it
		}
		return false, err
	}
	if c.FinishedAt != nil || now.Sub(c.StartedAt) < Lease {
		return false, nil
	}
	// Conditional on the stale holder and start, so two instances taking over
	// at once cannot both succeed on MongoDB.
	res, err := r.claims.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "holder", Value: c.Holder}, {Key: "startedAt", Value: c.StartedAt}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: r.holder}, {Key: "startedAt", Value: now}}}})
	if err != nil {
		return false, err
	}
	r.log.WarnContext(ctx, "took over a stale job claim", "claim", id, "staleHolder", c.Holder)
	return res.ModifiedCount == 1, nil
}

// Slot names the run a time belongs to; runs with the same name happen once.
type Slot func(time.Time) string

// Each returns a Slot per period of d (a run every d).
func Each(d time.Duration) Slot {
	return func(t time.Time) string { return t.UTC().Truncate(d).Format(time.RFC3339) }
}

// DailyJST is a Slot per calendar day in Japan.
func DailyJST(t time.Time) string { return t.In(jst.Zone).Format("2006-01-02") }

// MonthlyJST returns a Slot per calendar month in Japan that begins at
// hour (JST) on the 1st: a monthly job runs at the first tick after then.
func MonthlyJST(hour int) Slot {
	return func(t time.Time) string {
		return t.In(jst.Zone).Add(-time.Duration(hour) * time.Hour).Format("2006-01")
	}
}

// Every checks at every tick of interval until ctx ends, and runs fn when the
// tick's slot has not run yet. fn gets the tick's time.
func (r *Runner) Every(ctx context.Context, job string, interval time.Duration, slotOf Slot, fn func(ctx context.Context, now time.Time) error) {
	r.initSeries(job)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := r.now()
			slot := slotOf(now)
			if _, err := r.RunOnce(ctx, job, slot, func(ctx context.Context) error { return fn(ctx, now) }); err != nil && ctx.Err() == nil {
				r.log.ErrorContext(ctx, "job failed", "job", job, "slot", slot, "err", err)
			}
			r.prune(ctx, now)
		}
	}
}

// prune drops finished claims older than keepClaims.
func (r *Runner) prune(ctx context.Context, now time.Time) {
	res, err := r.claims.DeleteMany(ctx, bson.D{
		{Key: "startedAt", Value: bson.D{{Key: "$lt", Value: now.Add(-keepClaims)}}},
		{Key: "finishedAt", Value: bson.D{{Key: "$exists", Value: true}}},
	})
	if res != nil {
		r.Deleted("job_claims", res.DeletedCount)
	}
	if err != nil && ctx.Err() == nil {
		r.log.ErrorContext(ctx, "prune job claims", "err", err)
	}
}

// Deleted counts documents a retention job deleted, by kind (a bounded set
// of names chosen by the program).
func (r *Runner) Deleted(kind string, n int64) {
	r.deleted.WithLabelValues(kind).Add(float64(n))
}
