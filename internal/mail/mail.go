// Package mail is Kizuna's e-mail: a transactional outbox in the database and
// a worker that delivers it.
//
// Every mail is first recorded as an outbox document (Enqueue), rendered from
// the recipient's locale's templates, with a stable Message-ID, and keyed by
// its recipient's user id (ForgetUser drops them all when an account goes).
// A dedupe key, unique across the collection, makes Enqueue idempotent: an
// action retried after a crash records its mail once.
//
// The worker (Deliver, Run) sends due messages through a Sender (SMTP, or a
// directory of .eml files when no SMTP server is configured). Each delivery
// attempt of a message is claimed by inserting a document whose _id names the
// message and the attempt: the unique _id makes the claim atomic on MongoDB
// and on the embedded server alike, so with several workers or instances one
// of them sends each attempt. A temporary failure (a 4xx answer, a server
// that cannot be reached) is retried with exponential backoff and jitter; a
// permanent one (a 5xx answer) is not, and is recorded. A worker that dies
// between sending and recording leaves its claim; once the claim's lease has
// expired another worker sends again, with the same Message-ID: after a crash
// a message may arrive twice, never zero times.
//
// This package never imports Gin.
package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// States of an outbox message.
const (
	StatePending = "pending" // waiting for its next attempt
	StateSent    = "sent"    // accepted by the SMTP server (or written to a file)
	StateFailed  = "failed"  // refused for good (a 5xx answer) or given up
)

// Message is one outbox document.
type Message struct {
	ID     bson.ObjectID `bson:"_id"`
	Key    string        `bson:"key"`    // dedupe key, unique
	UserID bson.ObjectID `bson:"userId"` // the recipient's account
	To     string        `bson:"to"`
	Kind   string        `bson:"kind"` // the template, e.g. verify_email
	Locale string        `bson:"locale"`
	// Rendered at enqueue time; Text and HTML are cleared once sent (they may
	// carry single-use links).
	Subject string `bson:"subject"`
	Text    string `bson:"text,omitempty"`
	HTML    string `bson:"html,omitempty"`
	// Unsubscribe is the one-click unsubscribe URL of bulk mail ("" for
	// transactional mail): sent as List-Unsubscribe with
	// List-Unsubscribe-Post (RFC 8058).
	Unsubscribe string `bson:"unsubscribe,omitempty"`
	MessageID   string `bson:"messageId"` // without angle brackets

	State         string     `bson:"state"`
	Attempts      int        `bson:"attempts"` // attempts made
	NextAttemptAt time.Time  `bson:"nextAttemptAt"`
	LastError     string     `bson:"lastError,omitempty"`
	FailReason    string     `bson:"failReason,omitempty"` // on failed: permanent or gave_up
	CreatedAt     time.Time  `bson:"createdAt"`
	SentAt        *time.Time `bson:"sentAt,omitempty"`
}

// claim is one worker's right to make one attempt of one message.
type claim struct {
	ID     string    `bson:"_id"` // <message id>#<attempt>
	Holder string    `bson:"holder"`
	At     time.Time `bson:"at"`
}

// Collection names.
const (
	colOutbox = "mail_outbox"
	colClaims = "mail_claims"
)

// Tuning.
const (
	// Lease is how long a claimed attempt may take before another worker
	// may take it over (the claimer is assumed dead).
	Lease = 2 * time.Minute
	// MaxAttempts: after this many temporary failures a message is given up.
	MaxAttempts = 12
	// backoffBase and backoffMax bound the pause before attempt n+1:
	// base*2^n, at most max, of which a random half is taken off (jitter),
	// so a burst that failed together does not retry together.
	backoffBase = 30 * time.Second
	backoffMax  = time.Hour
	batchSize   = 50
	// keepSent is how long sent and failed messages are kept (their
	// metadata: the bodies go when sent).
	keepSent = 30 * 24 * time.Hour
)

// Config configures the outbox.
type Config struct {
	Sender Sender
	From   string // "Kizuna <no-reply@example.jp>"
	// PublicURL is the front end's base URL, for links in mails.
	PublicURL string
	// Domain is the right-hand side of Message-IDs (default: From's domain).
	Domain  string
	Now     func() time.Time
	Logger  *slog.Logger
	Metrics prometheus.Registerer
	// Hold, when set, is asked before each attempt whether a message must
	// wait (quiet hours); it returns the time to try again.
	Hold func(Message, time.Time) (time.Time, bool)
	// ReleaseClaims drops every delivery claim at start. Only for a
	// database no other process can be using (the embedded server: one
	// process per data directory), where every claim found at start was
	// left by a process that is gone: its mail then goes out at once
	// instead of after the lease.
	ReleaseClaims bool
}

