package benchdata_test

import (
	"context"
	"reflect"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/benchdata"
	"github.com/kizuna-dev/kizuna/internal/servicetest"
)

// The same n gives the same documents, ids and times included.
func TestSeedIsDeterministic(t *testing.T) {
	u1, p1, err := benchdata.Mentors(50)
	if err != nil {
		t.Fatal(err)
	}
	u2, p2, err := benchdata.Mentors(50)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(u1, u2) || !reflect.DeepEqual(p1, p2) {
		t.Fatal("two calls of Mentors(50) differ")
	}
	if !reflect.DeepEqual(benchdata.Founders(20), benchdata.Founders(20)) {
		t.Fatal("two calls of Founders(20) differ")
	}
	seen := map[bson.ObjectID]bool{}
	for _, u := range append(u1, benchdata.Founders(50)...) {
		if seen[u.ID] {
			t.Fatalf("id %s given twice", u.ID.Hex())
		}
		seen[u.ID] = true
		if !u.CreatedAt.Equal(benchdata.Epoch) {
			t.Fatalf("created %v, want Epoch", u.CreatedAt)
		}
	}
}

// Seeded mentors land where accounts and profiles read them: the index
// loads every one, with its account's name.
func TestSeededMentorsAreTheServicesOwn(t *testing.T) {
	ctx := context.Background()
	e := servicetest.New(t)
	if err := benchdata.SeedMentors(ctx, e.DB, 30); err != nil {
		t.Fatal(err)
	}
	if err := e.Profiles.LoadIndex(ctx); err != nil {
		t.Fatal(err)
	}
	users, _, err := benchdata.Mentors(30)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		m, ok := e.Mentors.Get(u.ID)
		if !ok || m.DisplayName != u.DisplayName {
			t.Fatalf("mentor %s: %+v, %v", u.ID.Hex(), m, ok)
		}
	}
}
