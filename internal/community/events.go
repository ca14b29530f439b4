package community

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/notifications"
)

// Event tags: what makes an event low-hurdle.
const (
	TagFree     = "free"
	TagOnline   = "online"
	TagShort    = "short" // 60 minutes or less
	TagBeginner = "beginner"
)

// EventTags are the allowed tags.
var EventTags = []string{TagFree, TagOnline, TagShort, TagBeginner}

// shortEvent is the longest an event tagged short may last.
const shortEvent = 60 * time.Minute

// Venue is where an in-person event happens.
type Venue struct {
	MunicipalityCode string    `bson:"municipalityCode"`
	Address          string    `bson:"address"`
	Point            geo.Point `bson:"point"`
}

// maxEventLead is how far ahead an event may be planned.
const maxEventLead = 2 * 365 * 24 * time.Hour

// Event is a community event.
type Event struct {
	ID          bson.ObjectID `bson:"_id"`
	CommunityID bson.ObjectID `bson:"communityId"`
	Title       string        `bson:"title"`
	Description string        `bson:"description"`
	StartsAt    time.Time     `bson:"startsAt"`
	EndsAt      time.Time     `bson:"endsAt"`
	Online      bool          `bson:"online"`
	Venue       *Venue        `bson:"venue,omitempty"`
	Capacity    int           `bson:"capacity"`
	Tags        []string      `bson:"tags"`
	CreatedBy   bson.ObjectID `bson:"createdBy"`
	CreatedAt   time.Time     `bson:"createdAt"`
}

// Short reports whether the event lasts 60 minutes or less.
func (e Event) Short() bool { return e.EndsAt.Sub(e.StartsAt) <= shortEvent }

// EventInput creates an event.
type EventInput struct {
	Title       string
	Description string
	StartsAt    time.Time
	EndsAt      time.Time
	Online      bool
	Venue       *VenueInput // required unless online
	Capacity    int
	Tags        []string
}

// VenueInput is a venue as a client gives it.
type VenueInput struct {
	MunicipalityCode string
	Address          string
}

// CreateEvent adds an event to a community (its organizers).
func (s *Service) CreateEvent(ctx context.Context, p accounts.Principal, communityID bson.ObjectID, in EventInput) (Event, error) {
	c, err := s.Get(ctx, communityID)
	if err != nil {
		return Event{}, err
	}
	if err := s.mayOrganize(p, c); err != nil {
		return Event{}, err
	}
	now := s.clock()
	var v apperr.Validation
	title, desc := strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	checkLen(&v, "title", title, 1, 120)
	checkLen(&v, "description", desc, 0, 4000)
	start, end := in.StartsAt.UTC().Truncate(time.Millisecond), in.EndsAt.UTC().Truncate(time.Millisecond)
	v.Check(start.After(now), "startsAt", "must be in the future")
	// Low-hurdle events are announced weeks, not years, ahead (and the
	// events index relies on times of this century; see mongodb.Times).
	v.Check(!start.After(now.Add(maxEventLead)), "startsAt", "must be within two years")
	v.Check(end.After(start), "endsAt", "must be after startsAt")
	v.Check(end.Sub(start) <= 7*24*time.Hour, "endsAt", "an event lasts at most 7 days")
	v.Check(in.Capacity >= 1 && in.Capacity <= 10000, "capacity", "must be between 1 and 10000")
	var venue *Venue
	switch {
	case in.Venue != nil:
		m, ok := s.areas.Municipality(in.Venue.MunicipalityCode)
		addr := strings.TrimSpace(in.Venue.Address)
		v.Check(ok, "venue.municipalityCode", "unknown municipality code")
		checkLen(&v, "venue.address", addr, 0, 200)
		if ok {
			venue = &Venue{MunicipalityCode: m.Code, Address: addr, Point: m.Location}
		}
	case !in.Online:
		v.Add("venue", "is required for an in-person event")
	}
	tags := dedupe(in.Tags)
	for _, t := range tags {
		if !slices.Contains(EventTags, t) {
			v.Add("tags", "each tag must be free, online, short or beginner")
			break
		}
	}
	if slices.Contains(tags, TagShort) && end.Sub(start) > shortEvent {
		v.Add("tags", "short events last 60 minutes or less")
	}
	if slices.Contains(tags, TagOnline) && !in.Online {
		v.Add("tags", "the online tag needs online: true")
	}
	if err := v.Err(); err != nil {
		return Event{}, err
	}
	e := Event{
		ID: bson.NewObjectID(), CommunityID: c.ID, Title: title, Description: desc, StartsAt: start, EndsAt: end,
		Online: in.Online, Venue: venue, Capacity: in.Capacity, Tags: tags, CreatedBy: p.UserID, CreatedAt: now,
	}
	if _, err := s.events.InsertOne(ctx, e); err != nil {
		return Event{}, fmt.Errorf("insert event: %w", err)
	}
	return e, nil
}

