package accounts

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// revokedSessions are the sessions (refresh-token families) revoked within
// the last access-token lifetime. An access token names its session (sid),
// so a logout, a password change or a reused refresh token ends the
// session's access tokens at once rather than when they expire. Older
// revocations need no entry: every access token of those sessions has
// expired. On MongoDB other instances' revocations arrive with
// SyncDirectory; at start the recent ones are loaded.
type revokedSessions struct {
	mu sync.RWMutex
	at map[string]time.Time // session id -> when it was revoked
}

func (r *revokedSessions) add(sessionID string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.at == nil {
		r.at = map[string]time.Time{}
	}
	r.at[sessionID] = at
	// Bounded by the revocations of one token lifetime, not of all time.
	maps.DeleteFunc(r.at, func(_ string, t time.Time) bool { return at.Sub(t) > AccessTokenTTL })
}

func (r *revokedSessions) has(sessionID string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.at[sessionID]
	return ok
}

// loadRevocations brings in the sessions revoked since t (by any instance).
func (s *Service) loadRevocations(ctx context.Context, t time.Time) error {
	err := s.revocations.Each(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$gte", Value: t}}}}, func(raw bson.Raw) error {
		var r struct {
			ID string    `bson:"_id"`
			At time.Time `bson:"at"`
		}
		if err := bson.Unmarshal(raw, &r); err != nil {
			return err
		}
		s.revoked.add(r.ID, r.At)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load session revocations: %w", err)
	}
	return nil
}
