package community

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/jst"
	"github.com/kizuna-dev/kizuna/internal/notifications"
)

// What the lapsed-member digest (package digest) reads of communities, and
// the event reminders.

// LapsedMemberships returns every active membership, in any community,
// whose member was last active before cutoff (as last written; the digest
// checks each account's own activity too).
func (s *Service) LapsedMemberships(ctx context.Context, cutoff time.Time) ([]Membership, error) {
	cur, err := s.members.Find(ctx, bson.D{
		{Key: "status", Value: StatusActive},
		{Key: "activeAt", Value: bson.D{{Key: "$lt", Value: cutoff}}},
	})
	if err != nil {
		return nil, fmt.Errorf("find lapsed members: %w", err)
	}
	var ms []Membership
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("find lapsed members: %w", err)
	}
	return ms, nil
}

// Organize returns the community when p may organize it (its organizers,
// admins), else forbidden.
func (s *Service) Organize(ctx context.Context, p accounts.Principal, communityID bson.ObjectID) (Community, error) {
	c, err := s.Get(ctx, communityID)
	if err != nil {
		return Community{}, err
	}
	return c, s.mayOrganize(p, c)
}

// UpcomingEvents returns the events starting in [from, to), soonest first.
func (s *Service) UpcomingEvents(ctx context.Context, from, to time.Time) ([]Event, error) {
	located, _, err := s.ListEvents(ctx, EventFilter{From: from, To: to, Limit: 100000})
	if err != nil {
		return nil, err
	}
	out := make([]Event, len(located))
	for i, l := range located {
		out[i] = l.Event
	}
	return out, nil
}

// GoingCount is how many places of an event are taken.
func (s *Service) GoingCount(ctx context.Context, eventID bson.ObjectID) (int, error) {
	n, err := s.places.CountDocuments(ctx, bson.D{{Key: "eventId", Value: eventID}})
	if err != nil {
		return 0, fmt.Errorf("count places: %w", err)
	}
	return int(n), nil
}

// Answered returns which of eventIDs userID has answered (going, maybe,
// waitlisted or not going): a digest does not offer an event its member
// already knows, whatever they said.
func (s *Service) Answered(ctx context.Context, userID bson.ObjectID, eventIDs []bson.ObjectID) (map[bson.ObjectID]bool, error) {
	out := map[bson.ObjectID]bool{}
	if len(eventIDs) == 0 {
		return out, nil
	}
	ids := make([]string, len(eventIDs))
	for i, id := range eventIDs {
		ids[i] = rsvpID(id, userID)
	}
	cur, err := s.rsvps.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, fmt.Errorf("find rsvps: %w", err)
	}
	var rs []RSVP
	if err := cur.All(ctx, &rs); err != nil {
		return nil, fmt.Errorf("find rsvps: %w", err)
	}
	for _, r := range rs {
		out[r.EventID] = true
	}
	return out, nil
}

// RemindEvents tells everyone with a place at an event starting within the
// next day that it is tomorrow, once per person and event (the
// notification's key), and returns how many it told. Run it hourly: a
// reminder then comes 23 to 24 hours before.
func (s *Service) RemindEvents(ctx context.Context) (int, error) {
	now := s.clock()
	evs, err := s.UpcomingEvents(ctx, now, now.Add(24*time.Hour))
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, e := range evs {
		cur, err := s.places.Find(ctx, bson.D{{Key: "eventId", Value: e.ID}})
		if err != nil {
			return sent, fmt.Errorf("find places: %w", err)
		}
		var ps []place
		if err := cur.All(ctx, &ps); err != nil {
			return sent, fmt.Errorf("find places: %w", err)
		}
		local := e.StartsAt.In(jst.Zone)
		ja, en := notifications.Say(notifications.KindEventReminder, "", notifications.Vars{
			Title: e.Title, When: local.Format("1月2日 15:04"), WhenEn: local.Format("Jan 2, 15:04 JST"),
		})
		for _, p := range ps {
			created, err := s.notify.Notify(ctx, notifications.Input{
				UserID: p.UserID, Kind: notifications.KindEventReminder, Key: "event-reminder:" + e.ID.Hex() + ":" + p.UserID.Hex(),
				TextJa: ja, TextEn: en, Refs: notifications.Refs{EventID: e.ID, CommunityID: e.CommunityID},
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