// GetEvent returns an event.
func (s *Service) GetEvent(ctx context.Context, id bson.ObjectID) (Event, error) {
	return mongodb.FindByID[Event](ctx, s.events, id, "event")
}

// EventFilter selects upcoming events.
type EventFilter struct {
	Near        *geo.Point // nearest first; online events count as 0 km
	RadiusKm    float64    // with Near: in-person events within this (online ones always); 0: DefaultEventRadiusKm
	From, To    time.Time  // zero From: now
	Tag         string
	CommunityID bson.ObjectID
	Limit       int
	Offset      int
}

// DefaultEventRadiusKm is how far from a place events are listed unless the
// caller says: about a day trip by car or train in the regions.
const DefaultEventRadiusKm = 100

// Located is an event with its distance from the filter's point.
type Located struct {
	Event
	DistanceKm *float64
}

// ListEvents returns upcoming events: nearest first with Near (online events
// first, as they are reachable from anywhere), then soonest.
func (s *Service) ListEvents(ctx context.Context, f EventFilter) ([]Located, bool, error) {
	var v apperr.Validation
	if f.Tag != "" && !slices.Contains(EventTags, f.Tag) {
		v.Add("tag", "must be free, online, short or beginner")
	}
	from := f.From
	if from.IsZero() {
		from = s.clock()
	}
	if !f.To.IsZero() && !f.To.After(from) {
		v.Add("to", "must be after from")
	}
	if err := v.Err(); err != nil {
		return nil, false, err
	}
	filter := bson.D{{Key: "startsAt", Value: bson.D{{Key: "$gte", Value: from}}}}
	if !f.To.IsZero() {
		filter = append(filter, bson.E{Key: "startsAt", Value: bson.D{{Key: "$lt", Value: f.To}}})
	}
	if f.Tag != "" {
		filter = append(filter, bson.E{Key: "tags", Value: f.Tag})
	}
	if !f.CommunityID.IsZero() {
		filter = append(filter, bson.E{Key: "communityId", Value: f.CommunityID})
	}
	cur, err := s.events.Find(ctx, filter)
	if err != nil {
		return nil, false, fmt.Errorf("find events: %w", err)
	}
	var es []Event
	if err := cur.All(ctx, &es); err != nil {
		return nil, false, fmt.Errorf("find events: %w", err)
	}
	out := make([]Located, 0, len(es))
	for _, e := range es {
		l := Located{Event: e}
		if f.Near != nil {
			d := 0.0
			if !e.Online && e.Venue != nil {
				d = geo.DistanceKm(*f.Near, e.Venue.Point)
			}
			if d > cmp.Or(f.RadiusKm, DefaultEventRadiusKm) {
				continue
			}
			l.DistanceKm = &d
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Located) int {
		if a.DistanceKm != nil && b.DistanceKm != nil && *a.DistanceKm != *b.DistanceKm {
			if *a.DistanceKm < *b.DistanceKm {
				return -1
			}
			return 1
		}
		if c := a.StartsAt.Compare(b.StartsAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID.Hex(), b.ID.Hex())
	})
	if f.Offset >= len(out) {
		return []Located{}, false, nil
	}
	out = out[f.Offset:]
	return out[:min(f.Limit, len(out))], len(out) > f.Limit, nil
}

// RSVP statuses.
const (
	RSVPGoing      = "going"
	RSVPWaitlisted = "waitlisted"
	RSVPMaybe      = "maybe"
	RSVPNotGoing   = "not_going"
)

