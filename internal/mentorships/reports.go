package mentorships

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// RequestsIn returns the match requests located in a prefecture and created
// at or after since, in any status, with only what reports of demand read:
// FounderID, Topics, Location and CreatedAt (the rest is zero). Every
// document returned costs time on the embedded server, so the prefecture is
// filtered in the database and the projection is narrow.
func (s *Service) RequestsIn(ctx context.Context, prefectureCode string, since time.Time) ([]MatchRequest, error) {
	filter := bson.D{
		{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: since}}},
		{Key: "location.prefectureCode", Value: prefectureCode},
	}
	proj := bson.D{{Key: "founderId", Value: 1}, {Key: "topics", Value: 1}, {Key: "location", Value: 1}, {Key: "createdAt", Value: 1}}
	cur, err := s.requests.Find(ctx, filter, options.Find().SetProjection(proj))
	if err != nil {
		return nil, fmt.Errorf("find match requests: %w", err)
	}
	var rs []MatchRequest
	if err := cur.All(ctx, &rs); err != nil {
		return nil, fmt.Errorf("find match requests: %w", err)
	}
	return rs, nil
}

// RequestsBy returns the match requests a founder made, newest first (what
// they once asked about, for the lapsed-member digest).
func (s *Service) RequestsBy(ctx context.Context, founderID bson.ObjectID) ([]MatchRequest, error) {
	cur, err := s.requests.Find(ctx, bson.D{{Key: "founderId", Value: founderID}}, options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}).SetLimit(20))
	if err != nil {
		return nil, fmt.Errorf("find match requests: %w", err)
	}
	var rs []MatchRequest
	if err := cur.All(ctx, &rs); err != nil {
		return nil, fmt.Errorf("find match requests: %w", err)
	}
	return rs, nil
}
