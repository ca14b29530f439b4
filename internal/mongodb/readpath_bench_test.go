package mongodb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/mongodb/mongotest"
)

// An inbox page of one user among many (the shape of GET /v1/notifications),
// through the read path and through the server, at 10,000 and 100,000
// documents: the read path's cost follows the answer, the server's the
// collection.
func BenchmarkInboxPage(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		db := mongotest.Open(b)
		ctx := context.Background()
		c := db.Collection("notifications")
		if err := c.EnsureIndexes(ctx, mongodb.Index("userId", "-_id")); err != nil {
			b.Fatal(err)
		}
		users := ids(n / 30)
		batch := make([]any, 0, 1000)
		for i := range n {
			batch = append(batch, bson.D{
				{Key: "_id", Value: bson.NewObjectID()}, {Key: "userId", Value: users[i%len(users)]},
				{Key: "kind", Value: "introduction_received"}, {Key: "title", Value: "新しい紹介依頼があります"},
				{Key: "body", Value: "帯広の田中さんから、販路開拓について相談したいという紹介依頼が届きました。"},
				{Key: "read", Value: i%3 == 0}, {Key: "createdAt", Value: time.Now()},
			})
			if len(batch) == cap(batch) {
				if _, err := c.InsertMany(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		page := func(find func(context.Context, any, ...options.Lister[options.FindOptions]) (*mongo.Cursor, error), user bson.ObjectID) {
			cur, err := find(ctx, bson.D{{Key: "userId", Value: user}}, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(21))
			if err != nil {
				b.Fatal(err)
			}
			var out []bson.M
			if err := cur.All(ctx, &out); err != nil || len(out) != 21 {
				b.Fatalf("%d documents, %v", len(out), err)
			}
		}
		b.Run(fmt.Sprintf("read-path/%d", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				page(c.Find, users[i%len(users)])
			}
		})
		b.Run(fmt.Sprintf("server/%d", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				page(c.Collection.Find, users[i%len(users)])
			}
		})
	}
}
