package notifications

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// EraseRecipient deletes every notification of a deleted account.
func (s *Service) EraseRecipient(ctx context.Context, userID bson.ObjectID) error {
	if _, err := s.items.DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}}); err != nil {
		return fmt.Errorf("delete notifications: %w", err)
	}
	return nil
}

// Pseudonymize rewrites other people's notifications about a deleted
// member: the reference moves to formerID and the name they had (when
// known) becomes shownAs, so nothing in anyone's inbox names or points to
// them. Idempotent.
func (s *Service) Pseudonymize(ctx context.Context, userID, formerID bson.ObjectID, name, shownAs string) error {
	var about []Notification
	cur, err := s.items.Find(ctx, bson.D{{Key: "refs.userId", Value: userID}},
		options.Find().SetProjection(bson.D{{Key: "textJa", Value: 1}, {Key: "textEn", Value: 1}}))
	if err == nil {
		err = cur.All(ctx, &about)
	}
	if err != nil {
		return fmt.Errorf("find notifications about a member: %w", err)
	}
	for _, n := range about {
		set := bson.D{{Key: "refs.userId", Value: formerID}}
		if name != "" {
			set = append(set, bson.E{Key: "textJa", Value: strings.ReplaceAll(n.TextJa, name, shownAs)},
				bson.E{Key: "textEn", Value: strings.ReplaceAll(n.TextEn, name, shownAs)})
		}
		unlock := s.db.Lock(colNotifications, n.ID)
		_, err := s.items.UpdateOne(ctx, bson.D{{Key: "_id", Value: n.ID}, {Key: "refs.userId", Value: userID}}, bson.D{{Key: "$set", Value: set}})
		unlock()
		if err != nil {
			return fmt.Errorf("update notification: %w", err)
		}
	}
	return nil
}
