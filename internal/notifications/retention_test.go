package notifications

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/mongodb/mongotest"
)

// Prune keeps a user's newest KeepPerUser notifications and every unread one
// younger than KeepUnread; read ones go after KeepRead or beyond the newest.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := now
	s, err := New(ctx, mongotest.Open(t), Config{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	busy, quiet := bson.NewObjectID(), bson.NewObjectID()
	notify := func(user bson.ObjectID, key string, age time.Duration, read bool) {
		t.Helper()
		clock = now.Add(-age)
		if _, err := s.Notify(ctx, Input{UserID: user, Kind: KindKeepInTouch, TextJa: "お元気ですか", TextEn: "How are you?", Key: key}); err != nil {
			t.Fatal(err)
		}
		if read {
			if _, err := s.items.UpdateOne(ctx, bson.D{{Key: "key", Value: key}}, bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: true}}}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// busy: 250 read notifications of the last days, the oldest first, and
	// 10 unread older still; quiet: a few old ones.
	for i := range 10 {
		notify(busy, fmt.Sprintf("busy-unread-%d", i), 300*time.Hour+time.Duration(i)*time.Minute, false)
	}
	for i := range 250 {
		notify(busy, fmt.Sprintf("busy-read-%d", i), time.Duration(250-i)*time.Hour, true)
	}
	notify(quiet, "quiet-read-old", KeepRead+time.Hour, true)
	notify(quiet, "quiet-read-recent", KeepRead-time.Hour, true)
	notify(quiet, "quiet-unread-old", KeepRead+time.Hour, false)
	notify(quiet, "quiet-unread-ancient", KeepUnread+time.Hour, false)
	clock = now

	deleted, err := s.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys := func(user bson.ObjectID) map[string]bool {
		cur, err := s.items.Collection.Find(ctx, bson.D{{Key: "userId", Value: user}})
		if err != nil {
			t.Fatal(err)
		}
		var ns []Notification
		if err := cur.All(ctx, &ns); err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, n := range ns {
			out[n.Key] = true
		}
		return out
	}
	b := keys(busy)
	// The 200 newest are the 200 newest read ones; the 50 oldest read go,
	// the 10 unread (older still, but unread and younger than a year) stay.
	if len(b) != 210 || !b["busy-read-249"] || !b["busy-read-50"] || b["busy-read-49"] || !b["busy-unread-0"] {
		t.Errorf("busy user keeps %d notifications", len(b))
	}
	q := keys(quiet)
	if len(q) != 2 || !q["quiet-read-recent"] || !q["quiet-unread-old"] {
		t.Errorf("quiet user keeps %v", q)
	}
	if deleted != 52 {
		t.Errorf("deleted %d, want 52", deleted)
	}
	if again, err := s.Prune(ctx); err != nil || again != 0 {
		t.Errorf("a second prune deleted %d (%v)", again, err)
	}
}
