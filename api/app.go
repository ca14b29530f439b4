package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/api/httpapi"
	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/coverage"
	"github.com/kizuna-dev/kizuna/internal/demo"
	"github.com/kizuna-dev/kizuna/internal/jobs"
	"github.com/kizuna-dev/kizuna/internal/keepintouch"
	"github.com/kizuna-dev/kizuna/internal/logctx"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/moderation"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/notifications"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// app is the wired program: database, domain services and HTTP handler.
type app struct {
	clock         clock
	syncEvery     time.Duration // how often read models follow other instances
	db            *mongodb.DB
	accounts      *accounts.Service
	profiles      *profiles.Service
	notifications *notifications.Service
	mentorships   *mentorships.Service
	community     *community.Service
	keepInTouch   *keepintouch.Service
	jobs          *jobs.Runner
	handler       http.Handler
	metrics       *prometheus.Registry // served on /metrics, here or on KIZUNA_METRICS_ADDR
	log           *slog.Logger
}

// newApp opens the database, builds every service (creating indexes), loads
// the in-memory indexes and returns the ready handler.
func newApp(ctx context.Context, cfg config, log *slog.Logger) (a *app, err error) {
	log = logctx.Logger(log) // request ids on every line logged while serving a request
	secret, err := jwtSecret(cfg)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	db, err := mongodb.Open(ctx, mongodb.Config{URI: cfg.MongoURI, Database: cfg.Database, DataDir: cfg.DataDir, Logger: log, Metrics: reg})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = db.Close(context.WithoutCancel(ctx))
		}
	}()
	clk := cfg.clock
	if clk == nil {
		clk = &travelClock{}
	}
	now := clk.Now
	catalog, err := areas.Load()
	if err != nil {
		return nil, err
	}
	taxonomy := topics.New()
	mentorIndex := search.New(taxonomy)

	// profiles follows account changes (names, suspensions) into the index;
	// it is created after accounts, which it reads.
	var prof *profiles.Service
	acc, err := accounts.New(ctx, db, accounts.Config{
		JWTSecret:   secret,
		AdminEmails: cfg.AdminEmails,
		Now:         now,
		Logger:      log,
		OnChange: func(u accounts.User) {
			if prof != nil {
				prof.UserChanged(u)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	prof, err = profiles.New(ctx, db, catalog, taxonomy, acc, mentorIndex, profiles.Config{Now: now, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("profiles: %w", err)
	}
	if err := prof.LoadIndex(ctx); err != nil {
		return nil, err
	}
	notif, err := notifications.New(ctx, db, notifications.Config{Now: now, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	comm, err := community.New(ctx, db, catalog, acc, notif, community.Config{Now: now, Logger: log, LapsedDays: cfg.LapsedDays})
	if err != nil {
		return nil, fmt.Errorf("community: %w", err)
	}
	ms, err := mentorships.New(ctx, db, mentorIndex, prof, acc, notif, taxonomy, mentorships.Config{
		Now: now, Logger: log,
		IntroExpiry: time.Duration(cfg.IntroExpiryDays) * 24 * time.Hour,
		// A good ending keeps both people in the community covering the
		// founder's area, as alumni.
		OnCompleted: func(ctx context.Context, m mentorships.Mentorship) error {
			b, ok := prof.Founder(m.FounderID)
			if !ok {
				return nil
			}
			return comm.KeepAlumni(ctx, []bson.ObjectID{m.MentorID, m.FounderID}, b.Location.PrefectureCode, b.Location.MunicipalityCode)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("mentorships: %w", err)
	}
	mod, err := moderation.New(ctx, db, comm, acc, now)
	if err != nil {
		return nil, fmt.Errorf("moderation: %w", err)
	}
	kit, err := keepintouch.New(ctx, db, ms, acc, comm, prof, mentorIndex, notif, now)
	if err != nil {
		return nil, fmt.Errorf("keep in touch: %w", err)
	}
	// Active mentorships and responsiveness feed the ranking.
	if err := ms.SyncStats(ctx); err != nil {
		return nil, err
	}
	runner, err := jobs.New(ctx, db, jobs.Config{Now: now, Logger: log, Metrics: reg})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	log.Info("mentor index loaded", "mentors", mentorIndex.Len())
	cov := coverage.New(catalog, taxonomy, mentorIndex, ms, coverage.Config{Now: now})

	registerIndexMetrics(reg, mentorIndex, prof, db.Embedded(), now)
	handler := httpapi.NewHandler(httpapi.Deps{
		Accounts:      acc,
		Profiles:      prof,
		Mentors:       mentorIndex,
		Areas:         catalog,
		Topics:        taxonomy,
		Mentorships:   ms,
		Notifications: notif,
		Community:     comm,
		Moderation:    mod,
		KeepInTouch:   kit,
		// Last activity (for lapsed members), written at most hourly per user.
		OnActivity:    acc.Touch,
		Ready:         db.Ping,
		Logger:        log,
		Metrics:       reg,
		HideMetrics:   cfg.MetricsAddr != "", // served on their own listener instead
		AuthPerMinute: float64(cfg.AuthPerMinute),
		AuthBurst:     max(cfg.AuthPerMinute/2, 1),
		CORSOrigins:   cfg.CORSOrigins,
		Coverage:      cov,
	})
	syncEvery := cfg.syncInterval
	if syncEvery <= 0 {
		syncEvery = 2 * time.Second
	}
	return &app{clock: clk, syncEvery: syncEvery, db: db, accounts: acc, profiles: prof, notifications: notif, mentorships: ms, community: comm, keepInTouch: kit, jobs: runner, handler: handler, metrics: reg, log: log}, nil
}

// introductionJobEvery is how often introductions are expired and reminded:
// their deadlines are days long, so a minute late is on time.
const introductionJobEvery = time.Minute

// runBackground runs the periodic work (syncing with other instances, jobs)
// until ctx ends.
func (a *app) runBackground(ctx context.Context) {
	var wg sync.WaitGroup
	// The in-memory read models follow other instances' writes by polling.
	// The embedded server has no other instance (it listens on loopback for
	// this process only, and every write here updates memory at once), while
	// each poll would scan whole collections there: so only on MongoDB.
	if !a.db.Embedded() {
		wg.Go(func() { a.every(ctx, a.syncEvery, "sync user directory", a.accounts.SyncDirectory) })
		wg.Go(func() { a.every(ctx, a.syncEvery, "sync mentor index", a.profiles.SyncIndex) })
		wg.Go(func() { a.every(ctx, a.syncEvery, "sync mentorship stats", a.mentorships.SyncStats) })
	}
	wg.Go(func() {
		a.jobs.Every(ctx, "introductions", introductionJobEvery, jobs.Each(introductionJobEvery), func(ctx context.Context, _ time.Time) error {
			rep, err := a.mentorships.RunIntroductionJob(ctx)
			if rep != (mentorships.JobReport{}) {
				a.log.InfoContext(ctx, "introduction job", "expired", rep.Expired, "reminded", rep.Reminded, "paused", rep.Paused, "repaired", rep.Repaired)
			}
			return err
		})
	})
	wg.Go(func() {
		// Checked hourly, run once per calendar day (JST) across instances.
		a.jobs.Every(ctx, "keep-in-touch", time.Hour, jobs.DailyJST, func(ctx context.Context, _ time.Time) error {
			sent, err := a.keepInTouch.RemindDue(ctx)
			a.log.InfoContext(ctx, "keep-in-touch reminders", "sent", sent)
			return err
		})
	})
	wg.Wait()
}

// every calls fn at every tick of d until ctx ends, logging failures.
func (a *app) every(ctx context.Context, d time.Duration, what string, fn func(context.Context) error) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				a.log.ErrorContext(ctx, what, "err", err)
			}
		}
	}
}

// seedDemo fills an empty database with the Hokkaido demo (see package demo).
func (a *app) seedDemo(ctx context.Context) error {
	start := time.Now()
	sum, seeded, err := demo.Seed(ctx, demo.Deps{
		Accounts: a.accounts, Profiles: a.profiles, Mentorships: a.mentorships, Community: a.community,
		Empty: a.accounts.Empty, Clock: a.clock, Log: a.log,
	})
	if err != nil {
		return err
	}
	if seeded {
		a.log.InfoContext(ctx, "demo seeded", "mentors", sum.Mentors, "founders", sum.Founders, "requests", sum.Requests,
			"introductions", sum.Introductions, "activeMentorships", sum.Active, "completedMentorships", sum.Completed,
			"communities", sum.Communities, "events", sum.Events, "lapsedMembers", sum.Lapsed,
			"password", demo.Password, "organizer", demo.OrganizerEmail, "founder", demo.FounderEmail, "mentor", demo.MentorEmail,
			"took", time.Since(start).Round(time.Millisecond).String())
	}
	return nil
}

// close releases the database (and stops the embedded server).
func (a *app) close(ctx context.Context) error {
	return a.db.Close(ctx)
}