// Outbox records and delivers mail.
type Outbox struct {
	db        *mongodb.DB
	items     *mongodb.Collection
	claims    *mongodb.Collection
	sender    Sender
	from      string
	publicURL string
	domain    string
	now       func() time.Time
	log       *slog.Logger
	holder    string
	wake      chan struct{}
	tmpl      *templates
	hold      func(Message, time.Time) (time.Time, bool)

	deliveries prometheus.Counter
	failures   *prometheus.CounterVec
	mu         sync.Mutex // guards depth and oldest between polls
	depth      float64
	oldest     time.Time
}

// New returns the outbox, creating its indexes.
func New(ctx context.Context, db *mongodb.DB, cfg Config) (*Outbox, error) {
	if cfg.Sender == nil {
		return nil, errors.New("mail: no sender")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	tmpl, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	o := &Outbox{
		db: db, items: db.Collection(colOutbox), claims: db.Collection(colClaims),
		sender: cfg.Sender, from: cfg.From, publicURL: strings.TrimRight(cfg.PublicURL, "/"),
		domain: cfg.Domain,
		now:    func() time.Time { return now().UTC().Truncate(time.Millisecond) },
		log:    cfg.Logger, holder: rand.Text(), wake: make(chan struct{}, 1), tmpl: tmpl, hold: cfg.Hold,
		deliveries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kizuna_mail_deliveries_total",
			Help: "Mails this instance handed to the SMTP server (or wrote as files).",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kizuna_mail_failures_total",
			Help: "Failed delivery attempts of this instance, by reason: temporary (retried), permanent (a 5xx answer: not retried), gave_up (too many temporary failures).",
		}, []string{"reason"}),
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.from == "" {
		o.from = "Kizuna <no-reply@kizuna.invalid>"
	}
	if o.domain == "" {
		o.domain = domainOf(o.from)
	}
	if err := o.items.EnsureIndexes(ctx,
		mongodb.UniqueIndex("key").Named("key_unique"),
		mongodb.Index("state", "nextAttemptAt").Times("nextAttemptAt"),
		mongodb.Index("userId"),
		mongodb.Index("createdAt").Times("createdAt"),
	); err != nil {
		return nil, err
	}
	if err := o.claims.EnsureIndexes(ctx, mongodb.Index("at").Times("at")); err != nil {
		return nil, err
	}
	if cfg.ReleaseClaims {
		res, err := o.claims.DeleteMany(ctx, bson.D{})
		if err != nil {
			return nil, fmt.Errorf("release mail claims: %w", err)
		}
		if res.DeletedCount > 0 {
			o.log.InfoContext(ctx, "mail claims of an earlier run released", "claims", res.DeletedCount)
		}
	}
	if cfg.Metrics != nil {
		o.RegisterMetrics(cfg.Metrics)
	}
	return o, nil
}

// RegisterMetrics registers the outbox's series (once).
func (o *Outbox) RegisterMetrics(reg prometheus.Registerer) {
	{
		for _, r := range []string{"temporary", "permanent", "gave_up"} {
			o.failures.WithLabelValues(r)
		}
		reg.MustRegister(o.deliveries, o.failures,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "kizuna_mail_outbox_depth",
				Help: "Mails waiting for delivery (as of the worker's latest poll).",
			}, func() float64 { o.mu.Lock(); defer o.mu.Unlock(); return o.depth }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "kizuna_mail_oldest_undelivered_seconds",
				Help: "Age of the oldest mail waiting for delivery (0 when none), as of the worker's latest poll.",
			}, func() float64 {
				o.mu.Lock()
				defer o.mu.Unlock()
				if o.oldest.IsZero() {
					return 0
				}
				return o.now().Sub(o.oldest).Seconds()
			}),
		)
	}
}

func domainOf(from string) string {
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		d := strings.TrimRight(from[i+1:], "> ")
		if d != "" {
			return d
		}
	}
	return "kizuna.invalid"
}

