package accounts

import "go.mongodb.org/mongo-driver/v2/bson"

// For the package's tests (package accounts_test).

// SetDirectoryLimit bounds s's principal directory to n users.
func SetDirectoryLimit(s *Service, n int) {
	s.directory.mu.Lock()
	defer s.directory.mu.Unlock()
	s.directory.limit = n
}

// DirectoryLen is how many users s's directory holds.
func DirectoryLen(s *Service) int { return s.directory.len() }

// ActivityHeld is how many users s keeps activity for in memory: noted
// (throttled) and pending (not yet written).
func ActivityHeld(s *Service) (noted, pending int) {
	s.activity.mu.Lock()
	defer s.activity.mu.Unlock()
	return len(s.activity.noted), len(s.activity.pending)
}

// DirectoryHolds reports whether s's directory holds the user.
func DirectoryHolds(s *Service, id bson.ObjectID) bool {
	_, ok := s.directory.get(id)
	return ok
}
