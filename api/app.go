package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/api/httpapi"
	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/audit"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/coverage"
	"github.com/kizuna-dev/kizuna/internal/demo"
	"github.com/kizuna-dev/kizuna/internal/digest"
	"github.com/kizuna-dev/kizuna/internal/erasure"
	"github.com/kizuna-dev/kizuna/internal/idempotency"
	"github.com/kizuna-dev/kizuna/internal/jobs"
	"github.com/kizuna-dev/kizuna/internal/keepintouch"
	"github.com/kizuna-dev/kizuna/internal/logctx"
	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mailnotify"
	"github.com/kizuna-dev/kizuna/internal/matching"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/moderation"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/notifications"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// app is the wired program: database, domain services and HTTP handler.
// The services are built by init, once the database answers; until then
// handler answers 503 (see newApp).
type app struct {
	cfg       config
	secret    []byte
	clock     clock
	syncEvery time.Duration // how often read models follow other instances
	// idempotencyWait: how long a retry waits for the first (0: the default).
	idempotencyWait time.Duration
	// mailPoll: how often the mail worker looks for due mail (0: mailPollEvery).
	mailPoll time.Duration
	db       *mongodb.DB
	log      *slog.Logger
	handler  *gate
	metrics  *prometheus.Registry // served on /metrics, here or on KIZUNA_METRICS_ADDR

	// Set by init before ready is closed.
	accounts      *accounts.Service
	profiles      *profiles.Service
	notifications *notifications.Service
	mentorships   *mentorships.Service
	community     *community.Service
	keepInTouch   *keepintouch.Service
	idempotency   *idempotency.Service
	erasure       *erasure.Service
	audit         *audit.Service
	jobs          *jobs.Runner
	mail          *mail.Outbox
	digest        *digest.Service

	backups       *backupMetrics
	writesFailing atomic.Bool // the latest write probe failed

	ready    chan struct{}      // closed once init succeeded
	stopInit context.CancelFunc // stops retrying init
	initDone chan struct{}      // closed when init no longer runs
}

// newApp opens the database and initializes the services (creating indexes,
// loading the in-memory indexes). The embedded server must come up at once.
// MongoDB need not be reachable yet: the app then starts with a handler that
// serves /healthz and answers 503 to the rest, and retries in the background
// until the database answers (see waitReady).
func newApp(ctx context.Context, cfg config, hooks testHooks, log *slog.Logger) (*app, error) {
	log = logctx.Logger(log) // request ids on every line logged while serving a request
	secret, err := jwtSecret(cfg)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	db, err := mongodb.Open(ctx, mongodb.Config{
		URI: cfg.MongoURI, Database: cfg.Database, DataDir: cfg.DataDir, Logger: log, Metrics: reg,
		WriteConcern: cfg.WriteConcern, ServerSelectionTimeout: hooks.serverSelection,
	})
	if err != nil {
		return nil, err
	}
	clk := hooks.clock
	if clk == nil {
		clk = &travelClock{}
	}
	syncEvery := hooks.syncInterval
	if syncEvery <= 0 {
		syncEvery = 2 * time.Second
	}
	a := &app{
		cfg: cfg, secret: secret, clock: clk, syncEvery: syncEvery, idempotencyWait: hooks.idempotencyWait, mailPoll: hooks.mailPoll, db: db, log: log, metrics: reg,
		backups: newBackupMetrics(reg),
		handler: newGate(httpapi.NewUnavailableHandler(log)),
		ready:   make(chan struct{}), initDone: make(chan struct{}),
	}
	initCtx, stopInit := context.WithCancel(context.WithoutCancel(ctx))
	a.stopInit = stopInit
	if err := a.init(ctx); err != nil {
		if db.Embedded() {
			stopInit()
			if damaged := db.Checked(ctx); damaged != nil {
				err = damaged // the cause, rather than what it broke
			}
			return nil, errors.Join(err, db.Close(context.WithoutCancel(ctx)))
		}
		log.Warn("database not ready; serving 503 and retrying", "err", err)
		go a.retryInit(initCtx)
		return a, nil
	}
	close(a.initDone)
	return a, nil
}

// retryInit calls init with a growing pause (up to retryInitMax) until it
// succeeds or ctx ends.
func (a *app) retryInit(ctx context.Context) {
	defer close(a.initDone)
	pause := retryInitMin
	for {
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		err := a.init(ctx)
		if err == nil {
			a.log.Info("database reached; ready")
			return
		}
		if ctx.Err() != nil {
			return
		}
		a.log.Warn("database still not ready", "err", err, "retryIn", pause.String())
		pause = min(2*pause, retryInitMax)
	}
}

