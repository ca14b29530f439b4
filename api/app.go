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

	"github.com/kizuna-dev/kizuna/api/httpapi"
	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/coverage"
	"github.com/kizuna-dev/kizuna/internal/jobs"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/notifications"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// app is the wired program: database, domain services and HTTP handler.
type app struct {
	db            *mongodb.DB
	accounts      *accounts.Service
	profiles      *profiles.Service
	notifications *notifications.Service
	mentorships   *mentorships.Service
	jobs          *jobs.Runner
	handler       http.Handler
	log           *slog.Logger
}

// newApp opens the database, builds every service (creating indexes), loads
// the in-memory indexes and returns the ready handler.
func newApp(ctx context.Context, cfg config, log *slog.Logger) (a *app, err error) {
	secret, err := jwtSecret(cfg)
	if err != nil {
		return nil, err
	}
	db, err := mongodb.Open(ctx, mongodb.Config{URI: cfg.MongoURI, Database: cfg.Database, DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = db.Close(context.WithoutCancel(ctx))
		}
	}()
	now := cfg.now
	if now == nil {
		now = time.Now
	}
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
		JWTSecret:    secret,
		AdminEmails:  cfg.AdminEmails,
		Now:          now,
		Logger:       log,
		SyncInterval: cfg.syncInterval,
		OnChange: func(u accounts.User) {
			if prof != nil {
				prof.UserChanged(u)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	prof, err = profiles.New(ctx, db, catalog, taxonomy, acc, mentorIndex, profiles.Config{Now: now, Logger: log, SyncInterval: cfg.syncInterval})
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
	ms, err := mentorships.New(ctx, db, mentorIndex, prof, acc, notif, taxonomy, mentorships.Config{
		Now: now, Logger: log, SyncInterval: cfg.syncInterval,
		IntroExpiry: time.Duration(cfg.IntroExpiryDays) * 24 * time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("mentorships: %w", err)
	}
	// Active mentorships and responsiveness feed the ranking.
	if err := ms.SyncStats(ctx); err != nil {
		return nil, err
	}
	runner, err := jobs.New(ctx, db, jobs.Config{Now: now, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	log.Info("mentor index loaded", "mentors", mentorIndex.Len())
	cov := coverage.New(catalog, taxonomy, mentorIndex, ms, coverage.Config{Now: now})

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	handler := httpapi.NewHandler(httpapi.Deps{
		Accounts:      acc,
		Profiles:      prof,
		Mentors:       mentorIndex,
		Areas:         catalog,
		Topics:        taxonomy,
		Mentorships:   ms,
		Notifications: notif,
		Coverage:      cov,
		Ready:         db.Ping,
		Logger:        log,
		Metrics:       reg,
		CORSOrigins:   cfg.CORSOrigins,
	})
	return &app{db: db, accounts: acc, profiles: prof, notifications: notif, mentorships: ms, jobs: runner, handler: handler, log: log}, nil
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
		wg.Go(func() { a.accounts.Run(ctx) })
		wg.Go(func() { a.profiles.Run(ctx) })
		wg.Go(func() { a.mentorships.Run(ctx) })
	}
	wg.Go(func() {
		a.jobs.Every(ctx, "introductions", introductionJobEvery, func(ctx context.Context, _ time.Time) error {
			rep, err := a.mentorships.RunIntroductionJob(ctx)
			if rep != (mentorships.JobReport{}) {
				a.log.InfoContext(ctx, "introduction job", "expired", rep.Expired, "reminded", rep.Reminded, "paused", rep.Paused, "repaired", rep.Repaired)
			}
			return err
		})
	})
	wg.Wait()
}

// close releases the database (and stops the embedded server).
func (a *app) close(ctx context.Context) error {
	return a.db.Close(ctx)
}
