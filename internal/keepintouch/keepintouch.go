// Package keepintouch helps people who met through Kizuna stay connected:
// it lists the connections (active and completed mentorships) whose last
// contact is getting old, each with a low-hurdle way to reach out, and sends
// reminders at a cadence a person sets for someone.
//
// Error contract: validation_failed, not_found.
package keepintouch

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/jst"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/notifications"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
)

// Suggestion tuning: an event counts as near both people within eventKm, and
// is suggested when it is within eventDays.
const (
	eventKm        = 60
	eventDays      = 30
	callMinutes    = 15
	maxCadenceDays = 365
)

// cadenceBound is the message for a number of days outside 1..maxCadenceDays.
var cadenceBound = fmt.Sprintf("must be between 1 and %d", maxCadenceDays)

// Suggestion kinds, most personal first among what is possible.
const (
	SuggestEvent   = "event"
	SuggestCall    = "call"
	SuggestMessage = "message"
)

// Mentorships is what this package needs of mentorships.
type Mentorships interface {
	Connections(ctx context.Context, userID bson.ObjectID) ([]mentorships.MentorshipDetail, error)
	DeclinedStayInTouch(ctx context.Context, userID bson.ObjectID) (map[bson.ObjectID]bool, error)
}

// Users is what this package needs of accounts.
type Users interface {
	GetMany(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]accounts.User, error)
}

// Events finds low-hurdle events near people.
type Events interface {
	NextUpcomingNear(ctx context.Context, points []geo.Point, km float64, days int) (community.Event, bool, error)
}

// Notifier delivers in-app notifications.
type Notifier interface {
	Notify(ctx context.Context, in notifications.Input) (bool, error)
}

// Service is the keep-in-touch domain.
type Service struct {
	db          *mongodb.DB
	cadences    *mongodb.Collection
	mentorships Mentorships
	users       Users
	events      Events
	profiles    *profiles.Service
	mentors     *search.Index
	notify      Notifier
	now         func() time.Time
}

const colCadences = "contact_cadences"

// New returns the service.
func New(ctx context.Context, db *mongodb.DB, ms Mentorships, users Users, events Events, prof *profiles.Service, mentors *search.Index, notify Notifier, now func() time.Time) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	s := &Service{db: db, cadences: db.Collection(colCadences), mentorships: ms, users: users, events: events, profiles: prof, mentors: mentors, notify: notify, now: now}
	if err := s.cadences.EnsureIndexes(ctx, mongodb.Index("userId")); err != nil {
		return nil, err
	}
	return s, nil
}

// Cadence is how often a person wants to be reminded of someone.
type Cadence struct {
	ID        string        `bson:"_id"` // userId:otherId
	UserID    bson.ObjectID `bson:"userId"`
	OtherID   bson.ObjectID `bson:"otherId"`
	EveryDays int           `bson:"everyDays"`
	UpdatedAt time.Time     `bson:"updatedAt"`
}

// Item is one connection to get back in touch with.
type Item struct {
	Other         accounts.User
	MentorshipID  bson.ObjectID
	Relation      string // active or alumni
	TheirRole     string // mentor or founder
	LastContactAt time.Time
	DaysSince     int
	CadenceDays   int // 0: none set
	OverdueDays   int
	Suggestion    Suggestion
}

// Suggestion is a low-hurdle way to reach out.
type Suggestion struct {
	Kind            string
	Event           *community.Event
	Phone           string
	DurationMinutes int
}

