package mentorships

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/notifications"
)

// Mentorship statuses.
const (
	MentorshipActive    = "active"
	MentorshipCompleted = "completed" // a good ending: the two stay connected as alumni
	MentorshipEnded     = "ended"     // ended early
)

// Mentorship is an accepted introduction carried on. Its id is the
// introduction's.
type Mentorship struct {
	ID        bson.ObjectID  `bson:"_id"`
	RequestID bson.ObjectID  `bson:"requestId"`
	MentorID  bson.ObjectID  `bson:"mentorId"`
	FounderID bson.ObjectID  `bson:"founderId"`
	Topics    []string       `bson:"topics"`
	Status    string         `bson:"status"`
	StartedAt time.Time      `bson:"startedAt"`
	EndedAt   *time.Time     `bson:"endedAt,omitempty"`
	EndReason string         `bson:"endReason,omitempty"`
	ClosedBy  *bson.ObjectID `bson:"closedBy,omitempty"`
	UpdatedAt time.Time      `bson:"updatedAt"`
}

// Other returns the party who is not userID.
func (m Mentorship) Other(userID bson.ObjectID) bson.ObjectID {
	if m.MentorID == userID {
		return m.FounderID
	}
	return m.MentorID
}

// IsParty reports whether userID is the mentor or the founder.
func (m Mentorship) IsParty(userID bson.ObjectID) bool {
	return m.MentorID == userID || m.FounderID == userID
}

// Reflection is one party's look back at a completed mentorship.
type Reflection struct {
	ID           string        `bson:"_id"` // mentorshipId:userId, one per party
	MentorshipID bson.ObjectID `bson:"mentorshipId"`
	UserID       bson.ObjectID `bson:"userId"`
	Text         string        `bson:"text"`
	Rating       int           `bson:"rating"`
	StayInTouch  bool          `bson:"stayInTouch"`
	At           time.Time     `bson:"at"`
}

// Touchpoint records a contact between the two.
type Touchpoint struct {
	ID              bson.ObjectID `bson:"_id"`
	MentorshipID    bson.ObjectID `bson:"mentorshipId"`
	AuthorID        bson.ObjectID `bson:"authorId"`
	Kind            string        `bson:"kind"` // call, meeting, online, message, event
	At              time.Time     `bson:"at"`
	DurationMinutes int           `bson:"durationMinutes"`
	Summary         string        `bson:"summary"`
	CreatedAt       time.Time     `bson:"createdAt"`
}

// TouchpointKinds are the kinds of contact; phone calls are first-class.
var TouchpointKinds = []string{"call", "meeting", "online", "message", "event"}

// startMentorship creates the mentorship of an accepted introduction
// (idempotent: its id is the introduction's).
func (s *Service) startMentorship(ctx context.Context, in Introduction, at time.Time) (Mentorship, error) {
	m := Mentorship{
		ID: in.ID, RequestID: in.RequestID, MentorID: in.MentorID, FounderID: in.FounderID, Topics: in.Topics,
		Status: MentorshipActive, StartedAt: at, UpdatedAt: s.clock(),
	}
	_, err := s.mentorships.InsertOne(ctx, m)
	if mongodb.IsDuplicateKey(err) {
		return s.findMentorship(ctx, m.ID)
	}
	if err != nil {
		return Mentorship{}, fmt.Errorf("insert mentorship: %w", err)
	}
	s.stats.mentorshipChanged(m)
	return m, nil
}

func (s *Service) findMentorship(ctx context.Context, id bson.ObjectID) (Mentorship, error) {
	return mongodb.FindByID[Mentorship](ctx, s.mentorships, id, "mentorship")
}

// MentorshipDetail is a mentorship as one viewer sees it.
type MentorshipDetail struct {
	Mentorship
	LastContactAt *time.Time
	Reflections   []Reflection // the viewer's own, and the other's once both reflected
	// Contact details of the other party: only for the two parties.
	Counterpart *accounts.User
}

