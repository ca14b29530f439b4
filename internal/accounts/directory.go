package accounts

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
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

// directoryLimit is how many users the directory holds at most.
const directoryLimit = 50_000

// directory caches users who made a request (without the password hash), so
// an authenticated request costs no database read. Every write of a user
// through this Service puts the new state; on MongoDB, SyncDirectory brings
// in the writes of other instances.
//
// It is bounded by eviction rather than by an idle sweep: a sweep needs a
// caller on a timer (SyncDirectory runs only on MongoDB) and a clock, and
// still grows without bound between sweeps when many users arrive at once.
// When a new user would pass the limit, the least recently used quarter is
// dropped (a sort once per limit/4 new users: O(log n) a user, amortized).
// Nothing is lost by evicting: the database holds every user, and an evicted
// user's next request reads them back (Get and Authenticate on a miss).
type directory struct {
	mu     sync.RWMutex
	m      map[bson.ObjectID]*dirEntry
	limit  int           // 0: directoryLimit
	uses   atomic.Uint64 // a logical clock of reads and writes, for recency
	latest time.Time
}

type dirEntry struct {
	st   principalState
	used atomic.Uint64 // the uses count at this entry's last read or write
}

func newDirectory() directory {
	return directory{m: map[bson.ObjectID]*dirEntry{}}
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
	e, ok := d.m[id]
	if !ok {
		return principalState{}, false
	}
	e.used.Store(d.uses.Add(1))
	return e.st, true
}

// put records u unless a newer state is already known.
func (d *directory) put(u User) principalState {
	u = u.clone()
	u.PasswordHash = ""
	st := principalState{roles: u.Roles, locale: u.Locale, suspended: u.Suspended, deleting: u.Deleting, updatedAt: u.UpdatedAt, user: u}
	d.mu.Lock()
	defer d.mu.Unlock()
	if st.updatedAt.After(d.latest) {
		d.latest = st.updatedAt
	}
	if old, ok := d.m[u.ID]; ok {
		old.used.Store(d.uses.Add(1))
		if old.st.updatedAt.After(st.updatedAt) {
			return old.st
		}
		old.st = st
		return st
	}
	if len(d.m) >= d.max() {
		d.evict()
	}
	e := &dirEntry{st: st}
	e.used.Store(d.uses.Add(1))
	d.m[u.ID] = e
	return st
}

func (d *directory) max() int {
	if d.limit > 0 {
		return d.limit
	}
	return directoryLimit
}

// evict drops the least recently used entries down to three quarters of the
// limit. The caller holds d.mu for writing.
func (d *directory) evict() {
	type use struct {
		id   bson.ObjectID
		used uint64
	}
	all := make([]use, 0, len(d.m))
	for id, e := range d.m {
		all = append(all, use{id, e.used.Load()})
	}
	slices.SortFunc(all, func(a, b use) int { return cmp.Compare(a.used, b.used) })
	keep := d.max() * 3 / 4
	for _, u := range all[:max(len(all)-keep, 0)] {
		delete(d.m, u.id)
	}
}

// touch records activity at t in a cached user.
func (d *directory) touch(id bson.ObjectID, t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.m[id]; ok && t.After(e.st.user.LastActiveAt) {
		e.st.user.LastActiveAt = t
	}
}

func (d *directory) len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.m)
}

func (d *directory) watermark() time.Time {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.latest
}
