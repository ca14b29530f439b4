package accounts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// FormerMemberName is how a deleted account is shown wherever others keep
// something it wrote or took part in (a mentorship's touchpoints, a post).
const FormerMemberName = "退会したユーザー / former member"

// What this file adds to the accounts' storage for deleted accounts.
//
//   - former_members: one document per deleted account, {_id: a new random
//     id}. What others keep of a deleted member (a mentorship, a post) is
//     moved from the member's id to this one, which links to nothing: it only
//     tells readers "a former member" (see Get).
//   - erased_accounts: {_id: ErasureHash(user id), at}: how other instances
//     learn, at their next sync, that an account they hold in memory is gone
//     (its documents are, by then). Only a hash: the id itself is not kept.
const (
	colFormers = "former_members"
	colErased  = "erased_accounts"
)

// ErasureHash is what is kept of a deleted account's id (see colErased).
func ErasureHash(id bson.ObjectID) string {
	sum := sha256.Sum256([]byte("kizuna erased account " + id.Hex()))
	return hex.EncodeToString(sum[:])
}

// formers caches the ids known to be former members.
type formers struct {
	mu sync.RWMutex
	m  map[bson.ObjectID]bool
}

func (f *formers) has(id bson.ObjectID) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.m[id]
}

func (f *formers) add(id bson.ObjectID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[bson.ObjectID]bool{}
	}
	f.m[id] = true
}

// formerMember is the account others see in place of a deleted one.
func formerMember(id bson.ObjectID) User {
	return User{ID: id, DisplayName: FormerMemberName, Former: true, Locale: LocaleJa}
}

// isFormer reports whether id is a former member's (cached once seen).
func (s *Service) isFormer(ctx context.Context, id bson.ObjectID) (bool, error) {
	if s.formerIDs.has(id) {
		return true, nil
	}
	n, err := s.formers.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return false, fmt.Errorf("find former member: %w", err)
	}
	if n > 0 {
		s.formerIDs.add(id)
	}
	return n > 0, nil
}

// CheckPassword verifies the user's current password (before a deletion):
// a mismatch is a validation error on field.
func (s *Service) CheckPassword(ctx context.Context, id bson.ObjectID, field, password string) error {
	u, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	ok, err := verifyPassword(u.PasswordHash, password)
	if err != nil || !ok {
		var v apperr.Validation
		v.Add(field, "does not match your password")
		return v.Err()
	}
	return nil
}

// Erasing is what BeginErasure found of the account, for the later steps.
type Erasing struct {
	DisplayName string // the name it had, "" when erasing had begun before
	Email       string
	Phone       string
}

// BeginErasure is the first step of deleting an account: from now on it is
// shown as a former member, cannot sign in, and its sessions and access
// tokens end (on this instance at once, on others at their next sync). It
// returns what the account was, which BeginErasure itself then hides.
// Running it again is harmless.
func (s *Service) BeginErasure(ctx context.Context, id bson.ObjectID) (Erasing, error) {
	u, err := s.load(ctx, id)
	if apperr.KindOf(err) == apperr.NotFound {
		return Erasing{}, nil // deleted already: a later run of the same deletion
	}
	if err != nil {
		return Erasing{}, err
	}
	was := Erasing{Email: u.Email, Phone: u.Phone}
	if !u.Deleting {
		was.DisplayName = u.DisplayName
	}
	if _, err := s.update(ctx, id, bson.D{
		{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}, {Key: "displayName", Value: FormerMemberName}, {Key: "updatedAt", Value: s.now()}}},
		{Key: "$unset", Value: bson.D{{Key: "phone", Value: ""}}},
	}); err != nil {
		return Erasing{}, err
	}
	s.activity.forget(id)
	_, err = s.erased.InsertOne(ctx, bson.D{{Key: "_id", Value: ErasureHash(id)}, {Key: "at", Value: s.now()}})
	if err != nil && !mongodb.IsDuplicateKey(err) {
		return Erasing{}, fmt.Errorf("record erasure: %w", err)
	}
	if err := s.revokeOtherSessions(ctx, id, "", "account_deleted"); err != nil {
		return Erasing{}, err
	}
	return was, nil
}

