package keepintouch

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Erase deletes the contact cadences a deleted member set and the ones
// others set for them (nobody can reach them any more). Idempotent.
func (s *Service) Erase(ctx context.Context, userID bson.ObjectID) error {
	for _, field := range []string{"userId", "otherId"} {
		if _, err := s.cadences.DeleteMany(ctx, bson.D{{Key: field, Value: userID}}); err != nil {
			return fmt.Errorf("delete cadences: %w", err)
		}
	}
	return nil
}
