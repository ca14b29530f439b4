// Package mentorships carries a founder's request to a good ending: match
// requests with ranked suggestions, introductions a mentor accepts or
// declines, mentorships with touchpoints, and their completion.
//
// Invariants and how they hold on MongoDB and on the embedded server (whose
// updates of one document are not isolated, while unique indexes are atomic):
//
//   - A mentor never has more active mentorships than their capacity: each
//     active mentorship holds a seat, a document unique on (mentorId, slot)
//     with slot < capacity, claimed by insert. A capacity lowered below the
//     seats held is caught by a count after the claim.
//   - An introduction gets exactly one decision (accepted, declined,
//     withdrawn, expired): a document whose _id is the introduction's id.
//   - A request ends once, matched or closed: an outcome document whose _id
//     is the request's id, claimed by an accept before its decision, or by
//     the founder closing it.
//   - At most MaxPendingPerRequest introductions of a request are pending:
//     slots unique on (requestId, slot), released when an introduction is
//     decided.
//   - A mentorship closes once (completed or ended): a document whose _id is
//     the mentorship's id.
//
// Counters (active mentorships, responsiveness) are derived from documents,
// never incremented. Status fields on documents follow the arbitration
// documents, updated under the per-document lock and conditionally on the
// previous status; every step after a decision is idempotent, and the periodic
// job repairs introductions whose decision was recorded but not applied.
//
// Error contract: validation_failed, forbidden, not_found, invalid_transition,
// request_not_open, request_already_matched, too_many_pending,
// already_introduced, already_reflected, active_mentorships,
// email_unverified and role_not_self_service (of accounts), and the matching
// reasons as conflicts: not_accepting, capacity_full, stake_conflict,
// not_independent, topic_mismatch, mode_mismatch, out_of_reach, self_match,
// mentor_unavailable.
package mentorships

import (
	"context"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/matching"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/notifications"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// Limits.
const (
	MaxPendingPerRequest = 3
	MaxRequestTopics     = 5
	DefaultRadiusKm      = 50
	MaxRadiusKm          = 500
	SuggestionsShown     = 10
	maxMessage           = 1000
	maxReflection        = 2000
)

// Errors of this package.
var (
	ErrInvalidTransition = apperr.New(apperr.Conflict, "invalid_transition", "this is not possible in the current state")
	ErrRequestNotOpen    = apperr.New(apperr.Conflict, "request_not_open", "the match request is no longer open")
	ErrRequestMatched    = apperr.New(apperr.Conflict, "request_already_matched", "another introduction of this request was accepted first")
	ErrTooManyPending    = apperr.New(apperr.Conflict, "too_many_pending", "a request can have at most 3 pending introductions; wait for an answer or withdraw one")
	ErrAlreadyIntroduced = apperr.New(apperr.Conflict, "already_introduced", "this request already has an introduction to this mentor")
	ErrCapacityFull      = apperr.New(apperr.Conflict, "capacity_full", "the mentor has no free place")
)

// Users is what this package needs of accounts.
type Users interface {
	Get(ctx context.Context, id bson.ObjectID) (accounts.User, error)
	GetMany(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]accounts.User, error)
	RemoveOwnRole(ctx context.Context, p accounts.Principal, role accounts.Role) (accounts.User, error)
}

// Notifier delivers in-app notifications.
type Notifier interface {
	Notify(ctx context.Context, in notifications.Input) (bool, error)
}

// Config configures the service.
type Config struct {
	Now         func() time.Time
	Logger      *slog.Logger
	IntroExpiry time.Duration // pending introductions expire after this
	// OnCompleted, if set, is called once when a mentorship is completed (the
	// community keeps both people as alumni members).
	OnCompleted func(context.Context, Mentorship) error
}

// Service is the mentorships domain.
type Service struct {
	db       *mongodb.DB
	index    *search.Index
	profiles *profiles.Service
	users    Users
	notify   Notifier
	topics   *topics.Taxonomy
	// names are the topics' names by language, for explanations.
	namesJa, namesEn matching.Names
	now              func() time.Time
	log              *slog.Logger
	expiry           time.Duration
	stats            *stats
	onDone           func(context.Context, Mentorship) error

	requests    *mongodb.Collection
	intros      *mongodb.Collection
	introSlots  *mongodb.Collection
	decisions   *mongodb.Collection
	matches     *mongodb.Collection
	seats       *mongodb.Collection
	mentorships *mongodb.Collection
	closures    *mongodb.Collection
	reflections *mongodb.Collection
	touchpoints *mongodb.Collection
}

