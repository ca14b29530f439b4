package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Rekey moves every document whose field holds from to to (setting set as
// well), one document at a time under its write lock (keyed by the
// collection's name, as the domain packages lock their documents) and
// conditionally on the field still holding from: running it again, or
// beside another writer, changes each document once. For a deleted
// account's id in what others keep. It returns how many it changed.
func (c *Collection) Rekey(ctx context.Context, field string, from, to bson.ObjectID, set bson.D) (int, error) {
	var ids []any
	err := c.Each(ctx, bson.D{{Key: field, Value: from}}, func(raw bson.Raw) error {
		var doc struct {
			ID any `bson:"_id"`
		}
		if err := bson.Unmarshal(raw, &doc); err != nil {
			return err
		}
		ids = append(ids, doc.ID)
		return nil
	}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("find %s by %s: %w", c.Name(), field, err)
	}
	update := append(bson.D{{Key: field, Value: to}}, set...)
	n := 0
	for _, id := range ids {
		unlock := c.db.Lock(c.Name(), id)
		res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: field, Value: from}}, bson.D{{Key: "$set", Value: update}})
		unlock()
		if err != nil {
			return n, fmt.Errorf("update %s: %w", c.Name(), err)
		}
		n += int(res.ModifiedCount)
	}
	return n, nil
}