// AddFormer records formerID as a former member's (idempotent).
func (s *Service) AddFormer(ctx context.Context, formerID bson.ObjectID) error {
	_, err := s.formers.InsertOne(ctx, bson.D{{Key: "_id", Value: formerID}})
	if err != nil && !mongodb.IsDuplicateKey(err) {
		return fmt.Errorf("record former member: %w", err)
	}
	s.formerIDs.add(formerID)
	return nil
}

// EraseSessions deletes every trace of the user's sign-ins: refresh tokens,
// the records of their uses, and the records of their revocations.
func (s *Service) EraseSessions(ctx context.Context, id bson.ObjectID) error {
	var hashes []string
	err := s.tokens.Each(ctx, bson.D{{Key: "userId", Value: id}}, func(raw bson.Raw) error {
		hashes = append(hashes, raw.Lookup("_id").StringValue())
		return nil
	}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("find refresh tokens: %w", err)
	}
	// Uses first: they are found through the tokens.
	for i := 0; i < len(hashes); i += 100 {
		batch := hashes[i:min(i+100, len(hashes))]
		if _, err := s.tokenUses.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: batch}}}}); err != nil {
			return fmt.Errorf("delete refresh token uses: %w", err)
		}
	}
	if _, err := s.tokens.DeleteMany(ctx, bson.D{{Key: "userId", Value: id}}); err != nil {
		return fmt.Errorf("delete refresh tokens: %w", err)
	}
	if _, err := s.revocations.DeleteMany(ctx, bson.D{{Key: "userId", Value: id}}); err != nil {
		return fmt.Errorf("delete session revocations: %w", err)
	}
	return nil
}

// EraseAccount is the last step of a deletion: the account document goes
// (so its e-mail address can sign up again), and this instance forgets it.
func (s *Service) EraseAccount(ctx context.Context, id bson.ObjectID) error {
	unlock := s.db.Lock(colUsers, id)
	defer unlock()
	if _, err := s.users.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	s.directory.forget(id)
	s.activity.forget(id)
	return nil
}

// ErasedSince returns the hashes (see ErasureHash) of the accounts deleted
// at or after t, for read models that hold accounts by id, and the latest
// time among them (t when there are none).
func (s *Service) ErasedSince(ctx context.Context, t time.Time) (map[string]bool, time.Time, error) {
	out := map[string]bool{}
	latest := t
	err := s.erased.Each(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$gte", Value: t}}}}, func(raw bson.Raw) error {
		out[raw.Lookup("_id").StringValue()] = true
		if at := raw.Lookup("at").Time(); at.After(latest) {
			latest = at
		}
		return nil
	})
	if err != nil {
		return nil, t, fmt.Errorf("find erased accounts: %w", err)
	}
	return out, latest, nil
}

// ErasedMark remembers how far a reader of ErasedSince has come, re-reading
// a short overlap (a slower clock's writes) the way the other syncs do.
type ErasedMark struct {
	mu sync.Mutex
	at time.Time
}

// Since is where the next read starts.
func (m *ErasedMark) Since() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.at.IsZero() {
		return m.at
	}
	return m.at.Add(-30 * time.Second)
}

// Saw moves the mark to t unless it is further already.
func (m *ErasedMark) Saw(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(m.at) {
		m.at = t
	}
}

// forgetErased drops from the directory the accounts whose hashes are in
// erased (deleted through another instance).
func (s *Service) forgetErased(erased map[string]bool) {
	if len(erased) == 0 {
		return
	}
	for _, id := range s.directory.ids() {
		if erased[ErasureHash(id)] {
			s.directory.forget(id)
			s.activity.forget(id)
		}
	}
}

func (d *directory) forget(id bson.ObjectID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.m, id)
}

func (d *directory) ids() []bson.ObjectID {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]bson.ObjectID, 0, len(d.m))
	for id := range d.m {
		out = append(out, id)
	}
	return out
}

func (a *activity) forget(id bson.ObjectID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.noted, id)
	delete(a.pending, id)
}
