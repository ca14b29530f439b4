package mongodb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/mongodb/mongotest"
)

// Reopening a data directory re-creates existing indexes (every restart).
// FerretDB v1.24 panicked on this when one command named several indexes.
func TestEnsureIndexesAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	specs := []mongodb.IndexSpec{
		mongodb.UniqueIndex("email"),
		mongodb.Index("a", "b"),
		mongodb.Index("updatedAt"),
	}
	for round := range 2 {
		db, err := mongodb.Open(ctx, mongodb.Config{Database: "x", DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Collection("c").EnsureIndexes(ctx, specs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if _, err := db.Collection("c").InsertOne(ctx, bson.M{"email": round}); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if err := db.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestUniqueIndexArbitratesRacingInserts(t *testing.T) {
	db := mongotest.Open(t)
	ctx := context.Background()
	coll := db.Collection("seats")
	if err := coll.EnsureIndexes(ctx, mongodb.UniqueIndex("k")); err != nil {
		t.Fatal(err)
	}
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = coll.InsertOne(ctx, bson.M{"k": "last-seat", "i": i}) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !mongodb.IsDuplicateKey(err):
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d inserts won, want 1", won)
	}
}

// Lock makes read-modify-write of one document safe within the process, which
// the embedded server does not do by itself.
func TestLockSerializesUpdates(t *testing.T) {
	db := mongotest.Open(t)
	ctx := context.Background()
	coll := db.Collection("counters")
	id := bson.NewObjectID()
	if _, err := coll.InsertOne(ctx, bson.M{"_id": id, "n": 0}); err != nil {
		t.Fatal(err)
	}
	const n = 30
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			unlock := db.Lock("counters", id)
			defer unlock()
			if _, err := coll.UpdateByID(ctx, id, bson.M{"$inc": bson.M{"n": 1}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var doc struct{ N int }
	if err := coll.FindOne(ctx, bson.M{"_id": id}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.N != n {
		t.Fatalf("n = %d after %d locked increments", doc.N, n)
	}
}

// Writes must be acknowledged: "majority" or a positive number of members.
func TestParseWriteConcern(t *testing.T) {
	for in, want := range map[string]any{"": "majority", "majority": "majority", "1": 1, "3": 3} {
		wc, err := mongodb.ParseWriteConcern(in)
		if err != nil || wc.W != want {
			t.Errorf("%q: %v %v, want w=%v", in, wc, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "all", "majority "} {
		if _, err := mongodb.ParseWriteConcern(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// Writes reach the embedded server one at a time, in arrival order (the
// write gate): 100 concurrent $inc of one field, which lost all but a few
// updates when FerretDB's read-then-write of each ran interleaved, now all
// count. (The domain still locks and conditions its updates: that is what
// holds on MongoDB with several instances.)
func TestWritesQueueOneAtATime(t *testing.T) {
	db := mongotest.Open(t)
	ctx := context.Background()
	coll := db.Collection("counters")
	id := bson.NewObjectID()
	if _, err := coll.InsertOne(ctx, bson.M{"_id": id, "n": 0}); err != nil {
		t.Fatal(err)
	}
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := coll.Collection.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$inc": bson.M{"n": 1}})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var doc struct{ N int }
	if err := coll.FindOne(ctx, bson.M{"_id": id}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.N != n {
		t.Fatalf("n = %d after %d concurrent increments", doc.N, n)
	}
}

// UpdateMany on the embedded server updates hundreds of documents in small
// commands: FerretDB v1.24 holds a connection for each update statement of
// a command until the command ends, and a command of a hundred statements
// waited forever for its 101st connection.
func TestUpdateManyOfHundreds(t *testing.T) {
	db := mongotest.Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	coll := db.Collection("many")
	if err := coll.EnsureIndexes(ctx, mongodb.Index("group")); err != nil {
		t.Fatal(err)
	}
	docs := make([]any, 300)
	for i := range docs {
		docs[i] = bson.M{"_id": bson.NewObjectID(), "group": "g", "n": i}
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	res, err := coll.UpdateMany(ctx, bson.M{"group": "g"}, bson.M{"$set": bson.M{"seen": true}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ModifiedCount != 300 {
		t.Fatalf("%d modified, want 300", res.ModifiedCount)
	}
	if n, err := coll.CountDocuments(ctx, bson.M{"seen": true}); err != nil || n != 300 {
		t.Fatalf("%d seen, %v", n, err)
	}
}
