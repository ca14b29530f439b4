// Package idempotency makes retried creating requests safe: the first request
// with a caller's Idempotency-Key claims the key, and every later request with
// that key (within Retention) gets the first one's response instead of
// creating again.
//
// The claim is an insert under a unique index on (caller, key), which both
// MongoDB and the embedded server enforce atomically, so of several
// concurrent requests with one key exactly one runs; the others wait for its
// answer (see Config.Wait). Records live in MongoDB, so they hold across
// instances and restarts. Expired records are deleted by a job (DeleteExpired):
// the embedded server has no TTL indexes.
package idempotency

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Retention is how long a key is remembered.
const Retention = 24 * time.Hour

// Errors of Begin.
var (
	ErrKeyReused  = apperr.New(apperr.Unprocessable, "idempotency_key_reuse", "this Idempotency-Key was used for a different request; use a new key for a new request")
	ErrInProgress = apperr.New(apperr.Conflict, "idempotency_in_progress", "a request with this Idempotency-Key is still being processed; retry shortly")
)

const colKeys = "idempotency_keys"

const (
	statePending = "pending"
	stateDone    = "done"
)

// Config configures a Service.
type Config struct {
	Now    func() time.Time
	Logger *slog.Logger
	// Wait bounds how long a retry waits for the first request with its key
	// to finish before it gets ErrInProgress (default 10 s).
	Wait time.Duration
	// Lease is how long a claim may stay unfinished before it is taken to
	// belong to a crashed process and may be claimed again (default 2 min,
	// beyond any request's write timeout).
	Lease time.Duration
	// Poll is how often a waiter looks at a claim held by another instance
	// (default 100 ms); claims of this process wake their waiters at once.
	Poll time.Duration
}

// Service stores idempotency records.
type Service struct {
	db    *mongodb.DB
	keys  *mongodb.Collection
	now   func() time.Time
	log   *slog.Logger
	wait  time.Duration
	lease time.Duration
	poll  time.Duration

	mu       sync.Mutex
	inFlight map[string]chan struct{} // claims of this process, closed when finished
}

