package accounts

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/apperr"
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

// Client is what is known of the program a session was started from.
type Client struct {
	UserAgent string
	Address   string
}

type clientKey struct{}

// WithClient tells the token issuer who is asking (the HTTP layer sets it
// for sign-up, sign-in and refresh), so sessions can be told apart.
func WithClient(ctx context.Context, c Client) context.Context {
	if len(c.UserAgent) > maxUserAgent {
		c.UserAgent = c.UserAgent[:maxUserAgent]
	}
	return context.WithValue(ctx, clientKey{}, c)
}

// maxUserAgent bounds what is stored of a User-Agent header.
const maxUserAgent = 200

func clientOf(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// Session is one sign-in: a refresh-token family, from sign-in to now.
type Session struct {
	ID         string
	CreatedAt  time.Time
	LastUsedAt time.Time // the latest sign-in or refresh
	ExpiresAt  time.Time // unless used again before
	UserAgent  string
	Address    string
	Current    bool // the session of the caller's access token
}

// ErrSessionNotFound is returned for a session that is not the caller's, or
// no longer active.
var ErrSessionNotFound = apperr.NotFoundf("no active session with that id")

// Sessions lists the caller's active sessions, the latest used first.
func (s *Service) Sessions(ctx context.Context, p Principal) ([]Session, error) {
	cur, err := s.tokens.Find(ctx, bson.D{{Key: "userId", Value: p.UserID}})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	var tokens []refreshToken
	if err := cur.All(ctx, &tokens); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	byID := map[string]*Session{}
	var ids []string
	for _, t := range tokens {
		ss := byID[t.FamilyID]
		if ss == nil {
			ss = &Session{ID: t.FamilyID, CreatedAt: t.IssuedAt, Current: t.FamilyID == p.SessionID}
			byID[t.FamilyID] = ss
			ids = append(ids, t.FamilyID)
		}
		ss.CreatedAt = minTime(ss.CreatedAt, t.IssuedAt)
		if !t.IssuedAt.Before(ss.LastUsedAt) {
			ss.LastUsedAt, ss.ExpiresAt, ss.UserAgent, ss.Address = t.IssuedAt, t.ExpiresAt, t.UserAgent, t.Address
		}
	}
	if len(ids) == 0 {
		return []Session{}, nil
	}
	revoked := map[string]bool{}
	err = s.revocations.Each(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, func(raw bson.Raw) error {
		revoked[raw.Lookup("_id").StringValue()] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	now := s.now()
	out := make([]Session, 0, len(ids))
	for _, id := range ids {
		if ss := byID[id]; !revoked[id] && now.Before(ss.ExpiresAt) {
			out = append(out, *ss)
		}
	}
	slices.SortFunc(out, func(a, b Session) int {
		if c := b.LastUsedAt.Compare(a.LastUsedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// EndSession signs one of the caller's sessions out (the caller's own
// included): its refresh and access tokens stop working at once.
func (s *Service) EndSession(ctx context.Context, p Principal, id string) error {
	sessions, err := s.Sessions(ctx, p)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(sessions, func(ss Session) bool { return ss.ID == id }) {
		return ErrSessionNotFound
	}
	return s.revokeFamily(ctx, id, p.UserID, "signed_out")
}

// EndAllSessions signs every session of the caller out, this one included
// (a lost phone: sign out everywhere, then sign in again).
func (s *Service) EndAllSessions(ctx context.Context, p Principal) error {
	return s.revokeOtherSessions(ctx, p.UserID, "", "signed_out_everywhere")
}
