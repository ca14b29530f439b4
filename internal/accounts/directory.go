package accounts

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/ids"
)

// Authenticate verifies an access token and returns the caller with the roles
// and status they hold now (not when the token was issued), so a suspension or
// a revoked role takes effect at once.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (Principal, error) {
	claims, err := s.signer.verify(accessToken)
	if err != nil {
		return Principal{}, apperr.ErrUnauthenticated
	}
	id, ok := ids.Parse(claims.Subject)
	if !ok {
		return Principal{}, apperr.ErrUnauthenticated
	}
	st, ok := s.directory.get(id)
	if !ok {
		u, err := s.Get(ctx, id)
		if apperr.KindOf(err) == apperr.NotFound || (err == nil && u.Former) {
			return Principal{}, apperr.ErrUnauthenticated
		}
		if err != nil {
			return Principal{}, err
		}
		st = s.remember(u)
	}
	if st.deleting {
		return Principal{}, ErrSessionEnded // the account is being deleted
	}
	if st.suspended {
		return Principal{}, ErrSuspended
	}
	if claims.SessionID != "" && s.revoked.has(claims.SessionID) {
		return Principal{}, ErrSessionEnded
	}
	return Principal{UserID: id, Roles: st.roles, Locale: st.locale, SessionID: claims.SessionID, EmailVerified: st.user.EmailVerified}, nil
}

// SyncDirectory reloads users changed since the last sync. It re-reads a short
// overlap so that writes stamped by a slightly slower clock are not missed.
func (s *Service) SyncDirectory(ctx context.Context) error {
	since := s.directory.watermark().Add(-30 * time.Second)
	users, err := s.ChangedSince(ctx, since)
	if err != nil {
		return err
	}
	// Other instances' logouts; the overlap re-reads a few, harmlessly.
	from := s.now().Add(-AccessTokenTTL)
	if since.After(from) {
		from = since
	}
	if err := s.loadRevocations(ctx, from); err != nil {
		return err
	}
	for _, u := range users {
		s.remember(u)
	}
	// Accounts deleted through other instances (their documents are gone).
	erased, latest, err := s.ErasedSince(ctx, s.erasedMark.Since())
	if err != nil {
		return err
	}
	s.forgetErased(erased)
	s.erasedMark.Saw(latest)
	return nil
}

// Badge is what others see of an account beside a profile: the name, and
// whether it is suspended.
type Badge struct {
	ID          bson.ObjectID `bson:"_id"`
	DisplayName string        `bson:"displayName"`
	Suspended   bool          `bson:"suspended"`
	// EmailVerified: unverified mentors are not listed.
	EmailVerified bool `bson:"emailVerified"`
}

// EachBadgeWithRole calls fn with the badge of every user holding role, one
// at a time as they are read (reading only those fields, for bulk loads).
func (s *Service) EachBadgeWithRole(ctx context.Context, role Role, fn func(Badge)) error {
	err := s.users.Each(ctx, bson.D{{Key: "roles", Value: role}}, func(raw bson.Raw) error {
		var b Badge
		if err := bson.Unmarshal(raw, &b); err != nil {
			return err
		}
		fn(b)
		return nil
	}, options.Find().SetProjection(bson.D{{Key: "displayName", Value: 1}, {Key: "suspended", Value: 1}, {Key: "roles", Value: 1}, {Key: "emailVerified", Value: 1}}))
	if err != nil {
		return fmt.Errorf("find users by role: %w", err)
	}
	return nil
}

// ChangedSince returns the users updated at or after t, without password hashes.
func (s *Service) ChangedSince(ctx context.Context, t time.Time) ([]User, error) {
	cur, err := s.users.Find(ctx, bson.D{{Key: "updatedAt", Value: bson.D{{Key: "$gte", Value: t}}}},
		options.Find().SetProjection(bson.D{{Key: "passwordHash", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("find changed users: %w", err)
	}
	var users []User
	if err := cur.All(ctx, &users); err != nil {
		return nil, fmt.Errorf("find changed users: %w", err)
	}
	return users, nil
}

// directory caches each user who made a request (without the password hash),
// so an authenticated request costs no database read. Every write of a user
// through this Service puts the new state; on MongoDB, SyncDirectory brings
// in the writes of other instances.
type directory struct {
	mu     sync.RWMutex
	m      map[bson.ObjectID]principalState
	latest time.Time
}

type principalState struct {
	roles     []Role
	locale    string
	suspended bool
	deleting  bool
	updatedAt time.Time
	user      User
}

// clone copies u so the caller may change it without touching the cache.
func (u User) clone() User {
	u.Roles = slices.Clone(u.Roles)
	return u
}

func (d *directory) get(id bson.ObjectID) (principalState, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	st, ok := d.m[id]
	return st, ok
}

// put records u unless a newer state is already known.
func (d *directory) put(u User) principalState {
	u = u.clone()
	u.PasswordHash = ""
	st := principalState{roles: u.Roles, locale: u.Locale, suspended: u.Suspended, deleting: u.Deleting, updatedAt: u.UpdatedAt, user: u}
	d.mu.Lock()
	defer d.mu.Unlock()
	if old, ok := d.m[u.ID]; ok && old.updatedAt.After(st.updatedAt) {
		return old
	}
	d.m[u.ID] = st
	if st.updatedAt.After(d.latest) {
		d.latest = st.updatedAt
	}
	return st
}

// touch records activity at t in a cached user.
func (d *directory) touch(id bson.ObjectID, t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if st, ok := d.m[id]; ok && t.After(st.user.LastActiveAt) {
		st.user.LastActiveAt = t
		d.m[id] = st
	}
}

func (d *directory) watermark() time.Time {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.latest
}
