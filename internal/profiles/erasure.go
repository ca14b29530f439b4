package profiles

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
)

// Erase deletes the user's mentor and founder profiles (a deleted account)
// and takes them out of the in-memory index and briefs. Idempotent.
func (s *Service) Erase(ctx context.Context, userID bson.ObjectID) error {
	s.Forget(userID)
	if _, err := s.mentors.DeleteOne(ctx, bson.D{{Key: "_id", Value: userID}}); err != nil {
		return fmt.Errorf("delete mentor profile: %w", err)
	}
	if _, err := s.founders.DeleteOne(ctx, bson.D{{Key: "_id", Value: userID}}); err != nil {
		return fmt.Errorf("delete founder profile: %w", err)
	}
	s.Forget(userID) // a sync may have brought it back meanwhile
	return nil
}

// Forget drops a deleted account from the mentor index and the founder
// briefs of this process.
func (s *Service) Forget(userID bson.ObjectID) {
	s.index.Remove(userID)
	s.founderMu.Lock()
	delete(s.briefs, userID)
	s.founderMu.Unlock()
}

// forgetErased drops the accounts deleted through other instances (see
// accounts.ErasedSince) from the index and the briefs.
func (s *Service) forgetErased(erased map[string]bool) {
	if len(erased) == 0 {
		return
	}
	for _, id := range s.index.IDs() {
		if erased[accounts.ErasureHash(id)] {
			s.Forget(id)
		}
	}
	s.founderMu.RLock()
	var gone []bson.ObjectID
	for id := range s.briefs {
		if erased[accounts.ErasureHash(id)] {
			gone = append(gone, id)
		}
	}
	s.founderMu.RUnlock()
	for _, id := range gone {
		s.Forget(id)
	}
}
