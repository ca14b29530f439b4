package profiles

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
)

// A profile decoded before its account was read waits for it; once every
// account is read, a profile without one is told so instead of waiting.
func TestBadgeBoardWaitsForAccountsStillToCome(t *testing.T) {
	b := newBadgeBoard()
	early, never := bson.NewObjectID(), bson.NewObjectID()
	got := make(chan accounts.Badge)
	go func() {
		badge, _ := b.get(early) // before it is put
		got <- badge
	}()
	b.put(accounts.Badge{ID: early, DisplayName: "帯広の人"})
	if badge := <-got; badge.DisplayName != "帯広の人" {
		t.Fatalf("waiting get = %+v", badge)
	}
	missing := make(chan bool)
	go func() {
		_, ok := b.get(never)
		missing <- ok
	}()
	b.finish()
	if ok := <-missing; ok {
		t.Fatal("an account never read was found")
	}
	if badge, ok := b.get(early); !ok || badge.ID != early {
		t.Fatalf("after finish: %+v %v", badge, ok)
	}
}
