package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Known addresses: each account remembers the client addresses it signed in
// from successfully (the latest maxKnownAddresses), as keyed hashes, so the
// sign-in limits can tell the owner's usual places from a stranger's (see
// the HTTP layer's emailLimits): a stranger's failures from elsewhere never
// block a correct password from a remembered address. Only hashes are
// stored (HMAC-SHA-256 under the token secret): the database does not hold
// where people sign in from.
const maxKnownAddresses = 10

// addressHash is what is stored of a client address.
func (s *Service) addressHash(address string) string {
	mac := hmac.New(sha256.New, s.signer.secret)
	mac.Write([]byte("kizuna known address " + address))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// KnownAddress reports whether the account of email has signed in from
// address before. An unknown e-mail is false.
func (s *Service) KnownAddress(ctx context.Context, email, address string) (bool, error) {
	if address == "" {
		return false, nil
	}
	var u struct {
		Known []string `bson:"knownAddresses"`
	}
	err := s.users.FindOne(ctx, bson.D{{Key: "email", Value: normalizeEmail(email)}},
		options.FindOne().SetProjection(bson.D{{Key: "knownAddresses", Value: 1}})).Decode(&u)
	if mongodb.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find known addresses: %w", err)
	}
	return slices.Contains(u.Known, s.addressHash(address)), nil
}

// rememberAddress records the request's client address for u after a
// successful sign-in or sign-up, unless it is remembered already (most
// sign-ins write nothing). A failure is logged: the sign-in stands.
func (s *Service) rememberAddress(ctx context.Context, u User) {
	address := clientOf(ctx).Address
	if address == "" {
		return
	}
	h := s.addressHash(address)
	if slices.Contains(u.KnownAddresses, h) {
		return
	}
	unlock := s.db.Lock(colUsers, u.ID)
	defer unlock()
	var cur struct {
		Known []string `bson:"knownAddresses"`
	}
	err := s.users.FindOne(ctx, bson.D{{Key: "_id", Value: u.ID}}, options.FindOne().SetProjection(bson.D{{Key: "knownAddresses", Value: 1}})).Decode(&cur)
	if err == nil && !slices.Contains(cur.Known, h) {
		known := append(slices.DeleteFunc(cur.Known, func(k string) bool { return k == h }), h)
		if len(known) > maxKnownAddresses {
			known = known[len(known)-maxKnownAddresses:]
		}
		// Not an edit of the account: updatedAt stays.
		_, err = s.users.UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "knownAddresses", Value: known}}}})
	}
	if err != nil {
		s.log.WarnContext(ctx, "remember sign-in address", "userId", u.ID.Hex(), "err", err)
	}
}
