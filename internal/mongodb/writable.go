package mongodb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// heartbeatCollection holds one document that ProbeWrites rewrites: the
// cheapest write that still goes through everything a real one does (the
// server, SQLite's log, the disk), so readiness can say whether writes work.
const heartbeatCollection = "heartbeat"

// writeProbe is the outcome of the latest ProbeWrites.
type writeProbe struct {
	mu  sync.Mutex
	err error
}

// ProbeWrites writes the heartbeat document and remembers whether it worked;
// Ready reports the failure until a later probe succeeds. Run it
// periodically: readiness then follows the storage both ways by itself.
func (d *DB) ProbeWrites(ctx context.Context, now time.Time) error {
	const id = "writes"
	unlock := d.Lock(heartbeatCollection, id)
	defer unlock()
	_, err := d.Collection(heartbeatCollection).Collection.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: now}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil && ctx.Err() != nil {
		return err // cancelled: says nothing about the storage
	}
	d.probe.mu.Lock()
	d.probe.err = err
	d.probe.mu.Unlock()
	return err
}

// Ready reports whether the database answers and, as far as the latest write
// probe knows, takes writes.
func (d *DB) Ready(ctx context.Context) error {
	if err := d.Ping(ctx); err != nil {
		return err
	}
	d.probe.mu.Lock()
	err := d.probe.err
	d.probe.mu.Unlock()
	if err != nil {
		return writesFail{cause: err}
	}
	return nil
}

// ErrWritesFail is Ready's error while the write probe fails.
var ErrWritesFail = errors.New("writes fail")

// WriteFailureCause is StorageFailure, or "write error" when it names none.
func WriteFailureCause(err error) string {
	if s := StorageFailure(err); s != "" {
		return s
	}
	return "write error"
}

// StorageFailure names what failed when err says the storage under the
// database refused a write, e.g. "disk full", and is "" for other errors.
// The embedded server passes SQLite's error text through; MongoDB reports
// a full disk the same way in its messages.
func StorageFailure(err error) string {
	if err == nil {
		return ""
	}
	msg := strings.ToLower(err.Error())
	for _, f := range storageFailures {
		for _, s := range f.says {
			if strings.Contains(msg, s) {
				return f.name
			}
		}
	}
	return ""
}

var storageFailures = []struct {
	name string
	says []string
}{
	{"disk full", []string{"database or disk is full", "sqlite_full", "no space left on device", "out of disk space"}},
	{"read-only storage", []string{"attempt to write a readonly database", "read-only file system", "sqlite_readonly"}},
	{"disk I/O error", []string{"disk i/o error", "sqlite_ioerr", "input/output error"}},
}

// IsStorageFailure reports whether err is a refused write of the storage
// (see StorageFailure): a 503 the client may retry, not a bug.
func IsStorageFailure(err error) bool {
	return StorageFailure(err) != "" && !errors.Is(err, context.Canceled)
}

// Classify maps an error from the database to the problem a client gets when
// it is an outage or a refused write, with what to log (nil otherwise: a bug,
// or not the database's doing). It is how the HTTP layer learns of storage
// errors without knowing the storage.
func Classify(err error) (problem *apperr.Error, cause string) {
	switch {
	case IsStorageFailure(err):
		return apperr.ErrStorageUnavailable, "storage refused a write: " + StorageFailure(err)
	case IsUnavailable(err):
		return apperr.ErrUnavailable, "database unavailable"
	}
	return nil, ""
}

// writesFail is Ready's error while the write probe fails; Reason says why
// for GET /readyz.
type writesFail struct{ cause error }

func (e writesFail) Error() string {
	return fmt.Sprintf("%v (%s): %v", ErrWritesFail, WriteFailureCause(e.cause), e.cause)
}
func (e writesFail) Unwrap() []error { return []error{ErrWritesFail, e.cause} }
func (e writesFail) Reason() string  { return "storage refuses writes: " + WriteFailureCause(e.cause) }