// Collection names.
const (
	colRequests    = "match_requests"
	colIntros      = "introductions"
	colIntroSlots  = "introduction_slots"
	colDecisions   = "introduction_decisions"
	colMatches     = "request_outcomes"
	colSeats       = "mentor_seats"
	colMentorships = "mentorships"
	colClosures    = "mentorship_closures"
	colReflections = "reflections"
	colTouchpoints = "touchpoints"
)

// New returns the service, creating its indexes.
func New(ctx context.Context, db *mongodb.DB, index *search.Index, prof *profiles.Service, users Users, notify Notifier, tx *topics.Taxonomy, cfg Config) (*Service, error) {
	s := &Service{
		db: db, index: index, profiles: prof, users: users, notify: notify, topics: tx,
		now: cfg.Now, log: cfg.Logger, expiry: cfg.IntroExpiry, onDone: cfg.OnCompleted,
		requests:    db.Collection(colRequests),
		intros:      db.Collection(colIntros),
		introSlots:  db.Collection(colIntroSlots),
		decisions:   db.Collection(colDecisions),
		matches:     db.Collection(colMatches),
		seats:       db.Collection(colSeats),
		mentorships: db.Collection(colMentorships),
		closures:    db.Collection(colClosures),
		reflections: db.Collection(colReflections),
		touchpoints: db.Collection(colTouchpoints),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.expiry <= 0 {
		s.expiry = 14 * 24 * time.Hour
	}
	var slugs []string
	for _, t := range tx.All() {
		slugs = append(slugs, t.Slug)
	}
	s.namesJa, s.namesEn = matching.NewNames(s.topicJa, slugs), matching.NewNames(s.topicEn, slugs)
	s.stats = newStats(index)
	idx, unique := mongodb.Index, mongodb.UniqueIndex
	for coll, specs := range map[*mongodb.Collection][]mongodb.IndexSpec{
		s.requests:    {idx("founderId", "_id"), idx("status"), idx("location.prefectureCode", "createdAt").Times("createdAt")},
		s.intros:      {unique("requestId", "mentorId"), idx("requestId", "status"), idx("mentorId", "createdAt").Times("createdAt"), idx("founderId"), idx("status"), idx("updatedAt").Times("updatedAt")},
		s.introSlots:  {unique("requestId", "slot"), idx("introductionId")},
		s.seats:       {unique("mentorId", "slot"), unique("mentorshipId")},
		s.mentorships: {idx("mentorId"), idx("founderId"), idx("updatedAt").Times("updatedAt")},
		s.touchpoints: {idx("mentorshipId", "at").Times("at")},
		s.reflections: {idx("userId"), idx("mentorshipId")},
	} {
		if err := coll.EnsureIndexes(ctx, specs...); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// isStaff reports whether the caller may oversee mentorships they are not in.
func isStaff(p accounts.Principal) bool {
	return p.Has(accounts.RoleOrganizer) || p.Has(accounts.RoleAdmin)
}

// notifyOrLog sends a notification; a failure is logged, not returned: the
// state change it reports has already happened, and keys make retries safe.
func (s *Service) notifyOrLog(ctx context.Context, in notifications.Input) {
	if _, err := s.notify.Notify(ctx, in); err != nil {
		s.log.ErrorContext(ctx, "notify", "kind", in.Kind, "err", err)
	}
}

// names returns display names by user id (missing users are left out).
func (s *Service) names(ctx context.Context, ids ...bson.ObjectID) map[bson.ObjectID]string {
	users, err := s.users.GetMany(ctx, ids)
	out := map[bson.ObjectID]string{}
	if err != nil {
		s.log.ErrorContext(ctx, "load names", "err", err)
		return out
	}
	for id, u := range users {
		out[id] = u.DisplayName
	}
	return out
}
