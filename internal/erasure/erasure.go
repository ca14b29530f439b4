// Package erasure deletes accounts: a member's own "delete my account" and
// an admin's deletion of a member. What is deleted, what is kept for others
// under a former member's name, and in which order, is the list in Steps:
// one place, one step per collection or group of collections, each step
// idempotent.
//
// A deletion is resumable. Its marker (collection erasures, _id the user's
// id) is written before anything else and holds what the later steps need
// (the id that stands for the member in what others keep, the name they
// had). The request runs every step at once; the periodic job (RunJob)
// runs every step again for each marker older than Settle, and only then
// deletes the marker. So a deletion cut short by a crash is finished by the
// job, and a write of the member's that was already under way when the
// deletion began (a request past its authentication) is caught by the
// second run.
//
// Error contract: not_found (no such account), validation_failed (a
// missing reason or a wrong password, checked by the callers' services).
package erasure

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/idempotency"
	"github.com/kizuna-dev/kizuna/internal/keepintouch"
	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/moderation"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/notifications"
	"github.com/kizuna-dev/kizuna/internal/profiles"
)

// Settle is how long a marker stays after its deletion ran, before the job
// runs the steps once more and deletes it: longer than any request runs.
const Settle = 2 * time.Minute

// colMarkers is the collection of deletions in progress.
const colMarkers = "erasures"

// Auditor records privileged actions (see package audit); nil records none.
type Auditor interface {
	// Pseudonymize moves a deleted member's id in the log to formerID.
	Pseudonymize(ctx context.Context, userID, formerID bson.ObjectID) error
}

// Digests holds the lapsed-member digests sent to members (see package
// digest).
type Digests interface {
	ForgetUser(ctx context.Context, userID bson.ObjectID) error
}

// Deps are the services whose data a deletion touches.
type Deps struct {
	DB            *mongodb.DB
	Accounts      *accounts.Service
	Profiles      *profiles.Service
	Mentorships   *mentorships.Service
	Community     *community.Service
	Notifications *notifications.Service
	Moderation    *moderation.Service
	KeepInTouch   *keepintouch.Service
	Idempotency   *idempotency.Service
	Mail          *mail.Outbox
	Digest        Digests // nil: none
	Audit         Auditor
	Now           func() time.Time
	Logger        *slog.Logger
}

// Service deletes accounts.
type Service struct {
	d       Deps
	markers *mongodb.Collection
	now     func() time.Time
	log     *slog.Logger
}