// RSVP is a member's answer to an event.
type RSVP struct {
	ID        string        `bson:"_id"` // eventId:userId
	EventID   bson.ObjectID `bson:"eventId"`
	UserID    bson.ObjectID `bson:"userId"`
	Status    string        `bson:"status"`
	Queue     bson.ObjectID `bson:"queue"` // waitlist order: when they asked to go
	UpdatedAt time.Time     `bson:"updatedAt"`
}

// RSVPResult is the caller's standing after an RSVP.
type RSVPResult struct {
	Status           string
	WaitlistPosition int // 1-based, when waitlisted
}

// place is one occupied place at an event.
type place struct {
	ID      bson.ObjectID `bson:"_id"`
	EventID bson.ObjectID `bson:"eventId"`
	Slot    int           `bson:"slot"`
	UserID  bson.ObjectID `bson:"userId"`
}

// Respond records the caller's RSVP. Going takes a place if one is free,
// else a place on the waitlist; giving a place up promotes the first on the
// waitlist. Going to an event joins its community (free, low hurdle).
func (s *Service) Respond(ctx context.Context, p accounts.Principal, eventID bson.ObjectID, status string) (RSVPResult, error) {
	switch status {
	case RSVPGoing, RSVPMaybe, RSVPNotGoing:
	default:
		var v apperr.Validation
		v.Add("status", "must be going, maybe or not_going")
		return RSVPResult{}, v.Err()
	}
	e, err := s.GetEvent(ctx, eventID)
	if err != nil {
		return RSVPResult{}, err
	}
	if !e.StartsAt.After(s.clock()) {
		return RSVPResult{}, ErrEventPast
	}
	if status != RSVPNotGoing {
		member, err := s.IsMember(ctx, e.CommunityID, p.UserID)
		if err != nil {
			return RSVPResult{}, err
		}
		if !member {
			if _, err := s.join(ctx, e.CommunityID, p.UserID, RoleMember, SourceEvent); err != nil {
				return RSVPResult{}, err
			}
		}
	}
	// One event's RSVPs are serialized here so the waitlist moves in order;
	// places are still unique documents, so nothing overbooks across instances.
	unlock := s.db.Lock(colRSVPs, eventID)
	defer unlock()

	current, err := s.rsvp(ctx, eventID, p.UserID)
	if err != nil {
		return RSVPResult{}, err
	}
	if status == RSVPGoing {
		if current.Status == RSVPWaitlisted {
			return s.standing(ctx, current)
		}
		taken, err := s.takePlace(ctx, e, p.UserID)
		if err != nil {
			return RSVPResult{}, err
		}
		r := RSVP{ID: rsvpID(eventID, p.UserID), EventID: eventID, UserID: p.UserID, Status: RSVPGoing, Queue: bson.NewObjectID()}
		if !taken {
			r.Status = RSVPWaitlisted
		}
		if err := s.saveRSVP(ctx, r, current.Status != ""); err != nil {
			return RSVPResult{}, err
		}
		return s.standing(ctx, r)
	}
	r := RSVP{ID: rsvpID(eventID, p.UserID), EventID: eventID, UserID: p.UserID, Status: status, Queue: current.Queue}
	if err := s.saveRSVP(ctx, r, current.Status != ""); err != nil {
		return RSVPResult{}, err
	}
	if current.Status == RSVPGoing {
		if err := s.releasePlace(ctx, e, p.UserID); err != nil {
			return RSVPResult{}, err
		}
	}
	return RSVPResult{Status: status}, nil
}

