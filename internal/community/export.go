package community

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Held is what community keeps of one member, for the export of their data.
type Held struct {
	Memberships []Membership
	Posts       []Post // they wrote, removed ones included
	RSVPs       []RSVP
}

// HeldFor returns everything the communities hold of userID.
func (s *Service) HeldFor(ctx context.Context, userID bson.ObjectID) (Held, error) {
	h := Held{Memberships: []Membership{}, Posts: []Post{}, RSVPs: []RSVP{}}
	cur, err := s.members.Find(ctx, bson.D{{Key: "userId", Value: userID}})
	if err == nil {
		err = cur.All(ctx, &h.Memberships)
	}
	if err != nil {
		return Held{}, fmt.Errorf("find memberships: %w", err)
	}
	cur, err = s.posts.Find(ctx, bson.D{{Key: "authorId", Value: userID}})
	if err == nil {
		err = cur.All(ctx, &h.Posts)
	}
	if err != nil {
		return Held{}, fmt.Errorf("find posts: %w", err)
	}
	cur, err = s.rsvps.Find(ctx, bson.D{{Key: "userId", Value: userID}})
	if err == nil {
		err = cur.All(ctx, &h.RSVPs)
	}
	if err != nil {
		return Held{}, fmt.Errorf("find rsvps: %w", err)
	}
	return h, nil
}