// GetMentorship returns a mentorship to its parties (with the other's
// contact details) and to organizers and admins (without them).
func (s *Service) GetMentorship(ctx context.Context, p accounts.Principal, id bson.ObjectID) (MentorshipDetail, error) {
	m, err := s.findMentorship(ctx, id)
	if err != nil {
		return MentorshipDetail{}, err
	}
	party := m.IsParty(p.UserID)
	if !party && !isStaff(p) {
		return MentorshipDetail{}, apperr.NotFoundf("no mentorship with id %s", id.Hex())
	}
	d := MentorshipDetail{Mentorship: m}
	last, err := s.lastContacts(ctx, []bson.ObjectID{m.ID})
	if err != nil {
		return MentorshipDetail{}, err
	}
	if t, ok := last[m.ID]; ok {
		d.LastContactAt = &t
	}
	if party {
		other, err := s.users.Get(ctx, m.Other(p.UserID))
		if err != nil {
			return MentorshipDetail{}, err
		}
		if !other.Former && !other.Deleting {
			d.Counterpart = &other // a former member cannot be reached
		}
		if d.Reflections, err = s.visibleReflections(ctx, m.ID, p.UserID); err != nil {
			return MentorshipDetail{}, err
		}
	}
	return d, nil
}

// visibleReflections: a party always sees their own reflection, and the
// other's once both have written one (so neither writes in answer to the other).
func (s *Service) visibleReflections(ctx context.Context, id, viewer bson.ObjectID) ([]Reflection, error) {
	cur, err := s.reflections.Find(ctx, bson.D{{Key: "mentorshipId", Value: id}})
	if err != nil {
		return nil, err
	}
	var all []Reflection
	if err := cur.All(ctx, &all); err != nil {
		return nil, err
	}
	if len(all) == 2 {
		return all, nil
	}
	var own []Reflection
	for _, r := range all {
		if r.UserID == viewer {
			own = append(own, r)
		}
	}
	return own, nil
}

// MentorshipFilter selects the caller's mentorships.
type MentorshipFilter struct {
	Status string // empty: all
	Limit  int
	Cursor string
}

// ListMentorships returns the caller's mentorships as mentor or founder,
// newest first, with their last contact and the other party's contact
// details (the caller is a party of each).
func (s *Service) ListMentorships(ctx context.Context, p accounts.Principal, f MentorshipFilter) ([]MentorshipDetail, string, error) {
	filter := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "mentorId", Value: p.UserID}}, bson.D{{Key: "founderId", Value: p.UserID}},
	}}}
	if f.Status != "" {
		if f.Status != MentorshipActive && f.Status != MentorshipCompleted && f.Status != MentorshipEnded {
			var v apperr.Validation
			v.Add("status", "must be active, completed or ended")
			return nil, "", v.Err()
		}
		filter = append(filter, bson.E{Key: "status", Value: f.Status})
	}
	ms, next, err := mongodb.FindPage(ctx, s.mentorships, filter, f.Cursor, f.Limit, func(m Mentorship) bson.ObjectID { return m.ID })
	if err != nil {
		return nil, "", err
	}
	ids := make([]bson.ObjectID, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	last, err := s.lastContacts(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	others := make([]bson.ObjectID, len(ms))
	for i, m := range ms {
		others[i] = m.Other(p.UserID)
	}
	users, err := s.users.GetMany(ctx, others)
	if err != nil {
		return nil, "", err
	}
	out := make([]MentorshipDetail, len(ms))
	for i, m := range ms {
		out[i] = MentorshipDetail{Mentorship: m}
		if t, ok := last[m.ID]; ok {
			out[i].LastContactAt = &t
		}
		if u, ok := users[others[i]]; ok && !u.Former && !u.Deleting {
			out[i].Counterpart = &u // a former member cannot be reached
		}
	}
	return out, next, nil
}

// Connections returns every mentorship the user is or was in (active and
// completed), for keep-in-touch.
func (s *Service) Connections(ctx context.Context, userID bson.ObjectID) ([]MentorshipDetail, error) {
	cur, err := s.mentorships.Find(ctx, bson.D{
		{Key: "$or", Value: bson.A{bson.D{{Key: "mentorId", Value: userID}}, bson.D{{Key: "founderId", Value: userID}}}},
		{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{MentorshipActive, MentorshipCompleted}}}},
	})
	if err != nil {
		return nil, fmt.Errorf("find connections: %w", err)
	}
	var ms []Mentorship
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("find connections: %w", err)
	}
	ids := make([]bson.ObjectID, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	last, err := s.lastContacts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]MentorshipDetail, len(ms))
	for i, m := range ms {
		out[i] = MentorshipDetail{Mentorship: m}
		if t, ok := last[m.ID]; ok {
			out[i].LastContactAt = &t
		}
	}
	return out, nil
}

