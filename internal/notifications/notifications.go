// Package notifications owns the in-app notifications inbox: what happened to
// a user (an introduction arrived, a mentorship ended, an event invitation),
// in Japanese and English, with the ids a client follows from it.
//
// Other domains call Notify. Every notification has a dedupe key, unique
// across the collection: a second Notify with the same key is a no-op, and
// racing callers create exactly one notification, because the unique index on
// key arbitrates (on the embedded server and on MongoDB alike). Callers that
// may run twice for one event (retried jobs, several instances) pass a key
// naming the event and its recipient, e.g.
// "introduction_received:<introductionId>:<userId>".
//
// Reads and writes are always scoped to the recipient: another user's
// notification is reported as not found, never as forbidden.
//
// Error contract (codes of *apperr.Error): validation_failed (List: cursor,
// limit), not_found (MarkRead). Notify returns a plain error for invalid input:
// it is a caller's bug, not a user's mistake.
package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Kind names what happened.
type Kind string

// The kinds of notification.
const (
	KindIntroductionReceived  Kind = "introduction_received"
	KindIntroductionAccepted  Kind = "introduction_accepted"
	KindIntroductionDeclined  Kind = "introduction_declined"
	KindIntroductionWithdrawn Kind = "introduction_withdrawn"
	KindIntroductionExpired   Kind = "introduction_expired"
	KindIntroductionReminder  Kind = "introduction_reminder"
	KindMentorPaused          Kind = "mentor_paused"
	KindMentorshipCompleted   Kind = "mentorship_completed" // the other party is asked for their reflection
	KindMentorshipEnded       Kind = "mentorship_ended"
	KindEventInvitation       Kind = "event_invitation"
	KindEventPlaceConfirmed   Kind = "event_place_confirmed" // promoted from an event's waitlist
	KindEventReminder         Kind = "event_reminder"        // the day before, to people going
	KindKeepInTouch           Kind = "keep_in_touch"
)

