package moderation

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Pseudonymize moves a deleted member's id in conduct reports (as reporter,
// subject or resolver) to formerID: the reports stay, for the safety of the
// others, and name nobody gone. Idempotent.
func (s *Service) Pseudonymize(ctx context.Context, userID, formerID bson.ObjectID) error {
	for _, field := range []string{"reporterId", "subjectUserId", "resolvedBy"} {
		if _, err := s.reports.Rekey(ctx, field, userID, formerID, nil); err != nil {
			return err
		}
	}
	return nil
}