// New returns the service, creating its indexes.
func New(ctx context.Context, d Deps) (*Service, error) {
	s := &Service{d: d, markers: d.DB.Collection(colMarkers), now: d.Now, log: d.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.markers.EnsureIndexes(ctx, mongodb.Index("startedAt").Times("startedAt")); err != nil {
		return nil, err
	}
	return s, nil
}

// Marker is a deletion in progress.
type Marker struct {
	UserID bson.ObjectID `bson:"_id"`
	// FormerID stands for the member in what others keep (see
	// accounts.FormerMemberName); it links to nothing once the marker goes.
	FormerID bson.ObjectID `bson:"formerId"`
	// Name is the display name the member had, to take out of others'
	// notifications; kept only while the marker is.
	Name string `bson:"name"`
	// Contacts are the e-mail address and phone the member had, to take
	// out of others' unsent mail (an accepted introduction's mail carries
	// the mentor's); kept only while the marker is.
	Contacts  []string      `bson:"contacts,omitempty"`
	By        bson.ObjectID `bson:"by"` // the member, or the admin who deleted them
	StartedAt time.Time     `bson:"startedAt"`
	RanAt     *time.Time    `bson:"ranAt,omitempty"` // when the steps last completed
}

// Step is one part of a deletion: what it does to which collections.
type Step struct {
	Name        string
	Collections []string // what it deletes from or rewrites, for the README's table and reviews
	Run         func(ctx context.Context, m Marker) error
}

// Steps is every step of a deletion, in order. Each is idempotent. A new
// collection holding anything of a member needs a step here (and a row in
// the README's data-rights table); the test that deletes a member scans
// every collection of the database for what is left of them.
func (s *Service) Steps() []Step {
	d := s.d
	return []Step{
		{"refuse sign-ins, end sessions, hide the name and phone", []string{"users", "session_revocations", "erased_accounts"}, func(ctx context.Context, m Marker) error {
			_, err := d.Accounts.BeginErasure(ctx, m.UserID)
			return err
		}},
		{"the id that stands for the former member", []string{"former_members"}, func(ctx context.Context, m Marker) error {
			return d.Accounts.AddFormer(ctx, m.FormerID)
		}},
		{"delete profiles; out of search and matching", []string{"mentor_profiles", "founder_profiles"}, func(ctx context.Context, m Marker) error {
			return d.Profiles.Erase(ctx, m.UserID)
		}},
		{"close open requests, withdraw pending introductions, end active mentorships (others told, places released)",
			[]string{"match_requests", "request_outcomes", "introductions", "introduction_decisions", "introduction_slots", "mentorships", "mentorship_closures", "mentor_seats"},
			func(ctx context.Context, m Marker) error { return d.Mentorships.Leave(ctx, m.UserID) }},
		{"give up event places (waitlists move up), delete RSVPs and memberships, stop organizing",
			[]string{"rsvps", "event_places", "memberships", "communities"},
			func(ctx context.Context, m Marker) error { return d.Community.ForgetMember(ctx, m.UserID) }},
		{"keep others' mentorship history under the former member; delete own messages and reflections",
			[]string{"introductions", "introduction_decisions", "match_requests", "mentorships", "mentorship_closures", "touchpoints", "reflections", "mentor_seats"},
			func(ctx context.Context, m Marker) error {
				return d.Mentorships.Pseudonymize(ctx, m.UserID, m.FormerID)
			}},
		{"keep posts, communities and events under the former member", []string{"posts", "communities", "events"}, func(ctx context.Context, m Marker) error {
			return d.Community.Pseudonymize(ctx, m.UserID, m.FormerID)
		}},
		{"keep conduct reports under the former member", []string{"conduct_reports"}, func(ctx context.Context, m Marker) error {
			return d.Moderation.Pseudonymize(ctx, m.UserID, m.FormerID)
		}},
		{"delete contact cadences (theirs and others' for them)", []string{"contact_cadences"}, func(ctx context.Context, m Marker) error {
			return d.KeepInTouch.Erase(ctx, m.UserID)
		}},
		{"delete their notifications; take their name out of others'", []string{"notifications"}, func(ctx context.Context, m Marker) error {
			if err := d.Notifications.EraseRecipient(ctx, m.UserID); err != nil {
				return err
			}
			return d.Notifications.Pseudonymize(ctx, m.UserID, m.FormerID, m.Name, accounts.FormerMemberName)
		}},
		{"delete idempotency records", []string{"idempotency_keys"}, func(ctx context.Context, m Marker) error {
			return d.Idempotency.Erase(ctx, m.UserID)
		}},
		{"keep the audit log under the former member", []string{"audit_log"}, func(ctx context.Context, m Marker) error {
			if d.Audit == nil {
				return nil
			}
			return d.Audit.Pseudonymize(ctx, m.UserID, m.FormerID)
		}},
		{"delete refresh tokens, their uses and revocations", []string{"refresh_tokens", "refresh_token_uses", "session_revocations"}, func(ctx context.Context, m Marker) error {
			return d.Accounts.EraseSessions(ctx, m.UserID)
		}},
		{"delete their mail and single-use mail links; take their name and contact details out of others' unsent mail", []string{"mail_outbox", "email_tokens"}, func(ctx context.Context, m Marker) error {
			if d.Mail != nil {
				if _, err := d.Mail.ForgetUser(ctx, m.UserID); err != nil {
					return err
				}
				if err := d.Mail.Pseudonymize(ctx, m.Name, accounts.FormerMemberName); err != nil {
					return err
				}
				for _, c := range m.Contacts {
					if err := d.Mail.Pseudonymize(ctx, c, "-"); err != nil {
						return err
					}
				}
			}
			_, err := d.Accounts.ForgetEmailTokens(ctx, m.UserID)
			return err
		}},
		{"delete the record of their digests and their answers", []string{"digest_sends", "digest_answers"}, func(ctx context.Context, m Marker) error {
			if d.Digest == nil {
				return nil
			}
			return d.Digest.ForgetUser(ctx, m.UserID)
		}},
		{"delete the account (the e-mail address is free again)", []string{"users"}, func(ctx context.Context, m Marker) error {
			return d.Accounts.EraseAccount(ctx, m.UserID)
		}},
	}
}

// Begin writes the marker of the deletion of userID by by (the member or an
// admin), or returns the marker already there: deleting twice continues the
// first deletion.
func (s *Service) Begin(ctx context.Context, userID, by bson.ObjectID) (Marker, error) {
	u, err := s.d.Accounts.Get(ctx, userID)
	if err != nil {
		return Marker{}, err
	}
	if u.Former {
		return Marker{}, apperr.NotFoundf("no user with id %s", userID.Hex())
	}
	m := Marker{UserID: userID, FormerID: bson.NewObjectID(), Name: u.DisplayName, By: by, StartedAt: s.clock()}
	for _, c := range []string{u.Email, u.Phone} {
		if c != "" {
			m.Contacts = append(m.Contacts, c)
		}
	}
	if u.Deleting {
		m.Name, m.Contacts = "", nil // hidden already: the marker that knew them is there
	}
	_, err = s.markers.InsertOne(ctx, m)
	if mongodb.IsDuplicateKey(err) {
		err = s.markers.FindOne(ctx, bson.D{{Key: "_id", Value: userID}}).Decode(&m)
	}
	if err != nil {
		return Marker{}, fmt.Errorf("mark deletion: %w", err)
	}
	return m, nil
}

// Run runs every step of a marked deletion.
func (s *Service) Run(ctx context.Context, m Marker) error {
	for _, st := range s.Steps() {
		if err := st.Run(ctx, m); err != nil {
			return fmt.Errorf("deletion step %q: %w", st.Name, err)
		}
	}
	now := s.clock()
	if _, err := s.markers.UpdateOne(ctx, bson.D{{Key: "_id", Value: m.UserID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "ranAt", Value: now}}}}); err != nil {
		return fmt.Errorf("mark deletion run: %w", err)
	}
	return nil
}