// Kinds lists every kind, in the order of the constants. The HTTP layer's
// enum must list the same names.
var Kinds = []Kind{
	KindIntroductionReceived, KindIntroductionAccepted, KindIntroductionDeclined,
	KindIntroductionWithdrawn, KindIntroductionExpired, KindIntroductionReminder,
	KindMentorPaused, KindMentorshipCompleted, KindMentorshipEnded,
	KindEventInvitation, KindEventPlaceConfirmed, KindKeepInTouch, KindEventReminder,
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Refs are the ids a client follows from a notification. Zero ids are not
// stored.
type Refs struct {
	RequestID      bson.ObjectID `bson:"requestId,omitempty"`
	IntroductionID bson.ObjectID `bson:"introductionId,omitempty"`
	MentorshipID   bson.ObjectID `bson:"mentorshipId,omitempty"`
	CommunityID    bson.ObjectID `bson:"communityId,omitempty"`
	EventID        bson.ObjectID `bson:"eventId,omitempty"`
	UserID         bson.ObjectID `bson:"userId,omitempty"` // the other person, if any
}

// Notification is one entry of a user's inbox.
type Notification struct {
	ID        bson.ObjectID `bson:"_id"`
	UserID    bson.ObjectID `bson:"userId"` // the recipient
	Kind      Kind          `bson:"kind"`
	TextJa    string        `bson:"textJa"`
	TextEn    string        `bson:"textEn"`
	Refs      Refs          `bson:"refs"`
	Read      bool          `bson:"read"`
	CreatedAt time.Time     `bson:"createdAt"`
	ReadAt    *time.Time    `bson:"readAt,omitempty"` // when first marked read
	Key       string        `bson:"key"`              // dedupe key, unique
}

// Input is a notification to store.
type Input struct {
	UserID bson.ObjectID // the recipient
	Kind   Kind
	TextJa string
	TextEn string
	Refs   Refs
	// Key makes Notify idempotent; empty: a fresh unique key. At most MaxKeyLen
	// characters, and not starting with the reserved prefix "auto:".
	Key string
	// Message, for the mail only: what the other person wrote (shown
	// quoted in the mail, not stored with the notification).
	Message string
	// Details, for the mail only: lines shown under the text (a mentor's
	// contact details once accepted, the next suggestions after a decline).
	Details []string
	// Variant, for the mail only: the variant of the kind's text (see
	// texts.go) where the mail's preference depends on it (an expiry is a
	// reminder to the mentor, an outcome to the founder).
	Variant string
}

// Bounds.
const (
	MaxKeyLen     = 200
	MaxLimit      = 100
	autoKeyPrefix = "auto:"
)

// Config configures the service.
type Config struct {
	Now    func() time.Time
	Logger *slog.Logger
	// Mail, when set, is told of every notification Notify stores (and of
	// repeats, so a crash between the two is repaired by the retry): it
	// decides whether the kind also goes by mail. An error fails Notify.
	Mail func(ctx context.Context, n Notification, in Input) error
}

// Service is the notifications domain.
type Service struct {
	db    *mongodb.DB
	items *mongodb.Collection
	now   func() time.Time
	log   *slog.Logger
	mail  func(context.Context, Notification, Input) error
}

// Collection names.
const colNotifications = "notifications"

// New returns the service, creating its indexes.
func New(ctx context.Context, db *mongodb.DB, cfg Config) (*Service, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &Service{
		db:    db,
		items: db.Collection(colNotifications),
		now:   func() time.Time { return now().UTC().Truncate(time.Millisecond) },
		log:   cfg.Logger,
		mail:  cfg.Mail,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	// Every document has a key (generated when the caller gives none): a
	// missing key would be a NULL that the embedded server treats as distinct
	// and MongoDB as equal, and no partial index is available to skip it.
	if err := s.items.EnsureIndexes(ctx,
		mongodb.UniqueIndex("key").Named("key_unique"),
		mongodb.Index("userId", "-_id").Named("userId_id_desc"),
		mongodb.Index("userId", "read"), // unread counts, from the index alone
	); err != nil {
		return nil, err
	}
	return s, nil
}

// Notify stores one notification. A second Notify with the same non-empty Key
// is a no-op that returns created=false; racing callers with one key create
// exactly one notification. Invalid input is a plain (internal) error.
func (s *Service) Notify(ctx context.Context, in Input) (created bool, err error) {
	if err := checkInput(in); err != nil {
		return false, err
	}
	n := Notification{
		ID:        bson.NewObjectID(),
		UserID:    in.UserID,
		Kind:      in.Kind,
		TextJa:    strings.TrimSpace(in.TextJa),
		TextEn:    strings.TrimSpace(in.TextEn),
		Refs:      in.Refs,
		CreatedAt: s.now(),
		Key:       in.Key,
	}
	if n.Key == "" {
		n.Key = autoKeyPrefix + n.ID.Hex()
	}
	// The unique index on key arbitrates duplicates and races.
	if _, err := s.items.InsertOne(ctx, n); err != nil {
		if !mongodb.IsDuplicateKey(err) {
			return false, fmt.Errorf("insert notification: %w", err)
		}
		s.log.DebugContext(ctx, "duplicate notification ignored", "key", n.Key, "kind", string(n.Kind))
		if s.mail != nil && in.Key != "" {
			// The mail is keyed by the notification's key: a no-op unless
			// the first attempt stopped between the two.
			if err := s.mail(ctx, n, in); err != nil {
				return false, fmt.Errorf("mail notification: %w", err)
			}
		}
		return false, nil
	}
	if s.mail != nil {
		if err := s.mail(ctx, n, in); err != nil {
			return true, fmt.Errorf("mail notification: %w", err)
		}
	}
	return true, nil
}

// checkInput rejects what only a caller's bug can produce.
func checkInput(in Input) error {
	var errs []error
	if in.UserID.IsZero() {
		errs = append(errs, errors.New("user id is not set"))
	}
	if !in.Kind.Valid() {
		errs = append(errs, fmt.Errorf("unknown kind %q", in.Kind))
	}
	if strings.TrimSpace(in.TextJa) == "" {
		errs = append(errs, errors.New("text in Japanese (TextJa) is empty"))
	}
	if strings.TrimSpace(in.TextEn) == "" {
		errs = append(errs, errors.New("text in English (TextEn) is empty"))
	}
	if utf8.RuneCountInString(in.Key) > MaxKeyLen {
		errs = append(errs, fmt.Errorf("key is longer than %d characters", MaxKeyLen))
	}
	if strings.HasPrefix(in.Key, autoKeyPrefix) {
		errs = append(errs, fmt.Errorf("key must not start with the reserved prefix %q", autoKeyPrefix))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("notifications: invalid input: %w", err)
	}
	return nil
}

// List returns a page of the user's notifications, newest first, limit at most
// MaxLimit. cursor is the nextCursor of the previous page ("" for the first);
// nextCursor is "" on the last page.
func (s *Service) List(ctx context.Context, userID bson.ObjectID, unreadOnly bool, limit int, cursor string) (items []Notification, nextCursor string, err error) {
	var v apperr.Validation
	v.Check(limit >= 1 && limit <= MaxLimit, "limit", fmt.Sprintf("must be an integer between 1 and %d", MaxLimit))
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	filter := bson.D{{Key: "userId", Value: userID}}
	if unreadOnly {
		filter = append(filter, bson.E{Key: "read", Value: false})
	}
	items, nextCursor, err = mongodb.FindPage(ctx, s.items, filter, cursor, limit, func(n Notification) bson.ObjectID { return n.ID })
	if items == nil && err == nil {
		items = []Notification{}
	}
	return items, nextCursor, err
}

// UnreadCount returns how many of the user's notifications are unread.
func (s *Service) UnreadCount(ctx context.Context, userID bson.ObjectID) (int64, error) {
	n, err := s.items.CountDocuments(ctx, bson.D{{Key: "userId", Value: userID}, {Key: "read", Value: false}})
	if err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", err)
	}
	return n, nil
}

// MarkRead marks one of the user's notifications read and returns it. Marking
// a read notification again changes nothing (readAt stays the first time). A
// notification that does not exist or belongs to someone else is not_found.
func (s *Service) MarkRead(ctx context.Context, userID, id bson.ObjectID) (Notification, error) {
	unlock := s.db.Lock(colNotifications, id)
	defer unlock()
	mine := bson.D{{Key: "_id", Value: id}, {Key: "userId", Value: userID}}
	// Conditional on read=false, so on MongoDB too only the first reader sets
	// readAt.
	var n Notification
	err := s.items.FindOneAndUpdate(ctx, append(mine, bson.E{Key: "read", Value: false}),
		bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: true}, {Key: "readAt", Value: s.now()}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&n)
	if err == nil {
		return n, nil
	}
	if !mongodb.IsNotFound(err) {
		return Notification{}, fmt.Errorf("mark notification read: %w", err)
	}
	// Already read, or not the caller's, or no such notification.
	err = s.items.FindOne(ctx, mine).Decode(&n)
	if mongodb.IsNotFound(err) {
		return Notification{}, apperr.NotFoundf("no notification with id %s", id.Hex())
	}
	if err != nil {
		return Notification{}, fmt.Errorf("find notification: %w", err)
	}
	return n, nil
}

// MarkAllRead marks every unread notification of the user read and returns
// how many it changed. One updateMany without per-document locks: racing
// writers of these documents only ever set read=true, so none can undo
// another's work.
func (s *Service) MarkAllRead(ctx context.Context, userID bson.ObjectID) (int64, error) {
	res, err := s.items.UpdateMany(ctx,
		bson.D{{Key: "userId", Value: userID}, {Key: "read", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: true}, {Key: "readAt", Value: s.now()}}}})
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", err)
	}
	return res.ModifiedCount, nil
}
