package community

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
)

// What the lapsed-member digest (package digest) reads of communities.

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