// List returns the caller's connections whose last contact is older than
// staleDays, or than the cadence set for that person, most overdue first.
// Connections the caller said they do not want to keep are left out.
func (s *Service) List(ctx context.Context, p accounts.Principal, staleDays int) ([]Item, error) {
	if staleDays < 1 || staleDays > maxCadenceDays {
		var v apperr.Validation
		v.Add("staleDays", cadenceBound)
		return nil, v.Err()
	}
	conns, err := s.latestPerPerson(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	cadences, err := s.cadencesOf(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	ids := []bson.ObjectID{p.UserID}
	for other := range conns {
		ids = append(ids, other)
	}
	users, err := s.users.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var items []Item
	for other, c := range conns {
		u, ok := users[other]
		if !ok || u.Suspended || u.Former || u.Deleting {
			continue // a former member cannot be reached
		}
		last := c.StartedAt
		if c.LastContactAt != nil {
			last = *c.LastContactAt
		}
		days := int(now.Sub(last).Hours() / 24)
		threshold := staleDays
		if cd := cadences[other]; cd > 0 && cd < threshold {
			threshold = cd
		}
		if days < threshold {
			continue
		}
		it := Item{
			Other: u, MentorshipID: c.ID, Relation: "alumni", TheirRole: "mentor", LastContactAt: last,
			DaysSince: days, CadenceDays: cadences[other], OverdueDays: days - threshold,
		}
		if c.Status == mentorships.MentorshipActive {
			it.Relation = "active"
		}
		if c.FounderID == other {
			it.TheirRole = "founder"
		}
		if it.Suggestion, err = s.suggest(ctx, p.UserID, c, u); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b Item) int {
		if c := cmp.Compare(b.OverdueDays, a.OverdueDays); c != 0 {
			return c
		}
		return cmp.Compare(a.Other.ID.Hex(), b.Other.ID.Hex())
	})
	return items, nil
}

// latestPerPerson keeps, per other person, the connection with the latest
// contact, leaving out those the user declined to keep.
func (s *Service) latestPerPerson(ctx context.Context, userID bson.ObjectID) (map[bson.ObjectID]mentorships.MentorshipDetail, error) {
	conns, err := s.mentorships.Connections(ctx, userID)
	if err != nil {
		return nil, err
	}
	declined, err := s.mentorships.DeclinedStayInTouch(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := map[bson.ObjectID]mentorships.MentorshipDetail{}
	for _, c := range conns {
		if declined[c.ID] {
			continue
		}
		other := c.Other(userID)
		if prev, ok := out[other]; !ok || lastOf(c).After(lastOf(prev)) {
			out[other] = c
		}
	}
	return out, nil
}

func lastOf(c mentorships.MentorshipDetail) time.Time {
	if c.LastContactAt != nil {
		return *c.LastContactAt
	}
	return c.StartedAt
}

// suggest picks the lowest hurdle: an upcoming short or free event near both
// (or online), else a short call when the other shared a phone, else a message.
func (s *Service) suggest(ctx context.Context, me bson.ObjectID, c mentorships.MentorshipDetail, other accounts.User) (Suggestion, error) {
	var points []geo.Point
	for _, id := range []bson.ObjectID{me, other.ID} {
		if p, ok := s.locate(id, c); ok {
			points = append(points, p)
		}
	}
	e, ok, err := s.events.NextUpcomingNear(ctx, points, eventKm, eventDays)
	if err != nil {
		return Suggestion{}, err
	}
	if ok {
		return Suggestion{Kind: SuggestEvent, Event: &e}, nil
	}
	if other.Phone != "" {
		return Suggestion{Kind: SuggestCall, Phone: other.Phone, DurationMinutes: callMinutes}, nil
	}
	return Suggestion{Kind: SuggestMessage}, nil
}

// locate finds where a party of a mentorship is: the mentor's profile
// location, or the founder's.
func (s *Service) locate(id bson.ObjectID, c mentorships.MentorshipDetail) (geo.Point, bool) {
	if id == c.MentorID {
		m, ok := s.mentors.Get(id)
		return m.Point, ok
	}
	b, ok := s.profiles.Founder(id)
	return b.Location.Point, ok
}

// SetCadence sets how often the caller wants to be reminded of a connection.
func (s *Service) SetCadence(ctx context.Context, p accounts.Principal, otherID bson.ObjectID, everyDays int) (Cadence, error) {
	if everyDays < 1 || everyDays > maxCadenceDays {
		var v apperr.Validation
		v.Add("everyDays", cadenceBound)
		return Cadence{}, v.Err()
	}
	conns, err := s.latestPerPerson(ctx, p.UserID)
	if err != nil {
		return Cadence{}, err
	}
	if _, ok := conns[otherID]; !ok {
		return Cadence{}, apperr.NotFoundf("no connection with user %s", otherID.Hex())
	}
	c := Cadence{ID: p.UserID.Hex() + ":" + otherID.Hex(), UserID: p.UserID, OtherID: otherID, EveryDays: everyDays, UpdatedAt: s.now().UTC().Truncate(time.Millisecond)}
	unlock := s.db.Lock(colCadences, c.ID)
	defer unlock()
	if _, err := s.cadences.InsertOne(ctx, c); err != nil {
		if !mongodb.IsDuplicateKey(err) {
			return Cadence{}, fmt.Errorf("insert cadence: %w", err)
		}
		if _, err := s.cadences.UpdateOne(ctx, bson.D{{Key: "_id", Value: c.ID}}, bson.D{{Key: "$set", Value: bson.D{
			{Key: "everyDays", Value: everyDays}, {Key: "updatedAt", Value: c.UpdatedAt},
		}}}); err != nil {
			return Cadence{}, fmt.Errorf("update cadence: %w", err)
		}
	}
	return c, nil
}

// ClearCadence removes the caller's cadence for a connection (idempotent for
// connections). Someone who is not a connection is not found, as in
// SetCadence, so the answer is the same for every id the caller cannot use.
func (s *Service) ClearCadence(ctx context.Context, p accounts.Principal, otherID bson.ObjectID) error {
	conns, err := s.latestPerPerson(ctx, p.UserID)
	if err != nil {
		return err
	}
	if _, ok := conns[otherID]; !ok {
		return apperr.NotFoundf("no connection with user %s", otherID.Hex())
	}
	_, err = s.cadences.DeleteOne(ctx, bson.D{{Key: "_id", Value: p.UserID.Hex() + ":" + otherID.Hex()}})
	return err
}

func (s *Service) cadencesOf(ctx context.Context, userID bson.ObjectID) (map[bson.ObjectID]int, error) {
	cur, err := s.cadences.Find(ctx, bson.D{{Key: "userId", Value: userID}})
	if err != nil {
		return nil, fmt.Errorf("find cadences: %w", err)
	}
	var cs []Cadence
	if err := cur.All(ctx, &cs); err != nil {
		return nil, fmt.Errorf("find cadences: %w", err)
	}
	out := make(map[bson.ObjectID]int, len(cs))
	for _, c := range cs {
		out[c.OtherID] = c.EveryDays
	}
	return out, nil
}

// RemindDue notifies everyone whose cadence for a connection is due. It is
// idempotent per day (the notification key names the day), so running it
// twice, or on two instances, reminds once. It reports how many were sent.
func (s *Service) RemindDue(ctx context.Context) (int, error) {
	cur, err := s.cadences.Find(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("find cadences: %w", err)
	}
	var cs []Cadence
	if err := cur.All(ctx, &cs); err != nil {
		return 0, fmt.Errorf("find cadences: %w", err)
	}
	now := s.now().UTC()
	day := now.In(jst.Zone).Format("2006-01-02")
	byUser := map[bson.ObjectID][]Cadence{}
	for _, c := range cs {
		byUser[c.UserID] = append(byUser[c.UserID], c)
	}
	sent := 0
	for userID, list := range byUser {
		conns, err := s.latestPerPerson(ctx, userID)
		if err != nil {
			return sent, err
		}
		ids := []bson.ObjectID{userID}
		for _, c := range list {
			ids = append(ids, c.OtherID)
		}
		users, err := s.users.GetMany(ctx, ids)
		if err != nil {
			return sent, err
		}
		me, ok := users[userID]
		if !ok || !me.Preferences.Reminders || me.Suspended || me.Deleting || me.Former {
			continue
		}
		for _, c := range list {
			conn, ok := conns[c.OtherID]
			if !ok {
				continue
			}
			days := int(now.Sub(lastOf(conn)).Hours() / 24)
			if days < c.EveryDays {
				continue
			}
			ja, en := notifications.Say(notifications.KindKeepInTouch, "", notifications.Vars{Name: users[c.OtherID].DisplayName, Days: days})
			created, err := s.notify.Notify(ctx, notifications.Input{
				UserID: userID, Kind: notifications.KindKeepInTouch,
				Key:    "keep-in-touch:" + userID.Hex() + ":" + c.OtherID.Hex() + ":" + day,
				TextJa: ja, TextEn: en,
				Refs: notifications.Refs{UserID: c.OtherID, MentorshipID: conn.ID},
			})
			if err != nil {
				return sent, err
			}
			if created {
				sent++
			}
		}
	}
	return sent, nil
}