// takePlace claims a free place for userID; false when the event is full.
// It reads which slots are taken and inserts into the first free one: the
// unique (event, slot) index arbitrates with other instances, and a slot
// taken meanwhile moves it on to the next. (Trying every slot in turn cost
// two scans of the places per taken slot, under the event's lock.)
func (s *Service) takePlace(ctx context.Context, e Event, userID bson.ObjectID) (bool, error) {
	cur, err := s.places.Find(ctx, bson.D{{Key: "eventId", Value: e.ID}},
		options.Find().SetProjection(bson.D{{Key: "slot", Value: 1}, {Key: "userId", Value: 1}}))
	if err != nil {
		return false, fmt.Errorf("find places: %w", err)
	}
	var places []place
	if err := cur.All(ctx, &places); err != nil {
		return false, fmt.Errorf("find places: %w", err)
	}
	taken := make(map[int]bool, len(places))
	for _, p := range places {
		if p.UserID == userID {
			return true, nil // holds one already
		}
		taken[p.Slot] = true
	}
	for slot := range e.Capacity {
		if taken[slot] {
			continue
		}
		_, err := s.places.InsertOne(ctx, place{ID: bson.NewObjectID(), EventID: e.ID, Slot: slot, UserID: userID})
		if err == nil {
			return true, nil
		}
		if !mongodb.IsDuplicateKey(err) {
			return false, fmt.Errorf("take place: %w", err)
		}
		// Taken meanwhile by another instance, or by this person.
		n, err := s.places.CountDocuments(ctx, bson.D{{Key: "eventId", Value: e.ID}, {Key: "userId", Value: userID}})
		if err != nil || n > 0 {
			return n > 0, err
		}
	}
	return false, nil
}

// releasePlace frees userID's place and gives free places to the waitlist in
// order, telling each promoted member. The caller holds the event's lock.
func (s *Service) releasePlace(ctx context.Context, e Event, userID bson.ObjectID) error {
	if _, err := s.places.DeleteOne(ctx, bson.D{{Key: "eventId", Value: e.ID}, {Key: "userId", Value: userID}}); err != nil {
		return fmt.Errorf("release place: %w", err)
	}
	for {
		var next RSVP
		err := s.rsvps.FindOne(ctx, bson.D{{Key: "eventId", Value: e.ID}, {Key: "status", Value: RSVPWaitlisted}},
			options.FindOne().SetSort(bson.D{{Key: "queue", Value: 1}})).Decode(&next)
		if mongodb.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find waitlist: %w", err)
		}
		taken, err := s.takePlace(ctx, e, next.UserID)
		if err != nil || !taken {
			return err
		}
		next.Status = RSVPGoing
		if err := s.saveRSVP(ctx, next, true); err != nil {
			return err
		}
		s.notifyPromoted(ctx, e, next.UserID)
	}
}

func (s *Service) notifyPromoted(ctx context.Context, e Event, userID bson.ObjectID) {
	ja, en := notifications.Say(notifications.KindEventPlaceConfirmed, "", notifications.Vars{Title: e.Title})
	_, err := s.notify.Notify(ctx, notifications.Input{
		UserID: userID, Kind: notifications.KindEventPlaceConfirmed,
		Key:    "event-place:" + e.ID.Hex() + ":" + userID.Hex() + ":" + s.clock().Format(time.RFC3339Nano),
		TextJa: ja, TextEn: en,
		Refs: notifications.Refs{EventID: e.ID, CommunityID: e.CommunityID},
	})
	if err != nil {
		s.log.ErrorContext(ctx, "notify promotion", "err", err)
	}
}

func rsvpID(eventID, userID bson.ObjectID) string { return eventID.Hex() + ":" + userID.Hex() }

// rsvp returns the caller's RSVP; a zero RSVP (no status) if none.
func (s *Service) rsvp(ctx context.Context, eventID, userID bson.ObjectID) (RSVP, error) {
	var r RSVP
	err := s.rsvps.FindOne(ctx, bson.D{{Key: "_id", Value: rsvpID(eventID, userID)}}).Decode(&r)
	if mongodb.IsNotFound(err) {
		return RSVP{}, nil
	}
	if err != nil {
		return RSVP{}, fmt.Errorf("find rsvp: %w", err)
	}
	return r, nil
}

// saveRSVP writes an RSVP: it updates the one the caller read (exists), or
// inserts it, updating instead when another instance inserted it first.
func (s *Service) saveRSVP(ctx context.Context, r RSVP, exists bool) error {
	r.UpdatedAt = s.clock()
	if !exists {
		_, err := s.rsvps.InsertOne(ctx, r)
		if !mongodb.IsDuplicateKey(err) {
			if err != nil {
				return fmt.Errorf("insert rsvp: %w", err)
			}
			return nil
		}
	}
	unlock := s.db.Lock("rsvp", r.ID)
	defer unlock()
	_, err := s.rsvps.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: r.Status}, {Key: "queue", Value: r.Queue}, {Key: "updatedAt", Value: r.UpdatedAt},
	}}})
	if err != nil {
		return fmt.Errorf("update rsvp: %w", err)
	}
	return nil
}