// New returns a Service and creates its indexes.
func New(ctx context.Context, db *mongodb.DB, cfg Config) (*Service, error) {
	s := &Service{
		db: db, keys: db.Collection(colKeys), now: cfg.Now, log: cfg.Logger,
		wait: cfg.Wait, lease: cfg.Lease, poll: cfg.Poll,
		inFlight: map[string]chan struct{}{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.wait <= 0 {
		s.wait = 10 * time.Second
	}
	if s.lease <= 0 {
		s.lease = 2 * time.Minute
	}
	if s.poll <= 0 {
		s.poll = 100 * time.Millisecond
	}
	if err := s.keys.EnsureIndexes(ctx,
		mongodb.UniqueIndex("caller", "key"),
		mongodb.Index("expiresAt").Times("expiresAt"),
	); err != nil {
		return nil, err
	}
	return s, nil
}

// ValidKey reports whether key is 1 to 255 printable ASCII characters.
func ValidKey(key string) bool {
	if len(key) == 0 || len(key) > 255 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// Fingerprint identifies a request by its method, path and body, so a key
// reused for another request is told apart from a retry.
func Fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", method, path)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Response is a stored answer.
type Response struct {
	Status  int               `bson:"status"`
	Headers map[string]string `bson:"headers"`
	Body    []byte            `bson:"body"`
}

type record struct {
	ID          bson.ObjectID `bson:"_id"`
	Caller      string        `bson:"caller"`
	Key         string        `bson:"key"`
	Fingerprint string        `bson:"fingerprint"`
	State       string        `bson:"state"`
	Owner       string        `bson:"owner"` // the claim's random token
	Response    *Response     `bson:"response,omitempty"`
	CreatedAt   time.Time     `bson:"createdAt"`
	ExpiresAt   time.Time     `bson:"expiresAt"`
}

// Claim is the right to run a request once; finish it with Complete or Release.
type Claim struct {
	id    bson.ObjectID
	owner string
	local string
}

// Begin either claims (caller, key) for a new request (replay is nil) or
// returns the stored response of the first request with the key. A retry
// while the first is still running waits for it, up to Config.Wait, then
// fails with ErrInProgress; a key used for a different fingerprint fails with
// ErrKeyReused.
func (s *Service) Begin(ctx context.Context, caller, key, fingerprint string) (claim *Claim, replay *Response, err error) {
	local := caller + "\x00" + key
	deadline := time.Now().Add(s.wait)
	for {
		now := s.now().UTC().Truncate(time.Millisecond)
		rec := record{
			ID: bson.NewObjectID(), Caller: caller, Key: key, Fingerprint: fingerprint,
			State: statePending, Owner: rand.Text(), CreatedAt: now, ExpiresAt: now.Add(Retention),
		}
		// One claim attempt per key at a time in this process; the others
		// wait for its outcome instead of hammering the index.
		done := make(chan struct{})
		s.mu.Lock()
		_, busy := s.inFlight[local]
		if !busy {
			s.inFlight[local] = done
		}
		s.mu.Unlock()
		if busy {
			if err := s.waitFor(ctx, local, deadline); err != nil {
				return nil, nil, err
			}
			if !time.Now().Before(deadline) {
				return nil, nil, ErrInProgress
			}
			continue
		}
		c := &Claim{id: rec.ID, owner: rec.Owner, local: local}
		_, err := s.keys.InsertOne(ctx, rec)
		if err == nil {
			return c, nil, nil
		}
		s.finish(c)
		if !mongodb.IsDuplicateKey(err) {
			return nil, nil, fmt.Errorf("claim idempotency key: %w", err)
		}

		var cur record
		err = s.keys.FindOne(ctx, bson.D{{Key: "caller", Value: caller}, {Key: "key", Value: key}}).Decode(&cur)
		if mongodb.IsNotFound(err) {
			continue // released or expired in between: claim it again
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read idempotency key: %w", err)
		}
		switch {
		case !now.Before(cur.ExpiresAt):
			// Forgotten already, only not yet cleaned up.
			if err := s.drop(ctx, cur); err != nil {
				return nil, nil, err
			}
			continue
		case cur.Fingerprint != fingerprint:
			return nil, nil, ErrKeyReused
		case cur.State == stateDone && cur.Response != nil:
			return nil, cur.Response, nil
		case now.Sub(cur.CreatedAt) >= s.lease:
			// Its process died mid-request: the request may run again.
			if err := s.drop(ctx, cur); err != nil {
				return nil, nil, err
			}
			continue
		}
		if !time.Now().Before(deadline) {
			return nil, nil, ErrInProgress
		}
		if err := s.waitFor(ctx, local, deadline); err != nil {
			return nil, nil, err
		}
	}
}

// waitFor returns when this process finishes its claim on local, after a poll
// interval when another instance holds it, or at the deadline.
func (s *Service) waitFor(ctx context.Context, local string, deadline time.Time) error {
	s.mu.Lock()
	done := s.inFlight[local]
	s.mu.Unlock()
	wait := time.Until(deadline)
	if done == nil {
		wait = min(wait, s.poll)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-done: // nil (blocks forever) when another instance holds the claim
	case <-t.C:
	}
	return nil
}

// drop deletes exactly the record cur (not a newer claim of the same key).
func (s *Service) drop(ctx context.Context, cur record) error {
	unlock := s.db.Lock(colKeys, cur.ID)
	defer unlock()
	if _, err := s.keys.DeleteOne(ctx, bson.D{{Key: "_id", Value: cur.ID}, {Key: "owner", Value: cur.Owner}}); err != nil {
		return fmt.Errorf("drop idempotency key: %w", err)
	}
	return nil
}

// Complete stores the response of a claimed request for its retries.
func (s *Service) Complete(ctx context.Context, c *Claim, resp Response) error {
	defer s.finish(c)
	unlock := s.db.Lock(colKeys, c.id)
	defer unlock()
	_, err := s.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: c.id}, {Key: "owner", Value: c.owner}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: stateDone}, {Key: "response", Value: resp}}}})
	if err != nil {
		return fmt.Errorf("store idempotent response: %w", err)
	}
	return nil
}

// Release gives the key up (the request failed on the server's side), so a
// retry runs the request again.
func (s *Service) Release(ctx context.Context, c *Claim) error {
	defer s.finish(c)
	unlock := s.db.Lock(colKeys, c.id)
	defer unlock()
	if _, err := s.keys.DeleteOne(ctx, bson.D{{Key: "_id", Value: c.id}, {Key: "owner", Value: c.owner}}); err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// finish wakes this process's waiters on the claim.
func (s *Service) finish(c *Claim) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if done, ok := s.inFlight[c.local]; ok {
		close(done)
		delete(s.inFlight, c.local)
	}
}

// DeleteExpired deletes the records older than Retention and reports how many.
func (s *Service) DeleteExpired(ctx context.Context) (int64, error) {
	res, err := s.keys.DeleteMany(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: s.now().UTC()}}}})
	if err != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", err)
	}
	return res.DeletedCount, nil
}

// Count is the number of stored records (for tests and operations).
func (s *Service) Count(ctx context.Context) (int64, error) {
	return s.keys.CountDocuments(ctx, bson.D{})
}
