package accounts

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

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

// Purposes of e-mail tokens, and the tokens a mail would carry.
const (
	PurposeVerify = purposeVerify
	PurposeReset  = purposeReset
)

// IssueEmailToken stores a token as a verification or reset mail does and
// returns it raw (the mail's link carries it).
func IssueEmailToken(ctx context.Context, s *Service, userID bson.ObjectID, purpose string) (string, error) {
	u, err := s.load(ctx, userID)
	if err != nil {
		return "", err
	}
	ttl := VerifyTokenTTL
	if purpose == purposeReset {
		ttl = ResetTokenTTL
	}
	raw, _, err := s.issueEmailToken(ctx, u, purpose, ttl)
	return raw, err
}
