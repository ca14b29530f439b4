package notifications

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Retention of the inbox: what Prune deletes.
const (
	// KeepRead is how long a read notification is kept.
	KeepRead = 180 * 24 * time.Hour
	// KeepUnread is how long an unread one is kept: invitations to a
	// lapsed member pile up unread, and after a year they invite no one.
	KeepUnread = 365 * 24 * time.Hour
	// KeepPerUser is how many of a user's newest notifications are kept
	// whatever their age; read ones beyond them go.
	KeepPerUser = 200
)

// Prune deletes read notifications older than KeepRead or beyond a user's
// KeepPerUser newest, and any older than KeepUnread, and returns how many.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	now := s.now()
	var deleted int64
	for _, filter := range []bson.D{
		{{Key: "read", Value: true}, {Key: "createdAt", Value: bson.D{{Key: "$lt", Value: now.Add(-KeepRead)}}}},
		{{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: now.Add(-KeepUnread)}}}},
	} {
		res, err := s.items.DeleteMany(ctx, filter)
		if res != nil {
			deleted += res.DeletedCount
		}
		if err != nil {
			return deleted, fmt.Errorf("prune notifications: %w", err)
		}
	}
	beyond, err := s.readBeyondNewest(ctx)
	if err != nil {
		return deleted, err
	}
	for batch := range slices.Chunk(beyond, 500) {
		res, err := s.items.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: batch}}}})
		if res != nil {
			deleted += res.DeletedCount
		}
		if err != nil {
			return deleted, fmt.Errorf("prune notifications: %w", err)
		}
	}
	return deleted, nil
}

// readBeyondNewest returns the read notifications of each user that are
// beyond their KeepPerUser newest (by id, which orders by creation).
func (s *Service) readBeyondNewest(ctx context.Context) ([]bson.ObjectID, error) {
	type entry struct {
		id   bson.ObjectID
		read bool
	}
	byUser := map[bson.ObjectID][]entry{}
	err := s.items.Each(ctx, bson.D{}, func(raw bson.Raw) error {
		var n struct {
			ID     bson.ObjectID `bson:"_id"`
			UserID bson.ObjectID `bson:"userId"`
			Read   bool          `bson:"read"`
		}
		if err := bson.Unmarshal(raw, &n); err != nil {
			return err
		}
		byUser[n.UserID] = append(byUser[n.UserID], entry{n.ID, n.Read})
		return nil
	}, options.Find().SetProjection(bson.D{{Key: "userId", Value: 1}, {Key: "read", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("prune notifications: %w", err)
	}
	var out []bson.ObjectID
	for _, es := range byUser {
		if len(es) <= KeepPerUser {
			continue
		}
		slices.SortFunc(es, func(a, b entry) int { return bytes.Compare(b.id[:], a.id[:]) })
		for _, e := range es[KeepPerUser:] {
			if e.read {
				out = append(out, e.id)
			}
		}
	}
	return out, nil
}
