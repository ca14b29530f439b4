package mongodb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/mongodb/mongotest"
)

// The collections of the property tests: field types and index shapes like
// Kizuna's (ObjectID owners, string states, booleans, int slots and queues,
// dates, nested locations, an array of roles, string ids), with values that
// test the encoding (HTML characters, accents, quotes), numbers of three
// types, nulls and missing fields.
var readPathIndexes = map[string][]mongodb.IndexSpec{
	"people": {
		mongodb.Index("userId", "-_id"),
		mongodb.Index("status", "queue"),
		mongodb.Index("location.prefectureCode", "at"),
		mongodb.Index("pinned", "_id"),
		mongodb.Index("read"),
		mongodb.Index("roles").OnArrays(),
	},
	"events": { // dates in 2001-2286 only: ranges and sorts on them run in SQLite
		mongodb.Index("communityId", "startsAt").Times("startsAt"), // declared: no check of the stored values
		mongodb.Index("startsAt"),                                  // checked before each use
	},
	"places": { // string ids, as RSVPs and cadences have
		mongodb.UniqueIndex("eventId", "userId"),
		mongodb.Index("eventId", "status", "queue"),
	},
}

func randomPerson(rnd *rand.Rand, users []bson.ObjectID) bson.D {
	statuses := []string{"active", "lapsed", "a<b&c", "é日本", `q"uote`}
	prefs := []string{"01", "13", "47"}
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rnd.IntN(2*365*24)) * time.Hour)
	switch rnd.IntN(20) { // dates whose stored text is not thirteen digits
	case 0:
		at = time.Date(1995, 6, 1, 0, 0, 0, 0, time.UTC)
	case 1:
		at = time.Time{}
	}
	d := bson.D{
		{Key: "_id", Value: bson.NewObjectID()},
		{Key: "userId", Value: users[rnd.IntN(len(users))]},
		{Key: "status", Value: statuses[rnd.IntN(len(statuses))]},
		{Key: "read", Value: rnd.IntN(2) == 0},
		{Key: "pinned", Value: rnd.IntN(5) == 0},
		{Key: "at", Value: at},
		{Key: "location", Value: bson.D{{Key: "prefectureCode", Value: prefs[rnd.IntN(len(prefs))]}, {Key: "label", Value: "x"}}},
		{Key: "roles", Value: bson.A{"founder", []string{"mentor", "organizer"}[rnd.IntN(2)]}},
	}
	switch rnd.IntN(4) { // queue: int32, int64, double, or missing
	case 0:
		d = append(d, bson.E{Key: "queue", Value: int32(rnd.IntN(12))})
	case 1:
		d = append(d, bson.E{Key: "queue", Value: int64(rnd.IntN(12))})
	case 2:
		d = append(d, bson.E{Key: "queue", Value: float64(rnd.IntN(12)) / 2})
	}
	if rnd.IntN(3) == 0 {
		d = append(d, bson.E{Key: "note", Value: nil})
	}
	return d
}

func randomEvent(rnd *rand.Rand, communities []bson.ObjectID) bson.D {
	return bson.D{
		{Key: "_id", Value: bson.NewObjectID()},
		{Key: "communityId", Value: communities[rnd.IntN(len(communities))]},
		{Key: "startsAt", Value: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rnd.IntN(2*365*24)) * time.Hour)},
		{Key: "short", Value: rnd.IntN(2) == 0},
	}
}

func randomPlace(rnd *rand.Rand, events, users []bson.ObjectID) bson.D {
	e, u := events[rnd.IntN(len(events))], users[rnd.IntN(len(users))]
	return bson.D{
		{Key: "_id", Value: e.Hex() + ":" + u.Hex()},
		{Key: "eventId", Value: e},
		{Key: "userId", Value: u},
		{Key: "status", Value: []string{"going", "waitlisted"}[rnd.IntN(2)]},
		{Key: "queue", Value: int64(rnd.IntN(40))},
	}
}