// Delete deletes an account: the marker, then every step. On an error the
// marker stays and the job finishes the deletion.
func (s *Service) Delete(ctx context.Context, userID, by bson.ObjectID) (Marker, error) {
	m, err := s.Begin(ctx, userID, by)
	if err != nil {
		return Marker{}, err
	}
	if err := s.Run(ctx, m); err != nil {
		return Marker{}, err
	}
	s.log.InfoContext(ctx, "account deleted", "formerId", m.FormerID.Hex(), "byAdmin", by != userID)
	return m, nil
}

// JobReport says what a run of the job did.
type JobReport struct {
	Finished int // deletions run again (or for the first time) and closed
}

// RunJob finishes the deletions marked more than Settle ago: it runs their
// steps (again) and deletes their markers.
func (s *Service) RunJob(ctx context.Context) (JobReport, error) {
	var rep JobReport
	var due []Marker
	cur, err := s.markers.Find(ctx, bson.D{{Key: "startedAt", Value: bson.D{{Key: "$lte", Value: s.clock().Add(-Settle)}}}})
	if err == nil {
		err = cur.All(ctx, &due)
	}
	if err != nil {
		return rep, fmt.Errorf("find deletions: %w", err)
	}
	for _, m := range due {
		if err := s.Run(ctx, m); err != nil {
			return rep, err
		}
		if _, err := s.markers.DeleteOne(ctx, bson.D{{Key: "_id", Value: m.UserID}}); err != nil {
			return rep, fmt.Errorf("delete deletion marker: %w", err)
		}
		rep.Finished++
	}
	return rep, nil
}

// Pending counts the deletions not closed yet.
func (s *Service) Pending(ctx context.Context) (int64, error) {
	return s.markers.CountDocuments(ctx, bson.D{})
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// ResumeInterrupted runs the steps of every deletion whose run never
// completed (the process ended in the middle): called at start, so a
// member's deletion does not wait for the job. Running a deletion that
// another instance is running is harmless (every step is idempotent).
func (s *Service) ResumeInterrupted(ctx context.Context) (int, error) {
	var open []Marker
	cur, err := s.markers.Find(ctx, bson.D{{Key: "ranAt", Value: bson.D{{Key: "$exists", Value: false}}}})
	if err == nil {
		err = cur.All(ctx, &open)
	}
	if err != nil {
		return 0, fmt.Errorf("find interrupted deletions: %w", err)
	}
	for i, m := range open {
		if err := s.Run(ctx, m); err != nil {
			return i, err
		}
	}
	return len(open), nil
}