// standing reports an RSVP with its waitlist position.
func (s *Service) standing(ctx context.Context, r RSVP) (RSVPResult, error) {
	res := RSVPResult{Status: r.Status}
	if r.Status == RSVPWaitlisted {
		ahead, err := s.rsvps.CountDocuments(ctx, bson.D{{Key: "eventId", Value: r.EventID}, {Key: "status", Value: RSVPWaitlisted}, {Key: "queue", Value: bson.D{{Key: "$lt", Value: r.Queue}}}})
		if err != nil {
			return RSVPResult{}, fmt.Errorf("waitlist position: %w", err)
		}
		res.WaitlistPosition = int(ahead) + 1
	}
	return res, nil
}

// Attendance counts an event's places and waitlist, and the caller's RSVP.
type Attendance struct {
	Going      int
	Waitlisted int
	Mine       RSVPResult // zero Status when the caller has not answered
}

// EventAttendance returns the counts for an event and the caller's standing.
func (s *Service) EventAttendance(ctx context.Context, eventID, userID bson.ObjectID) (Attendance, error) {
	going, err := s.places.CountDocuments(ctx, bson.D{{Key: "eventId", Value: eventID}})
	if err != nil {
		return Attendance{}, err
	}
	waiting, err := s.rsvps.CountDocuments(ctx, bson.D{{Key: "eventId", Value: eventID}, {Key: "status", Value: RSVPWaitlisted}})
	if err != nil {
		return Attendance{}, err
	}
	a := Attendance{Going: int(going), Waitlisted: int(waiting)}
	r, err := s.rsvp(ctx, eventID, userID)
	if err != nil {
		return Attendance{}, err
	}
	if r.Status != "" {
		if a.Mine, err = s.standing(ctx, r); err != nil {
			return Attendance{}, err
		}
	}
	return a, nil
}

// NextUpcomingNear returns the first short or free event within days that
// is online or within km of every given point (a keep-in-touch suggestion);
// ok is false when there is none. It reads the upcoming events a page at a
// time in order and stops at the first that fits, so its cost is that of
// the answer, not of every event of the coming weeks.
func (s *Service) NextUpcomingNear(ctx context.Context, points []geo.Point, km float64, days int) (e Event, ok bool, err error) {
	from := s.clock()
	until := from.Add(time.Duration(days) * 24 * time.Hour)
	seen := map[bson.ObjectID]bool{}
	page := int64(upcomingPage)
	for {
		cur, err := s.events.Find(ctx, bson.D{
			{Key: "startsAt", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: until}}},
		}, options.Find().SetSort(bson.D{{Key: "startsAt", Value: 1}}).SetLimit(page))
		if err != nil {
			return Event{}, false, fmt.Errorf("find events: %w", err)
		}
		var es []Event
		if err := cur.All(ctx, &es); err != nil {
			return Event{}, false, fmt.Errorf("find events: %w", err)
		}
		fresh := 0
		for _, e := range es {
			if seen[e.ID] {
				continue // read again: it starts when the last page ended
			}
			seen[e.ID] = true
			fresh++
			if e.lowHurdleNear(points, km) {
				return e, true, nil
			}
		}
		if int64(len(es)) < page {
			return Event{}, false, nil
		}
		if fresh == 0 {
			page *= 2 // a page of events all starting at one moment
			continue
		}
		from = es[len(es)-1].StartsAt // $gte: events starting at the same moment are read again
	}
}

// upcomingPage is how many upcoming events NextUpcomingNear reads at a time.
const upcomingPage = 20

// lowHurdleNear reports whether e is short or free, and online or within km
// of every point.
func (e Event) lowHurdleNear(points []geo.Point, km float64) bool {
	if !slices.Contains(e.Tags, TagFree) && !e.Short() {
		return false
	}
	if e.Online {
		return true
	}
	if e.Venue == nil {
		return false
	}
	for _, p := range points {
		if geo.DistanceKm(p, e.Venue.Point) > km {
			return false
		}
	}
	return true
}