// seedReadPath fills the test collections with n documents each.
func seedReadPath(t *testing.T, db *mongodb.DB, rnd *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	for name, specs := range readPathIndexes {
		if err := db.Collection(name).EnsureIndexes(ctx, specs...); err != nil {
			t.Fatal(err)
		}
	}
	users := ids(6)
	events := ids(4)
	var people, places, evs []any
	for range n {
		people = append(people, randomPerson(rnd, users))
		places = append(places, randomPlace(rnd, events, users))
		evs = append(evs, randomEvent(rnd, events))
	}
	if _, err := db.Collection("events").InsertMany(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("people").InsertMany(ctx, people); err != nil {
		t.Fatal(err)
	}
	// Duplicates of (eventId, userId) are refused by the unique index.
	_, _ = db.Collection("places").InsertMany(ctx, places, options.InsertMany().SetOrdered(false))
}

func ids(n int) []bson.ObjectID {
	out := make([]bson.ObjectID, n)
	for i := range out {
		out[i] = bson.NewObjectID()
	}
	return out
}

func checkReadPath(t *testing.T, db *mongodb.DB, rnd *rand.Rand, perIndex int) mongotest.ReadPathCheck {
	t.Helper()
	if raceDetector {
		perIndex = max(perIndex/3, 5)
	}
	res, err := mongotest.CheckReadPath(context.Background(), db, []string{"people", "places", "events"}, perIndex, rnd)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The read path answers every query shape exactly as the server does, also
// after conditional updates, updates of many documents and deletes made
// through it.
func TestReadPathAnswersAsTheServer(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 1))
	db := mongotest.Open(t)
	seedReadPath(t, db, rnd, 150)

	res := checkReadPath(t, db, rnd, 30)
	for _, m := range res.Mismatches {
		t.Error(m)
	}
	t.Logf("%d queries agreed before writes", res.Queries)

	// Writes through the read path's filters, then the same questions.
	ctx := context.Background()
	people := db.Collection("people")
	var docs []bson.Raw
	cur, err := people.Collection.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for cur.Next(ctx) {
		docs = append(docs, append(bson.Raw(nil), cur.Current...))
	}
	for i := range 40 {
		d := docs[rnd.IntN(len(docs))]
		id := d.Lookup("_id").ObjectID()
		switch i % 4 {
		case 0:
			_, err = people.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "read", Value: d.Lookup("read").Boolean()}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: !d.Lookup("read").Boolean()}, {Key: "status", Value: "lapsed"}}}})
		case 1:
			_, err = people.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "status", Value: d.Lookup("status").StringValue()}})
		case 2:
			_, err = people.UpdateMany(ctx, bson.D{{Key: "userId", Value: d.Lookup("userId").ObjectID()}, {Key: "read", Value: false}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: true}}}})
		default:
			_, err = people.InsertOne(ctx, randomPerson(rnd, []bson.ObjectID{d.Lookup("userId").ObjectID()}))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	res = checkReadPath(t, db, rnd, 30)
	for _, m := range res.Mismatches {
		t.Error(m)
	}
	t.Logf("%d queries agreed after writes", res.Queries)
}

