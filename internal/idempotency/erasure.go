package idempotency

import (
	"bytes"
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Erase deletes a deleted member's idempotency records: those they sent
// (caller "user:<id>") and the kept answers that carry their id (their
// sign-up's, whose caller is an address). The records live 24 hours, so
// reading the answers of all of them is cheap. Idempotent.
func (s *Service) Erase(ctx context.Context, userID bson.ObjectID) error {
	if _, err := s.keys.DeleteMany(ctx, bson.D{{Key: "caller", Value: "user:" + userID.Hex()}}); err != nil {
		return fmt.Errorf("delete idempotency records: %w", err)
	}
	hex := []byte(userID.Hex())
	var carrying []bson.ObjectID
	err := s.keys.Each(ctx, bson.D{}, func(raw bson.Raw) error {
		var r record
		if err := bson.Unmarshal(raw, &r); err != nil {
			return err
		}
		if r.Response != nil && bytes.Contains(r.Response.Body, hex) {
			carrying = append(carrying, r.ID)
		}
		return nil
	}, options.Find().SetProjection(bson.D{{Key: "response.body", Value: 1}}))
	if err != nil {
		return fmt.Errorf("find idempotency records: %w", err)
	}
	for _, id := range carrying {
		if _, err := s.keys.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			return fmt.Errorf("delete idempotency record: %w", err)
		}
	}
	return nil
}
