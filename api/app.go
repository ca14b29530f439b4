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
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// app is the wired program: database, domain services and HTTP handler.
type app struct {
	db       *mongodb.DB
	accounts *accounts.Service
	profiles *profiles.Service
	handler  http.Handler
	log      *slog.Logger
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
	log.Info("mentor index loaded", "mentors", mentorIndex.Len())

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	handler := httpapi.NewHandler(httpapi.Deps{
		Accounts:    acc,
		Profiles:    prof,
		Mentors:     mentorIndex,
		Areas:       catalog,
		Topics:      taxonomy,
		Ready:       db.Ping,
		Logger:      log,
		Metrics:     reg,
		CORSOrigins: cfg.CORSOrigins,
	})
	return &app{db: db, accounts: acc, profiles: prof, handler: handler, log: log}, nil
}

// runBackground runs the periodic work (syncing with other instances, jobs)
// until ctx ends.
func (a *app) runBackground(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { a.accounts.Run(ctx) })
	wg.Go(func() { a.profiles.Run(ctx) })
	wg.Wait()
}

// close releases the database (and stops the embedded server).
func (a *app) close(ctx context.Context) error {
	return a.db.Close(ctx)
}
