package main

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/mongodb/mongotest"
)

// Every collection of Kizuna, as the services write it (the Hokkaido demo:
// half a year of accounts, profiles, requests, introductions, mentorships,
// touchpoints, communities, posts, events, RSVPs, notifications...), answers
// every query shape of its declared indexes the same through the embedded
// read path as through the server itself (see mongotest.CheckReadPath).
func TestReadPathOnEveryCollection(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ctx := context.Background()
	must(t, ta.app.seedDemo(ctx))
	must(t, ta.app.flushActivity(ctx))
	names, err := ta.app.db.Collection("users").Database().ListCollectionNames(ctx, bson.D{})
	must(t, err)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d collections", seed, len(names))
	res, err := mongotestCheck(ctx, ta, names, rand.New(rand.NewPCG(seed, 3)))
	must(t, err)
	for _, m := range res.Mismatches {
		t.Error(m)
	}
	if res.Queries < 3*len(names) {
		t.Fatalf("only %d queries over %d collections", res.Queries, len(names))
	}
	t.Logf("%d queries agreed", res.Queries)
}

func mongotestCheck(ctx context.Context, ta *testApp, names []string, rnd *rand.Rand) (mongotest.ReadPathCheck, error) {
	perIndex := 12
	if raceDetector {
		perIndex = 4
	}
	return mongotest.CheckReadPath(ctx, ta.app.db, names, perIndex, rnd)
}
