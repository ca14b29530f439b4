// Package audit keeps the log of privileged actions: who (an admin or
// organizer) did what to whom, when and why. The log is append-only: entries
// are inserted and never edited or deleted, with one exception: when an
// account is deleted, its id in the log is replaced by the id standing for
// the former member (see package erasure), so the entry stays and names
// nobody gone.
//
// Error contract: validation_failed (a malformed cursor).
package audit

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Actions.
const (
	RoleGranted      = "role_granted"
	RoleRevoked      = "role_revoked"
	UserSuspended    = "user_suspended"
	UserUnsuspended  = "user_unsuspended"
	MentorVerified   = "mentor_verified"
	MentorUnverified = "mentor_unverified"
	UserDeleted      = "user_deleted"
	ReportResolved   = "report_resolved"
)

// Actions lists every action, for documentation and tests.
var Actions = []string{RoleGranted, RoleRevoked, UserSuspended, UserUnsuspended, MentorVerified, MentorUnverified, UserDeleted, ReportResolved}

// Entry is one privileged action.
type Entry struct {
	ID      bson.ObjectID `bson:"_id"`
	At      time.Time     `bson:"at"`
	ActorID bson.ObjectID `bson:"actorId"`
	Action  string        `bson:"action"`
	// SubjectID is the account acted on, when the action is on one.
	SubjectID *bson.ObjectID `bson:"subjectId,omitempty"`
	// ObjectID is another object acted on (a conduct report), when any.
	ObjectID *bson.ObjectID `bson:"objectId,omitempty"`
	Detail   string         `bson:"detail,omitempty"` // the role, the resolution's action
	Reason   string         `bson:"reason,omitempty"` // why, in the actor's words
}

const colLog = "audit_log"

// Service writes and reads the log.
type Service struct {
	log *mongodb.Collection
	now func() time.Time
}

// New returns the service, creating its indexes.
func New(ctx context.Context, db *mongodb.DB, now func() time.Time) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	s := &Service{log: db.Collection(colLog), now: now}
	if err := s.log.EnsureIndexes(ctx, mongodb.Index("actorId"), mongodb.Index("subjectId")); err != nil {
		return nil, err
	}
	return s, nil
}

// Record appends e (its id and time are set here).
func (s *Service) Record(ctx context.Context, e Entry) (Entry, error) {
	e.ID = bson.NewObjectID()
	e.At = s.now().UTC().Truncate(time.Millisecond)
	if _, err := s.log.InsertOne(ctx, e); err != nil {
		return Entry{}, fmt.Errorf("write audit entry: %w", err)
	}
	return e, nil
}

// List returns one page of the log, newest first.
func (s *Service) List(ctx context.Context, limit int, cursor string) ([]Entry, string, error) {
	return mongodb.FindPage(ctx, s.log, bson.D{}, cursor, limit, func(e Entry) bson.ObjectID { return e.ID })
}

// Pseudonymize replaces a deleted account's id in the log by formerID.
func (s *Service) Pseudonymize(ctx context.Context, userID, formerID bson.ObjectID) error {
	for _, field := range []string{"actorId", "subjectId"} {
		if _, err := s.log.Rekey(ctx, field, userID, formerID, nil); err != nil {
			return err
		}
	}
	return nil
}