// PublicURL is the front end's base URL (no trailing slash).
func (o *Outbox) PublicURL() string { return o.publicURL }

// Input is a mail to record.
type Input struct {
	Key    string // dedupe key: a second Enqueue with it records nothing
	UserID bson.ObjectID
	To     string
	Locale string // ja or en (anything else: ja)
	Kind   string // a template name (see templates.go)
	Data   map[string]any
	// Unsubscribe, for bulk mail: the one-click unsubscribe URL.
	Unsubscribe string
	// NotBefore delays the first attempt (quiet hours).
	NotBefore time.Time
}

// Enqueue renders and records one mail. It reports whether it was recorded
// now (false: a mail with this key exists). The worker is woken.
func (o *Outbox) Enqueue(ctx context.Context, in Input) (bool, error) {
	if in.Key == "" || in.UserID.IsZero() || in.To == "" {
		return false, errors.New("mail: key, user and address are required")
	}
	locale := in.Locale
	if locale != "en" {
		locale = "ja"
	}
	data := map[string]any{}
	for k, v := range in.Data {
		data[k] = v
	}
	data["PublicURL"] = o.publicURL
	data["Unsubscribe"] = in.Unsubscribe
	subject, text, html, err := o.tmpl.render(in.Kind, locale, data)
	if err != nil {
		return false, err
	}
	now := o.now()
	id := bson.NewObjectID()
	next := now
	if in.NotBefore.After(now) {
		next = in.NotBefore.UTC().Truncate(time.Millisecond)
	}
	m := Message{
		ID: id, Key: in.Key, UserID: in.UserID, To: in.To, Kind: in.Kind, Locale: locale,
		Subject: subject, Text: text, HTML: html, Unsubscribe: in.Unsubscribe,
		MessageID: id.Hex() + "@" + o.domain,
		State:     StatePending, NextAttemptAt: next, CreatedAt: now,
	}
	if _, err := o.items.InsertOne(ctx, m); err != nil {
		if mongodb.IsDuplicateKey(err) {
			return false, nil
		}
		return false, fmt.Errorf("record mail: %w", err)
	}
	o.Wake()
	return true, nil
}

// Wake makes a running worker poll now.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// ForUser returns the user's outbox messages, oldest first (for data export
// and tests).
func (o *Outbox) ForUser(ctx context.Context, userID bson.ObjectID) ([]Message, error) {
	cur, err := o.items.Find(ctx, bson.D{{Key: "userId", Value: userID}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find mail: %w", err)
	}
	out := []Message{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("find mail: %w", err)
	}
	return out, nil
}

// ForgetUser deletes every outbox message of the user (account deletion):
// unsent ones are then never sent.
func (o *Outbox) ForgetUser(ctx context.Context, userID bson.ObjectID) (int64, error) {
	res, err := o.items.DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}})
	if err != nil {
		return 0, fmt.Errorf("forget mail: %w", err)
	}
	return res.DeletedCount, nil
}

// Prune deletes sent and failed messages older than keepSent, and old claims.
func (o *Outbox) Prune(ctx context.Context) (int64, error) {
	before := o.now().Add(-keepSent)
	res, err := o.items.DeleteMany(ctx, bson.D{
		{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: before}}},
		{Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{StateSent, StateFailed}}}},
	})
	if err != nil {
		return 0, fmt.Errorf("prune mail: %w", err)
	}
	if _, err := o.claims.DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}}); err != nil {
		return res.DeletedCount, fmt.Errorf("prune mail claims: %w", err)
	}
	return res.DeletedCount, nil
}

// Run delivers due mail until ctx ends: at once when woken by Enqueue, and
// every poll otherwise.
func (o *Outbox) Run(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := o.Deliver(ctx); err != nil && ctx.Err() == nil {
			o.log.ErrorContext(ctx, "mail delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.wake:
		}
	}
}

// Report is what one Deliver did.
type Report struct {
	Sent, Retried, Failed int
}