// The writes that find their documents through the read path change what
// the server's own filters would have changed.
func TestFilteredWritesAsTheServer(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 2))
	db := mongotest.Open(t)
	ctx := context.Background()
	fast, slow := db.Collection("fast"), db.Collection("slow")
	for _, c := range []*mongodb.Collection{fast, slow} {
		if err := c.EnsureIndexes(ctx, readPathIndexes["people"]...); err != nil {
			t.Fatal(err)
		}
	}
	users := ids(4)
	var docs []any
	for range 80 {
		docs = append(docs, randomPerson(rnd, users))
	}
	for _, c := range []*mongodb.Collection{fast, slow} {
		if _, err := c.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 60 {
		d := docs[rnd.IntN(len(docs))].(bson.D)
		get := func(k string) any {
			for _, e := range d {
				if e.Key == k {
					return e.Value
				}
			}
			return nil
		}
		filters := []bson.D{
			{{Key: "_id", Value: get("_id")}, {Key: "status", Value: "active"}},
			{{Key: "userId", Value: get("userId")}, {Key: "read", Value: false}},
			{{Key: "status", Value: get("status")}, {Key: "queue", Value: bson.D{{Key: "$lt", Value: 6}}}},
			{{Key: "location.prefectureCode", Value: "13"}, {Key: "pinned", Value: true}},
		}
		filter := filters[rnd.IntN(len(filters))]
		if i%4 == 0 || i%4 == 3 {
			// Which of several matching documents UpdateOne and
			// FindOneAndUpdate change is MongoDB's choice: name one.
			filter = filters[0]
		}
		update := bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: fmt.Sprintf("s%d", i%3)}, {Key: "read", Value: i%2 == 0}}}}
		for _, c := range []struct {
			coll   *mongodb.Collection
			server bool
		}{{fast, false}, {slow, true}} {
			var err error
			switch i % 4 {
			case 0:
				if c.server {
					_, err = c.coll.Collection.UpdateOne(ctx, filter, update)
				} else {
					_, err = c.coll.UpdateOne(ctx, filter, update)
				}
			case 1:
				if c.server {
					_, err = c.coll.Collection.UpdateMany(ctx, filter, update)
				} else {
					_, err = c.coll.UpdateMany(ctx, filter, update)
				}
			case 2:
				if c.server {
					_, err = c.coll.Collection.DeleteMany(ctx, filter)
				} else {
					_, err = c.coll.DeleteMany(ctx, filter)
				}
			default:
				if c.server {
					err = c.coll.Collection.FindOneAndUpdate(ctx, filter, update).Err()
				} else {
					err = c.coll.FindOneAndUpdate(ctx, filter, update).Err()
				}
				if err != nil && strings.Contains(err.Error(), "no documents") {
					err = nil
				}
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	all := func(c *mongodb.Collection) map[string]string {
		cur, err := c.Collection.Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for cur.Next(ctx) {
			out[cur.Current.Lookup("_id").String()] = cur.Current.String()
		}
		return out
	}
	f, s := all(fast), all(slow)
	if len(f) != len(s) {
		t.Fatalf("%d documents through the read path, %d through the server", len(f), len(s))
	}
	for id, doc := range s {
		if f[id] != doc {
			t.Errorf("document %s:\n read path %s\n server    %s", id, f[id], doc)
		}
	}
}

// The check of the read path is not vacuous: when the read path answers
// wrongly on purpose (it returns what SQLite selects without checking it
// against the whole filter), the same check reports it.
func TestReadPathCheckCatchesWrongAnswers(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	db := mongotest.Open(t)
	seedReadPath(t, db, rnd, 120)
	mongodb.TrustSQLiteAlone(db)
	res := checkReadPath(t, db, rnd, 15)
	if len(res.Mismatches) == 0 {
		t.Fatalf("%d queries and no mismatch found with a broken read path", res.Queries)
	}
	t.Logf("%d of %d queries caught answering wrongly, e.g. %s", len(res.Mismatches), res.Queries, res.Mismatches[0])
}

// A projection that drops a sort key, on a plan sorted in Go (a number in
// the sort) or on a union of $or branches: the documents are sorted before
// the key is dropped. (Found by the property test: the read path sorted the
// projected documents, so the dropped key compared equal everywhere.)
func TestProjectionDroppingASortKey(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	db := mongotest.Open(t)
	seedReadPath(t, db, rnd, 150)
	ctx := context.Background()
	c := db.Collection("places")
	sort := bson.D{{Key: "eventId", Value: -1}, {Key: "status", Value: -1}, {Key: "queue", Value: -1}, {Key: "_id", Value: 1}}
	drop := bson.D{{Key: "eventId", Value: 0}}
	for _, filter := range []bson.D{
		{},
		{{Key: "$or", Value: bson.A{bson.D{{Key: "status", Value: "going"}}, bson.D{{Key: "status", Value: "waitlisted"}}}}},
	} {
		for _, limit := range []int64{1, 5, 0} {
			ids := func(cur *mongo.Cursor, err error) []string {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for cur.Next(ctx) {
					out = append(out, cur.Current.Lookup("_id").StringValue())
				}
				return out
			}
			opts := options.Find().SetSort(sort).SetProjection(drop).SetLimit(limit)
			got := ids(c.Find(ctx, filter, opts))
			want := ids(c.Collection.Find(ctx, filter, opts))
			if !slices.Equal(got, want) {
				t.Errorf("filter %v limit %d: read path %v, server %v", filter, limit, got, want)
			}
		}
	}
}
