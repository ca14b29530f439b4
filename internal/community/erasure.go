package community

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ForgetMember takes a deleted account out of every community: the places it held
// at upcoming events go to their waitlists (in order, each promoted member
// told), its RSVPs, places and memberships are deleted (member counts
// follow), and it organizes nothing any more. Idempotent.
func (s *Service) ForgetMember(ctx context.Context, userID bson.ObjectID) error {
	var rsvps []RSVP
	cur, err := s.rsvps.Find(ctx, bson.D{{Key: "userId", Value: userID}})
	if err == nil {
		err = cur.All(ctx, &rsvps)
	}
	if err != nil {
		return fmt.Errorf("find rsvps: %w", err)
	}
	now := s.clock()
	for _, r := range rsvps {
		e, err := s.GetEvent(ctx, r.EventID)
		if err != nil {
			continue // the event is gone: nothing to give up
		}
		unlock := s.db.Lock(colRSVPs, e.ID)
		if _, err = s.rsvps.DeleteOne(ctx, bson.D{{Key: "_id", Value: r.ID}}); err == nil && e.StartsAt.After(now) {
			err = s.releasePlace(ctx, e, userID)
		}
		unlock()
		if err != nil {
			return fmt.Errorf("give up a place: %w", err)
		}
	}
	if _, err := s.places.DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}}); err != nil {
		return fmt.Errorf("delete places: %w", err)
	}

	var ms []Membership
	cur, err = s.members.Find(ctx, bson.D{{Key: "userId", Value: userID}})
	if err == nil {
		err = cur.All(ctx, &ms)
	}
	if err != nil {
		return fmt.Errorf("find memberships: %w", err)
	}
	for _, m := range ms {
		unlock := s.db.Lock(colMembers, m.ID)
		res, err := s.members.DeleteOne(ctx, bson.D{{Key: "_id", Value: m.ID}})
		unlock()
		if err != nil {
			return fmt.Errorf("delete membership: %w", err)
		}
		// A crash between the two is repaired by RecountMembers.
		if res.DeletedCount == 1 && m.Status == StatusActive {
			if err := s.countMembers(ctx, m.CommunityID, -1); err != nil {
				return err
			}
		}
	}

	organized, err := s.OrganizedBy(ctx, userID)
	if err != nil {
		return err
	}
	for _, id := range organized {
		unlock := s.db.Lock(colCommunities, id)
		_, err := s.communities.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
			{Key: "$pull", Value: bson.D{{Key: "organizerIds", Value: userID}}},
			{Key: "$set", Value: bson.D{{Key: "updatedAt", Value: s.clock()}}},
		})
		unlock()
		if err != nil {
			return fmt.Errorf("remove organizer: %w", err)
		}
	}
	return nil
}

// Pseudonymize moves what others keep of a deleted member (the posts they
// wrote, the communities and events they created, the posts they removed)
// from their id to formerID. Run after ForgetMember; idempotent.
func (s *Service) Pseudonymize(ctx context.Context, userID, formerID bson.ObjectID) error {
	if _, err := s.posts.Rekey(ctx, "authorId", userID, formerID, nil); err != nil {
		return err
	}
	if _, err := s.posts.Rekey(ctx, "removedBy", userID, formerID, nil); err != nil {
		return err
	}
	if _, err := s.communities.Rekey(ctx, "createdBy", userID, formerID, nil); err != nil {
		return err
	}
	if _, err := s.events.Rekey(ctx, "createdBy", userID, formerID, nil); err != nil {
		return err
	}
	return nil
}