// Deliver makes one attempt at every due message (in batches until none is
// due) and updates the gauges.
func (o *Outbox) Deliver(ctx context.Context) (Report, error) {
	var rep Report
	for ctx.Err() == nil {
		now := o.now()
		cur, err := o.items.Find(ctx, bson.D{
			{Key: "state", Value: StatePending},
			{Key: "nextAttemptAt", Value: bson.D{{Key: "$lte", Value: now}}},
		}, options.Find().SetSort(bson.D{{Key: "nextAttemptAt", Value: 1}}).SetLimit(batchSize))
		if err != nil {
			return rep, fmt.Errorf("find due mail: %w", err)
		}
		var due []Message
		if err := cur.All(ctx, &due); err != nil {
			return rep, fmt.Errorf("find due mail: %w", err)
		}
		progressed := false
		for _, m := range due {
			outcome, err := o.attempt(ctx, m)
			if err != nil {
				return rep, err
			}
			switch outcome {
			case outcomeSent:
				rep.Sent++
			case outcomeRetry:
				rep.Retried++
			case outcomeFailed:
				rep.Failed++
			}
			if outcome != outcomeSkipped {
				progressed = true
			}
		}
		if len(due) < batchSize || !progressed {
			break
		}
	}
	return rep, o.measure(ctx)
}

// measure refreshes the depth and oldest-undelivered gauges.
func (o *Outbox) measure(ctx context.Context) error {
	pending := bson.D{{Key: "state", Value: StatePending}}
	n, err := o.items.CountDocuments(ctx, pending)
	if err != nil {
		return fmt.Errorf("count mail: %w", err)
	}
	var oldest time.Time
	if n > 0 {
		var m Message
		err := o.items.FindOne(ctx, pending, options.FindOne().SetSort(bson.D{{Key: "nextAttemptAt", Value: 1}})).Decode(&m)
		if err != nil && !mongodb.IsNotFound(err) {
			return fmt.Errorf("oldest mail: %w", err)
		}
		oldest = m.CreatedAt
	}
	o.mu.Lock()
	o.depth, o.oldest = float64(n), oldest
	o.mu.Unlock()
	return nil
}

type outcome int

const (
	outcomeSkipped outcome = iota // another worker has it, or it must wait
	outcomeSent
	outcomeRetry
	outcomeFailed
)

// attempt claims attempt m.Attempts of m and makes it.
func (o *Outbox) attempt(ctx context.Context, m Message) (outcome, error) {
	now := o.now()
	if o.hold != nil {
		if until, wait := o.hold(m, now); wait {
			unlock := o.db.Lock(colOutbox, m.ID)
			defer unlock()
			_, err := o.items.UpdateOne(ctx, bson.D{{Key: "_id", Value: m.ID}, {Key: "state", Value: StatePending}, {Key: "attempts", Value: m.Attempts}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "nextAttemptAt", Value: until.UTC().Truncate(time.Millisecond)}}}})
			if err != nil {
				return outcomeSkipped, fmt.Errorf("hold mail: %w", err)
			}
			return outcomeSkipped, nil
		}
	}
	ok, err := o.claim(ctx, m, now)
	if err != nil || !ok {
		return outcomeSkipped, err
	}
	// The batch was read before the claim: another worker may have made
	// this attempt meanwhile (and the claim be a stale one taken over).
	// Only a message still at this attempt is sent.
	var cur Message
	err = o.items.FindOne(ctx, bson.D{{Key: "_id", Value: m.ID}}).Decode(&cur)
	if mongodb.IsNotFound(err) {
		return outcomeSkipped, nil // forgotten (account deleted)
	}
	if err != nil {
		return outcomeSkipped, fmt.Errorf("reread mail: %w", err)
	}
	if cur.State != StatePending || cur.Attempts != m.Attempts {
		return outcomeSkipped, nil
	}
	sendErr := o.sender.Send(ctx, m, o.from)
	if ctx.Err() != nil && sendErr != nil {
		return outcomeSkipped, nil // stopping; the claim's lease ends and another takes over
	}
	unlock := o.db.Lock(colOutbox, m.ID)
	defer unlock()
	mine := bson.D{{Key: "_id", Value: m.ID}, {Key: "state", Value: StatePending}, {Key: "attempts", Value: m.Attempts}}
	done := o.now()
	if sendErr == nil {
		_, err := o.items.UpdateOne(context.WithoutCancel(ctx), mine, bson.D{
			{Key: "$set", Value: bson.D{{Key: "state", Value: StateSent}, {Key: "sentAt", Value: done}, {Key: "attempts", Value: m.Attempts + 1}}},
			{Key: "$unset", Value: bson.D{{Key: "text", Value: ""}, {Key: "html", Value: ""}, {Key: "lastError", Value: ""}}},
		})
		if err != nil {
			// Sent but not recorded: the lease ends and it is sent again
			// (the at-most-once repeat the package comment allows).
			return outcomeSkipped, fmt.Errorf("record sent mail %s: %w", m.ID.Hex(), err)
		}
		o.deliveries.Inc()
		o.log.InfoContext(ctx, "mail sent", "mailId", m.ID.Hex(), "kind", m.Kind, "attempt", m.Attempts+1)
		return outcomeSent, nil
	}
	permanent := IsPermanent(sendErr)
	reason := "temporary"
	set := bson.D{{Key: "attempts", Value: m.Attempts + 1}, {Key: "lastError", Value: truncate(sendErr.Error(), 500)}}
	switch {
	case permanent:
		reason = "permanent"
		set = append(set, bson.E{Key: "state", Value: StateFailed}, bson.E{Key: "failReason", Value: reason})
	case m.Attempts+1 >= MaxAttempts:
		reason = "gave_up"
		set = append(set, bson.E{Key: "state", Value: StateFailed}, bson.E{Key: "failReason", Value: reason})
	default:
		set = append(set, bson.E{Key: "nextAttemptAt", Value: done.Add(Backoff(m.Attempts))})
	}
	if _, err := o.items.UpdateOne(context.WithoutCancel(ctx), mine, bson.D{{Key: "$set", Value: set}}); err != nil {
		return outcomeSkipped, fmt.Errorf("record failed mail %s: %w", m.ID.Hex(), err)
	}
	o.failures.WithLabelValues(reason).Inc()
	level := slog.LevelWarn
	if reason != "temporary" {
		level = slog.LevelError
	}
	o.log.Log(ctx, level, "mail not delivered", "mailId", m.ID.Hex(), "kind", m.Kind, "attempt", m.Attempts+1, "reason", reason, "err", sendErr.Error())
	if reason == "temporary" {
		return outcomeRetry, nil
	}
	return outcomeFailed, nil
}