// DeclinedStayInTouch returns the mentorships in which userID said, in their
// reflection, that they do not want to stay in touch.
func (s *Service) DeclinedStayInTouch(ctx context.Context, userID bson.ObjectID) (map[bson.ObjectID]bool, error) {
	cur, err := s.reflections.Find(ctx, bson.D{{Key: "userId", Value: userID}, {Key: "stayInTouch", Value: false}})
	if err != nil {
		return nil, fmt.Errorf("find reflections: %w", err)
	}
	var rs []Reflection
	if err := cur.All(ctx, &rs); err != nil {
		return nil, fmt.Errorf("find reflections: %w", err)
	}
	out := make(map[bson.ObjectID]bool, len(rs))
	for _, r := range rs {
		out[r.MentorshipID] = true
	}
	return out, nil
}

// lastContacts derives each mentorship's last contact from its touchpoints.
func (s *Service) lastContacts(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]time.Time, error) {
	out := map[bson.ObjectID]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	// A find, not $group/$max: the embedded server lacks the $max accumulator.
	cur, err := s.touchpoints.Find(ctx, bson.D{{Key: "mentorshipId", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "mentorshipId", Value: 1}, {Key: "at", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("last contacts: %w", err)
	}
	var rows []struct {
		MentorshipID bson.ObjectID `bson:"mentorshipId"`
		At           time.Time     `bson:"at"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("last contacts: %w", err)
	}
	for _, r := range rows {
		if r.At.After(out[r.MentorshipID]) {
			out[r.MentorshipID] = r.At.UTC()
		}
	}
	return out, nil
}

// partyMentorship loads a mentorship for one of its parties; anyone else is
// told it does not exist.
func (s *Service) partyMentorship(ctx context.Context, p accounts.Principal, id bson.ObjectID) (Mentorship, error) {
	m, err := s.findMentorship(ctx, id)
	if err != nil {
		return Mentorship{}, err
	}
	if !m.IsParty(p.UserID) {
		return Mentorship{}, apperr.NotFoundf("no mentorship with id %s", id.Hex())
	}
	return m, nil
}

// TouchpointInput records a contact.
type TouchpointInput struct {
	Kind            string
	At              time.Time // zero: now
	DurationMinutes int
	Summary         string
}

// AddTouchpoint records a contact between the two parties; it is how the
// pair's last contact moves. Allowed while active and after completion
// (alumni keep in touch).
func (s *Service) AddTouchpoint(ctx context.Context, p accounts.Principal, id bson.ObjectID, in TouchpointInput) (Touchpoint, error) {
	m, err := s.partyMentorship(ctx, p, id)
	if err != nil {
		return Touchpoint{}, err
	}
	now := s.clock()
	at := in.At
	if at.IsZero() {
		at = now
	}
	at = at.UTC().Truncate(time.Millisecond)
	var v apperr.Validation
	kindOK := false
	for _, k := range TouchpointKinds {
		kindOK = kindOK || k == in.Kind
	}
	v.Check(kindOK, "kind", "must be call, meeting, online, message or event")
	v.Check(!at.After(now.Add(5*time.Minute)), "at", "must not be in the future")
	v.Check(!at.Before(m.StartedAt.Add(-24*time.Hour)), "at", "must not be before the mentorship started")
	v.Check(in.DurationMinutes >= 0 && in.DurationMinutes <= 24*60, "durationMinutes", "must be between 0 and 1440")
	summary := strings.TrimSpace(in.Summary)
	v.Check(utf8.RuneCountInString(summary) <= maxReflection, "summary", "must be at most 2000 characters")
	if err := v.Err(); err != nil {
		return Touchpoint{}, err
	}
	if m.Status == MentorshipEnded {
		return Touchpoint{}, ErrInvalidTransition
	}
	tp := Touchpoint{ID: bson.NewObjectID(), MentorshipID: m.ID, AuthorID: p.UserID, Kind: in.Kind, At: at,
		DurationMinutes: in.DurationMinutes, Summary: summary, CreatedAt: now}
	if _, err := s.touchpoints.InsertOne(ctx, tp); err != nil {
		return Touchpoint{}, fmt.Errorf("insert touchpoint: %w", err)
	}
	return tp, nil
}

// ListTouchpoints returns a mentorship's touchpoints, most recent contact first.
func (s *Service) ListTouchpoints(ctx context.Context, p accounts.Principal, id bson.ObjectID, limit int, cursor string) ([]Touchpoint, string, error) {
	if _, err := s.partyMentorship(ctx, p, id); err != nil {
		return nil, "", err
	}
	return mongodb.FindPage(ctx, s.touchpoints, bson.D{{Key: "mentorshipId", Value: id}}, cursor, limit, func(t Touchpoint) bson.ObjectID { return t.ID })
}

// CompleteInput is a party's reflection on completing a mentorship.
type CompleteInput struct {
	Reflection  string
	Rating      int
	StayInTouch bool
}

// Complete ends a mentorship well. The first party to complete it closes it
// (capacity is released, the other party is asked for their reflection);
// the other then completes it too, which records their reflection. Each party
// reflects once.
func (s *Service) Complete(ctx context.Context, p accounts.Principal, id bson.ObjectID, in CompleteInput) (MentorshipDetail, error) {
	m, err := s.partyMentorship(ctx, p, id)
	if err != nil {
		return MentorshipDetail{}, err
	}
	var v apperr.Validation
	text := strings.TrimSpace(in.Reflection)
	v.Check(utf8.RuneCountInString(text) >= 1 && utf8.RuneCountInString(text) <= maxReflection, "reflection", "write 1 to 2000 characters: what went well, what you learned")
	v.Check(in.Rating >= 1 && in.Rating <= 5, "rating", "must be between 1 and 5")
	if err := v.Err(); err != nil {
		return MentorshipDetail{}, err
	}
	if m.Status == MentorshipEnded {
		return MentorshipDetail{}, ErrInvalidTransition
	}
	if m.Status == MentorshipActive {
		if err := s.close(ctx, p, m, MentorshipCompleted, ""); err != nil {
			return MentorshipDetail{}, err
		}
	}
	now := s.clock()
	r := Reflection{ID: id.Hex() + ":" + p.UserID.Hex(), MentorshipID: id, UserID: p.UserID, Text: text, Rating: in.Rating, StayInTouch: in.StayInTouch, At: now}
	if _, err := s.reflections.InsertOne(ctx, r); err != nil {
		if mongodb.IsDuplicateKey(err) {
			return MentorshipDetail{}, apperr.New(apperr.Conflict, "already_reflected", "you have already written your reflection")
		}
		return MentorshipDetail{}, fmt.Errorf("insert reflection: %w", err)
	}
	return s.GetMentorship(ctx, p, id)
}

// End ends an active mentorship early, releasing the mentor's place.
func (s *Service) End(ctx context.Context, p accounts.Principal, id bson.ObjectID, reason string) (MentorshipDetail, error) {
	m, err := s.partyMentorship(ctx, p, id)
	if err != nil {
		return MentorshipDetail{}, err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 1 || n > maxMessage {
		var v apperr.Validation
		v.Add("reason", "write 1 to 1000 characters")
		return MentorshipDetail{}, v.Err()
	}
	if m.Status != MentorshipActive {
		return MentorshipDetail{}, ErrInvalidTransition
	}
	if err := s.close(ctx, p, m, MentorshipEnded, reason); err != nil {
		return MentorshipDetail{}, err
	}
	return s.GetMentorship(ctx, p, id)
}

// close moves an active mentorship to completed or ended, once: the closure
// document arbitrates concurrent completes and ends. A closure recorded but
// not applied (a failure or crash between the two writes) is applied by the
// next attempt to close, so a retry repairs it.
func (s *Service) close(ctx context.Context, p accounts.Principal, m Mentorship, status, reason string) error {
	now := s.clock()
	_, err := s.closures.InsertOne(ctx, closure{ID: m.ID, Status: status, By: p.UserID, At: now, Reason: reason})
	if mongodb.IsDuplicateKey(err) {
		var c closure
		if err := s.closures.FindOne(ctx, bson.D{{Key: "_id", Value: m.ID}}).Decode(&c); err != nil {
			return fmt.Errorf("find closure: %w", err)
		}
		if m.Status == MentorshipActive {
			if err := s.applyClosure(ctx, m, c.Status, c.Reason, c.By, c.At); err != nil {
				return err
			}
		}
		switch {
		case c.Status == status && status == MentorshipCompleted:
			return nil // completed by the other party too, or a retry: just reflect
		case c.Status == status && c.By == p.UserID:
			return nil // this caller's own retry
		}
		return ErrInvalidTransition
	}
	if err != nil {
		return fmt.Errorf("close mentorship: %w", err)
	}
	return s.applyClosure(ctx, m, status, reason, p.UserID, now)
}

// closure records how a mentorship closed; its _id is the mentorship's.
type closure struct {
	ID     bson.ObjectID `bson:"_id"`
	Status string        `bson:"status"`
	By     bson.ObjectID `bson:"by"`
	At     time.Time     `bson:"at"`
	Reason string        `bson:"reason,omitempty"`
}

// applyClosure updates the mentorship, frees the seat and tells the other
// party (idempotent).
func (s *Service) applyClosure(ctx context.Context, m Mentorship, status, reason string, by bson.ObjectID, at time.Time) error {
	set := bson.D{{Key: "status", Value: status}, {Key: "endedAt", Value: at}, {Key: "closedBy", Value: by}, {Key: "updatedAt", Value: s.clock()}}
	if reason != "" {
		set = append(set, bson.E{Key: "endReason", Value: reason})
	}
	unlock := s.db.Lock(colMentorships, m.ID)
	res, err := s.mentorships.UpdateOne(ctx, bson.D{{Key: "_id", Value: m.ID}, {Key: "status", Value: MentorshipActive}}, bson.D{{Key: "$set", Value: set}})
	unlock()
	if err != nil {
		return fmt.Errorf("update mentorship: %w", err)
	}
	if err := s.releaseSeat(ctx, m.ID); err != nil {
		return fmt.Errorf("release seat: %w", err)
	}
	if res.MatchedCount == 0 {
		// Closed meanwhile by a racing close (both parties completing at
		// once), which tells the other party and calls OnCompleted: once.
		return nil
	}
	closed := m
	closed.Status, closed.UpdatedAt = status, s.clock()
	s.stats.mentorshipChanged(closed)

	other := m.Other(by)
	name := s.names(ctx, by)[by]
	refs := notifications.Refs{MentorshipID: m.ID, UserID: by}
	if status == MentorshipCompleted {
		if s.onDone != nil {
			if err := s.onDone(ctx, closed); err != nil {
				s.log.ErrorContext(ctx, "after completion", "err", err)
			}
		}
		ja, en := notifications.Say(notifications.KindMentorshipCompleted, "", notifications.Vars{Name: name})
		s.notifyOrLog(ctx, notifications.Input{UserID: other, Kind: notifications.KindMentorshipCompleted, Key: "mentorship-completed:" + m.ID.Hex(), Refs: refs,
			TextJa: ja, TextEn: en})
		return nil
	}
	if reason == ReasonAccountDeleted {
		ja, en := notifications.Say(notifications.KindMentorshipEnded, notifications.VariantOtherLeft, notifications.Vars{})
		s.notifyOrLog(ctx, notifications.Input{UserID: other, Kind: notifications.KindMentorshipEnded, Key: "mentorship-ended:" + m.ID.Hex(),
			Refs:   notifications.Refs{MentorshipID: m.ID},
			TextJa: ja, TextEn: en})
		return nil
	}
	ja, en := notifications.Say(notifications.KindMentorshipEnded, "", notifications.Vars{Name: name})
	s.notifyOrLog(ctx, notifications.Input{UserID: other, Kind: notifications.KindMentorshipEnded, Key: "mentorship-ended:" + m.ID.Hex(), Refs: refs,
		TextJa: ja, TextEn: en})
	return nil
}
