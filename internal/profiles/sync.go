package profiles

import (
	"context"
	"sync"
	"time"
)

// syncOverlap is how far back each refresh re-reads, so a write stamped by an
// instance whose clock runs a little behind is not missed. Re-reading is
// harmless: the index ignores profiles older than what it holds.
const syncOverlap = 30 * time.Second

// syncState is the newest updatedAt seen of profiles and of accounts, and
// when the index last caught up with the database.
type syncState struct {
	mu       sync.Mutex
	profiles time.Time
	founders time.Time
	users    time.Time
	synced   time.Time
}

// caughtUp records a load or sync that read everything written before t.
func (st *syncState) caughtUp(t time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if t.After(st.synced) {
		st.synced = t
	}
}

// IndexSyncedAt is when the last load or sync of the index that succeeded
// started: the index holds every change written before then (zero before the
// first load). Writes through this process reach the index at once as well.
func (s *Service) IndexSyncedAt() time.Time {
	s.sync.mu.Lock()
	defer s.sync.mu.Unlock()
	return s.sync.synced
}

func (st *syncState) sawFounder(t time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if t.After(st.founders) {
		st.founders = t
	}
}

func (st *syncState) saw(t time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if t.After(st.profiles) {
		st.profiles = t
	}
}

func (st *syncState) sawUser(t time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if t.After(st.users) {
		st.users = t
	}
}

func (st *syncState) marks() (profiles, founders, users time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.profiles, st.founders, st.users
}

// SyncIndex brings in profiles and accounts changed since the last sync.
func (s *Service) SyncIndex(ctx context.Context) error {
	started := s.now()
	profilesMark, foundersMark, usersMark := s.sync.marks()
	if err := s.syncMentors(ctx, profilesMark.Add(-syncOverlap)); err != nil {
		return err
	}
	if err := s.syncFounders(ctx, foundersMark.Add(-syncOverlap)); err != nil {
		return err
	}
	users, err := s.users.ChangedSince(ctx, usersMark.Add(-syncOverlap))
	if err != nil {
		return err
	}
	for _, u := range users {
		s.UserChanged(u)
		s.sync.sawUser(u.UpdatedAt)
	}
	// Accounts deleted through other instances: their profiles are gone.
	erased, latest, err := s.users.ErasedSince(ctx, s.erasedMark.Since())
	if err != nil {
		return err
	}
	s.forgetErased(erased)
	s.erasedMark.Saw(latest)
	s.sync.caughtUp(started)
	return nil
}
