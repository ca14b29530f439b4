package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// colOnce records the one-time data changes already made (see Once).
const colOnce = "once"

// Once runs fn unless a run of the same name finished before, on this
// database, and records that it did. A change that rewrites old documents
// (say, every account without a new field) then costs a point read at later
// starts instead of a scan of the collection. fn must be idempotent: two
// instances starting together may both run it, and a crash between fn and
// the record runs it again.
func (d *DB) Once(ctx context.Context, name string, fn func(context.Context) error) error {
	done := d.Collection(colOnce)
	err := done.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Err()
	if err == nil {
		return nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("once %s: %w", name, err)
	}
	if err := fn(ctx); err != nil {
		return err
	}
	_, err = done.InsertOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "at", Value: time.Now().UTC()}})
	if err != nil && !IsDuplicateKey(err) {
		return fmt.Errorf("once %s: %w", name, err)
	}
	return nil
}
