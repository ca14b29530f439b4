package accounts

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// activityResolution is how precisely last activity is kept: at most one
// write per user per this period, not one per request.
const activityResolution = time.Hour

// activity is last-seen times written behind: requests only note them in
// memory (and in the directory, which this process reads them from), and
// FlushActivity writes them in batches. So no request waits for a write,
// and users arriving at once do not queue behind the database's writer. A
// crash loses at most the times noted since the last flush (seconds):
// "last seen" an hour early is harmless for lapsed members, whose threshold
// is months.
type activity struct {
	mu      sync.Mutex
	noted   map[bson.ObjectID]time.Time // when each user's activity was last noted (per activityResolution)
	pending map[bson.ObjectID]time.Time // noted and not yet written
}

func newActivity() activity {
	return activity{noted: map[bson.ObjectID]time.Time{}, pending: map[bson.ObjectID]time.Time{}}
}

// Touch notes that the user is active, at most once per activityResolution
// per user (per instance); FlushActivity writes it. It does not change
// updatedAt: activity is not an edit of the account.
func (s *Service) Touch(_ context.Context, id bson.ObjectID) {
	now := s.now()
	s.activity.mu.Lock()
	if last, ok := s.activity.noted[id]; ok && now.Sub(last) < activityResolution {
		s.activity.mu.Unlock()
		return
	}
	s.activity.noted[id] = now
	if now.After(s.activity.pending[id]) {
		s.activity.pending[id] = now
	}
	s.activity.mu.Unlock()
	s.directory.touch(id, now)
}

// withActivity raises u's last activity to what this process noted and may
// not have written yet, so what it serves is never older than what it saw.
func (s *Service) withActivity(u *User) {
	s.activity.mu.Lock()
	t, ok := s.activity.noted[u.ID]
	s.activity.mu.Unlock()
	if ok && t.After(u.LastActiveAt) {
		u.LastActiveAt = t
	}
}

// remember caches u in the directory, with the activity noted for it.
func (s *Service) remember(u User) principalState {
	s.withActivity(&u)
	return s.directory.put(u)
}

// FlushActivity writes the activity noted since the last flush and returns
// how many users it updated. What fails to be written is kept for the next
// flush. Call it every few seconds and at shutdown.
func (s *Service) FlushActivity(ctx context.Context) (int, error) {
	s.activity.mu.Lock()
	pending := s.activity.pending
	s.activity.pending = map[bson.ObjectID]time.Time{}
	// Forget users not seen for a resolution period, so the map holds the
	// users of the last hour, not every user ever seen.
	now := s.now()
	maps.DeleteFunc(s.activity.noted, func(_ bson.ObjectID, t time.Time) bool { return now.Sub(t) >= activityResolution })
	s.activity.mu.Unlock()

	models := make([]mongo.WriteModel, 0, min(len(pending), mongodb.WriteBatch))
	written := 0
	flush := func() error {
		if len(models) == 0 {
			return nil
		}
		// $max keeps the latest time whatever the order of writers (one
		// field, atomic on MongoDB; each command runs alone on the
		// embedded server), so no per-user lock is needed.
		if _, err := s.users.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return fmt.Errorf("record activity: %w", err)
		}
		written += len(models)
		models = models[:0]
		return nil
	}
	for id, t := range pending {
		models = append(models, mongo.NewUpdateOneModel().
			SetFilter(bson.D{{Key: "_id", Value: id}}).
			SetUpdate(bson.D{{Key: "$max", Value: bson.D{{Key: "lastActiveAt", Value: t}}}}))
		if len(models) == mongodb.WriteBatch {
			if err := flush(); err != nil {
				s.requeue(pending)
				return written, err
			}
		}
	}
	if err := flush(); err != nil {
		s.requeue(pending)
		return written, err
	}
	if s.onActivity != nil && len(pending) > 0 {
		if err := s.onActivity(ctx, pending); err != nil {
			s.requeue(pending)
			return written, err
		}
	}
	return written, nil
}

// requeue puts activity that may not have been written back for the next
// flush (writing it twice is harmless: $max).
func (s *Service) requeue(pending map[bson.ObjectID]time.Time) {
	s.activity.mu.Lock()
	defer s.activity.mu.Unlock()
	for id, t := range pending {
		if t.After(s.activity.pending[id]) {
			s.activity.pending[id] = t
		}
	}
}

// MarkActive records the user as active now, at once (not written behind
// like Touch): for a lapsed member's "still interested" answer to the
// digest, which must count before the next digest run reads activity.
func (s *Service) MarkActive(ctx context.Context, id bson.ObjectID) error {
	now := s.now()
	if _, err := s.users.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "lastActiveAt", Value: now}}}}); err != nil {
		return fmt.Errorf("record activity: %w", err)
	}
	s.directory.touch(id, now)
	if s.onActivity != nil {
		return s.onActivity(ctx, map[bson.ObjectID]time.Time{id: now})
	}
	return nil
}