const (
	retryInitMin = 250 * time.Millisecond
	retryInitMax = 5 * time.Second
)

// waitReady returns once init has succeeded, or with ctx's error.
func (a *app) waitReady(ctx context.Context) error {
	select {
	case <-a.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// init builds every service (creating indexes), loads the in-memory indexes
// and switches the handler to the API. It may run again after a failure:
// index creation is idempotent and nothing is kept from a failed attempt.
func (a *app) init(ctx context.Context) error {
	cfg, db, log, reg := a.cfg, a.db, a.log, a.metrics
	now := a.clock.Now
	catalog, err := areas.Load()
	if err != nil {
		return err
	}
	taxonomy := topics.New()
	mentorIndex := search.New(taxonomy)
	mentorIndex.SetSummarizer(httpapi.MentorSummarizer(catalog))
	mentorIndex.SetPriority(matching.Priority)

	// profiles follows account changes (names, suspensions) into the index,
	// and community follows activity into memberships; both are created
	// after accounts, which they read.
	sender, err := a.mailSender()
	if err != nil {
		return err
	}
	outbox, err := mail.New(ctx, db, mail.Config{Sender: sender, From: cfg.MailFrom, PublicURL: cfg.PublicURL, Now: now, Logger: log,
		// One process per embedded data directory: claims found at start
		// are a killed run's, and its mail goes out at once.
		ReleaseClaims: db.Embedded()})
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	var prof *profiles.Service
	var comm *community.Service
	acc, err := accounts.New(ctx, db, accounts.Config{
		JWTSecret:   a.secret,
		AdminEmails: cfg.AdminEmails,
		Mail:        outbox,
		Now:         now,
		Logger:      log,
		OnChange: func(u accounts.User) {
			if prof != nil {
				prof.UserChanged(u)
			}
		},
		OnActivityWritten: func(ctx context.Context, seen map[bson.ObjectID]time.Time) error {
			if comm == nil {
				return errors.New("community not ready")
			}
			return comm.NoteActivity(ctx, seen)
		},
	})
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	prof, err = profiles.New(ctx, db, catalog, taxonomy, acc, mentorIndex, profiles.Config{Now: now, Logger: log})
	if err != nil {
		return fmt.Errorf("profiles: %w", err)
	}
	if err := prof.LoadIndex(ctx); err != nil {
		return err
	}
	notif, err := notifications.New(ctx, db, notifications.Config{Now: now, Logger: log, Mail: mailnotify.New(outbox, acc, now).Notification})
	if err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	comm, err = community.New(ctx, db, catalog, acc, notif, community.Config{Now: now, Logger: log, LapsedDays: cfg.LapsedDays})
	if err != nil {
		return fmt.Errorf("community: %w", err)
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
		return fmt.Errorf("mentorships: %w", err)
	}
	mod, err := moderation.New(ctx, db, comm, acc, now)
	if err != nil {
		return fmt.Errorf("moderation: %w", err)
	}
	kit, err := keepintouch.New(ctx, db, ms, acc, comm, prof, mentorIndex, notif, now)
	if err != nil {
		return fmt.Errorf("keep in touch: %w", err)
	}
	// Active mentorships and responsiveness feed the ranking.
	if err := ms.SyncStats(ctx); err != nil {
		return err
	}
	idem, err := idempotency.New(ctx, db, idempotency.Config{Now: now, Logger: log, Wait: a.idempotencyWait})
	if err != nil {
		return fmt.Errorf("idempotency: %w", err)
	}
	auditLog, err := audit.New(ctx, db, now)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	dig, err := digest.New(ctx, digest.Deps{
		DB: db, Accounts: acc, Community: comm, Profiles: prof, Mentorships: ms, Index: mentorIndex, Topics: taxonomy,
		Areas: catalog, Mail: outbox, LapsedDays: cfg.LapsedDays, Now: now, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	eraser, err := erasure.New(ctx, erasure.Deps{
		DB: db, Accounts: acc, Profiles: prof, Mentorships: ms, Community: comm, Notifications: notif,
		Moderation: mod, KeepInTouch: kit, Idempotency: idem, Mail: outbox, Digest: dig, Audit: auditLog, Now: now, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("erasure: %w", err)
	}
	// The last step that can fail: it and everything after it register
	// metrics, which a retried init must not do twice.
	runner, err := jobs.New(ctx, db, jobs.Config{Now: now, Logger: log, Metrics: reg})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	outbox.RegisterMetrics(reg)
	log.Info("mentor index loaded", "mentors", mentorIndex.Len())
	log.Info("mail", "to", sender.Describe(), "from", cfg.MailFrom, "publicURL", cfg.PublicURL)
	cov := coverage.New(catalog, taxonomy, mentorIndex, ms, coverage.Config{Now: now})

	registerIndexMetrics(reg, mentorIndex, prof, db.Embedded(), now)
	handler := httpapi.NewHandler(httpapi.Deps{
		Now:           now,
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
		// Last activity (for lapsed members): noted at most hourly per
		// user, written behind in batches (see runBackground).
		OnActivity:         acc.Touch,
		Ready:              db.Ready, // answers, and the write probe succeeds
		ClassifyError:      mongodb.Classify,
		Logger:             log,
		Metrics:            reg,
		HideMetrics:        cfg.MetricsAddr != "", // served on their own listener instead
		AuthPerMinute:      float64(cfg.AuthPerMinute),
		AuthBurst:          max(cfg.AuthPerMinute/2, 1),
		AuthEmailPerMinute: float64(cfg.AuthEmailPerMinute),
		PasswordPerMinute:  float64(cfg.PasswordPerMinute),
		WritePerMinute:     float64(cfg.WritePerMinute),
		CORSOrigins:        cfg.CORSOrigins,
		CORSLocalOrigins:   db.Embedded() && len(cfg.CORSOrigins) == 0,
		Coverage:           cov,
		Idempotency:        idem,
		Erasure:            eraser,
		Mail:               outbox,
		Digest:             dig,
		Audit:              auditLog,
	})
	// Serve only from a sound database (the check ran beside the loading).
	if err := db.Checked(ctx); err != nil {
		return err
	}
	// Deletions a crash cut short are finished before serving (the job
	// closes them later): a member who left is not served again.
	if n, err := eraser.ResumeInterrupted(ctx); err != nil {
		log.Error("finishing interrupted account deletions", "err", err)
	} else if n > 0 {
		log.Warn("account deletions cut short by the last shutdown finished", "deletions", n)
	}
	a.accounts, a.profiles, a.notifications, a.mentorships = acc, prof, notif, ms
	a.community, a.keepInTouch, a.idempotency, a.jobs = comm, kit, idem, runner
	a.erasure, a.audit = eraser, auditLog
	a.mail, a.digest = outbox, dig
	a.handler.open(handler)
	close(a.ready)
	return nil
}

// introductionJobEvery is how often introductions are expired and reminded:
// their deadlines are days long, so a minute late is on time.
const introductionJobEvery = time.Minute

// erasureJobEvery is how often deletions are finished (see erasure.Settle).
const erasureJobEvery = time.Minute

// runBackground runs the periodic work (syncing with other instances, jobs)
// until ctx ends.
func (a *app) runBackground(ctx context.Context) {
	if a.waitReady(ctx) != nil {
		return
	}
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
	wg.Go(func() { a.every(ctx, activityFlushEvery, "record activity", a.flushActivity) })
	wg.Go(func() {
		poll := a.mailPoll
		if poll <= 0 {
			poll = mailPollEvery
		}
		a.mail.Run(ctx, poll)
	})
	wg.Go(func() {
		_ = a.probeWrites(ctx) // at once: a full disk at start shows on /readyz
		a.every(ctx, writeProbeEvery, "write probe", a.probeWrites)
	})
	if a.cfg.BackupDir != "" && a.db.Embedded() {
		wg.Go(func() { a.every(ctx, a.cfg.BackupEvery, "backup", a.backup) })
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
	wg.Go(func() {
		// Checked hourly, run once per JST month across instances, from
		// 10:00 on the 1st (not at midnight; quiet hours delay it further).
		a.jobs.Every(ctx, digestJob, time.Hour, jobs.MonthlyJST(digestHour), func(ctx context.Context, _ time.Time) error {
			return a.runDigest(ctx)
		})
	})
	wg.Go(func() {
		// Hourly: everyone going to an event of the next day is reminded
		// once (the notification's key), by mail too if they chose.
		a.jobs.Every(ctx, "event-reminders", time.Hour, jobs.Each(time.Hour), func(ctx context.Context, _ time.Time) error {
			n, err := a.community.RemindEvents(ctx)
			if n > 0 {
				a.log.InfoContext(ctx, "event reminders", "sent", n)
			}
			return err
		})
	})
	wg.Go(func() {
		a.jobs.Every(ctx, "idempotency-keys", time.Hour, jobs.Each(time.Hour), func(ctx context.Context, _ time.Time) error {
			deleted, err := a.idempotency.DeleteExpired(ctx)
			a.jobs.Deleted("idempotency_keys", deleted)
			if deleted > 0 {
				a.log.InfoContext(ctx, "expired idempotency keys deleted", "deleted", deleted)
			}
			return err
		})
	})
	wg.Go(func() {
		// Deletions cut short are finished, and every deletion is run once
		// more after it settled (see package erasure).
		a.jobs.Every(ctx, "account-deletions", erasureJobEvery, jobs.Each(erasureJobEvery), func(ctx context.Context, _ time.Time) error {
			rep, err := a.erasure.RunJob(ctx)
			if rep.Finished > 0 {
				a.log.InfoContext(ctx, "account deletions closed", "deletions", rep.Finished)
			}
			return err
		})
	})
	wg.Go(func() {
		a.jobs.Every(ctx, "retention", time.Hour, jobs.Each(time.Hour), a.retention)
	})
	wg.Go(func() {
		// Member counts are kept by joins and leaves; a crash between a
		// membership and its count is repaired here.
		a.jobs.Every(ctx, "member-counts", time.Hour, jobs.Each(time.Hour), func(ctx context.Context, _ time.Time) error {
			n, err := a.community.RecountMembers(ctx, false)
			if n > 0 {
				a.log.WarnContext(ctx, "member counts repaired", "communities", n)
			}
			return err
		})
	})
	wg.Wait()
}

// The monthly lapsed-member digest job.
const (
	digestJob  = "lapsed-digest"
	digestHour = 10 // JST, on the 1st
)

// runDigest sends this month's lapsed-member digests (see package digest;
// safe to run again: a member gets one per month).
func (a *app) runDigest(ctx context.Context) error {
	rep, err := a.digest.RunMonth(ctx)
	a.log.InfoContext(ctx, "lapsed-member digest", "lapsed", rep.Lapsed, "sent", rep.Sent, "skipped", rep.Skipped)
	return err
}

// retention deletes what grows without bound and is no longer needed:
// expired sessions and old notifications (see PruneSessions and
// notifications.Prune; idempotency keys and job claims have their own).
func (a *app) retention(ctx context.Context, _ time.Time) error {
	p, err := a.accounts.PruneSessions(ctx)
	a.jobs.Deleted("refresh_tokens", p.Tokens)
	a.jobs.Deleted("refresh_token_uses", p.Uses)
	a.jobs.Deleted("session_revocations", p.Revocations)
	if err != nil {
		return err
	}
	n, err := a.notifications.Prune(ctx)
	a.jobs.Deleted("notifications", n)
	if err != nil {
		return err
	}
	m, err := a.mail.Prune(ctx)
	a.jobs.Deleted("mail_outbox", m)
	if err != nil {
		return err
	}
	t, err := a.accounts.PruneEmailTokens(ctx)
	a.jobs.Deleted("email_tokens", t)
	if p != (accounts.Pruned{}) || n > 0 {
		a.log.InfoContext(ctx, "retention", "refreshTokens", p.Tokens, "tokenUses", p.Uses, "revocations", p.Revocations, "notifications", n)
	}
	return err
}

// mailPollEvery is how often the mail worker looks for due mail besides
// being woken by each new one (retries after their pauses, other instances'
// mail).
const mailPollEvery = 5 * time.Second

// mailSender is SMTP when KIZUNA_SMTP_URL is set, else .eml files under
// KIZUNA_DATA_DIR/mail.
func (a *app) mailSender() (mail.Sender, error) {
	if a.cfg.SMTPURL != "" {
		return mail.ParseSMTPURL(a.cfg.SMTPURL)
	}
	return mail.FileDrop{Dir: filepath.Join(a.cfg.DataDir, "mail")}, nil
}

// activityFlushEvery is how often noted activity is written: what a crash can
// lose of "last seen" times.
const activityFlushEvery = 5 * time.Second

func (a *app) flushActivity(ctx context.Context) error {
	_, err := a.accounts.FlushActivity(ctx)
	return err
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

// close stops retrying init, writes the activity noted since the last
// flush, then releases the database (and stops the embedded server).
func (a *app) close(ctx context.Context) error {
	a.stopInit()
	<-a.initDone
	select {
	case <-a.ready:
		// Losing these "last seen" times is harmless (see FlushActivity):
		// a database that is gone at shutdown is reported, not fatal.
		if err := a.flushActivity(ctx); err != nil {
			a.log.Warn("activity since the last flush not recorded", "err", err)
		}
	default:
	}
	return a.db.Close(ctx)
}

// gate is the app's handler: the "unavailable" handler until init opens it
// to the API.
type gate struct {
	next atomic.Pointer[http.Handler]
}

func newGate(waiting http.Handler) *gate {
	g := &gate{}
	g.next.Store(&waiting)
	return g
}

func (g *gate) open(h http.Handler) { g.next.Store(&h) }

// current is the handler requests go to now.
func (g *gate) current() http.Handler { return *g.next.Load() }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*g.next.Load()).ServeHTTP(w, r)
}