// claim takes attempt m.Attempts of m for this worker: by inserting its
// claim, or by taking over a claim whose lease expired.
func (o *Outbox) claim(ctx context.Context, m Message, now time.Time) (bool, error) {
	id := fmt.Sprintf("%s#%d", m.ID.Hex(), m.Attempts)
	_, err := o.claims.InsertOne(ctx, claim{ID: id, Holder: o.holder, At: now})
	if err == nil {
		return true, nil
	}
	if !mongodb.IsDuplicateKey(err) {
		return false, fmt.Errorf("claim mail: %w", err)
	}
	unlock := o.db.Lock(colClaims, id)
	defer unlock()
	var c claim
	if err := o.claims.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
		if mongodb.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("find mail claim: %w", err)
	}
	if now.Sub(c.At) < Lease {
		return false, nil // another worker is on it
	}
	// Of two takers, one wins: a unique insert naming the stale claim
	// arbitrates (the embedded server does not isolate two conditional
	// updates racing on one document: both would win and both send).
	taken := claim{ID: id + "@" + strconv.FormatInt(c.At.UnixMilli(), 10), Holder: o.holder, At: now}
	if _, err := o.claims.InsertOne(ctx, taken); err != nil {
		if mongodb.IsDuplicateKey(err) {
			return false, nil
		}
		return false, fmt.Errorf("take over mail claim: %w", err)
	}
	if _, err := o.claims.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: o.holder}, {Key: "at", Value: now}}}}); err != nil {
		return false, fmt.Errorf("take over mail claim: %w", err)
	}
	o.log.WarnContext(ctx, "took over a stale mail claim (the mail may arrive twice)", "mailId", m.ID.Hex(), "staleHolder", c.Holder)
	return true, nil
}

// Backoff is the pause after the given number of failed attempts (0 for the
// first failure): exponential from 30 s, at most an hour, with a random part
// of up to half taken off.
func Backoff(failed int) time.Duration {
	d := backoffBase
	for i := 0; i < failed && d < backoffMax; i++ {
		d *= 2
	}
	d = min(d, backoffMax)
	half := int64(d / 2)
	j, err := rand.Int(rand.Reader, big.NewInt(half+1))
	if err != nil {
		return d
	}
	return d - time.Duration(j.Int64())
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
