package moderation

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FiledBy returns the reports userID filed, newest first (for the export
// of their data; reports about them are the community's, not theirs).
func (s *Service) FiledBy(ctx context.Context, userID bson.ObjectID) ([]Report, error) {
	out := []Report{}
	cur, err := s.reports.Find(ctx, bson.D{{Key: "reporterId", Value: userID}})
	if err == nil {
		err = cur.All(ctx, &out)
	}
	if err != nil {
		return nil, fmt.Errorf("find reports: %w", err)
	}
	return out, nil
}
