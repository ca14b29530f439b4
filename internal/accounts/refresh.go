package accounts

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// refreshToken is a stored refresh token. Tokens of one sign-in share a family;
// reuse of a rotated token revokes the family.
type refreshToken struct {
	Hash      string        `bson:"_id"`
	FamilyID  string        `bson:"familyId"`
	UserID    bson.ObjectID `bson:"userId"`
	IssuedAt  time.Time     `bson:"issuedAt"`
	ExpiresAt time.Time     `bson:"expiresAt"`
	// Who asked for it, so the owner can tell their sessions apart.
	UserAgent string `bson:"userAgent,omitempty"`
	Address   string `bson:"address,omitempty"`
}

func (s *Service) startSession(ctx context.Context, u User) (TokenPair, error) {
	return s.issue(ctx, u, randomToken(16))
}

func (s *Service) issue(ctx context.Context, u User, familyID string) (TokenPair, error) {
	now := s.now()
	raw := randomToken(32)
	client := clientOf(ctx)
	rt := refreshToken{
		Hash:      hashRefreshToken(raw),
		FamilyID:  familyID,
		UserID:    u.ID,
		IssuedAt:  now,
		ExpiresAt: now.Add(RefreshTokenTTL),
		UserAgent: client.UserAgent,
		Address:   client.Address,
	}
	if _, err := s.tokens.InsertOne(ctx, rt); err != nil {
		return TokenPair{}, fmt.Errorf("insert refresh token: %w", err)
	}
	access, exp, err := s.signer.sign(u.ID, u.Roles, familyID, now)
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: access, AccessExpiresAt: exp, RefreshToken: raw, RefreshExpiresAt: rt.ExpiresAt}, nil
}

// Refresh rotates a refresh token: it returns a new pair and the presented
// token is dead. Presenting a token that was already rotated revokes its whole
// family, since either the client or a thief is replaying it.
func (s *Service) Refresh(ctx context.Context, raw string) (TokenPair, error) {
	rt, err := s.findRefreshToken(ctx, raw)
	if err != nil {
		return TokenPair{}, err
	}
	// Exactly one use per token, arbitrated by the unique _id of the use record.
	_, err = s.tokenUses.InsertOne(ctx, bson.D{{Key: "_id", Value: rt.Hash}, {Key: "at", Value: s.now()}})
	if mongodb.IsDuplicateKey(err) {
		if err := s.revokeFamily(ctx, rt.FamilyID, rt.UserID, "reuse"); err != nil {
			return TokenPair{}, err
		}
		s.log.WarnContext(ctx, "refresh token reused; family revoked", "userId", rt.UserID.Hex())
		return TokenPair{}, ErrRefreshTokenReused
	}
	if err != nil {
		return TokenPair{}, fmt.Errorf("record refresh token use: %w", err)
	}
	u, err := s.Get(ctx, rt.UserID)
	if err != nil {
		return TokenPair{}, err
	}
	if u.Suspended {
		return TokenPair{}, ErrSuspended
	}
	if u.Deleting || u.Former {
		return TokenPair{}, ErrInvalidRefreshToken
	}
	return s.issue(ctx, u, rt.FamilyID)
}

// Logout revokes the family of the presented refresh token. Unknown or already
// revoked tokens are not an error: the session is gone either way.
func (s *Service) Logout(ctx context.Context, raw string) error {
	var rt refreshToken
	err := s.tokens.FindOne(ctx, bson.D{{Key: "_id", Value: hashRefreshToken(raw)}}).Decode(&rt)
	if mongodb.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find refresh token: %w", err)
	}
	return s.revokeFamily(ctx, rt.FamilyID, rt.UserID, "logout")
}

func (s *Service) findRefreshToken(ctx context.Context, raw string) (refreshToken, error) {
	if raw == "" || len(raw) > 256 {
		return refreshToken{}, ErrInvalidRefreshToken
	}
	rt, err := mongodb.FindOne[refreshToken](ctx, s.tokens, bson.D{{Key: "_id", Value: hashRefreshToken(raw)}}, ErrInvalidRefreshToken)
	if err != nil {
		return refreshToken{}, err
	}
	if !s.now().Before(rt.ExpiresAt) {
		return refreshToken{}, ErrInvalidRefreshToken
	}
	n, err := s.revocations.CountDocuments(ctx, bson.D{{Key: "_id", Value: rt.FamilyID}})
	if err != nil {
		return refreshToken{}, fmt.Errorf("check revocation: %w", err)
	}
	if n > 0 {
		return refreshToken{}, ErrInvalidRefreshToken
	}
	return rt, nil
}

// revokeFamily records the revocation; revoking twice is a no-op.
func (s *Service) revokeFamily(ctx context.Context, familyID string, userID bson.ObjectID, reason string) error {
	now := s.now()
	_, err := s.revocations.InsertOne(ctx, bson.D{
		{Key: "_id", Value: familyID}, {Key: "userId", Value: userID},
		{Key: "reason", Value: reason}, {Key: "at", Value: now},
	})
	if err != nil && !mongodb.IsDuplicateKey(err) {
		return fmt.Errorf("revoke session: %w", err)
	}
	s.revoked.add(familyID, now) // its access tokens stop at once
	return nil
}

// revokeOtherSessions revokes every active session of the user but keep.
func (s *Service) revokeOtherSessions(ctx context.Context, userID bson.ObjectID, keep, reason string) error {
	sessions, err := s.Sessions(ctx, Principal{UserID: userID})
	if err != nil {
		return err
	}
	for _, ss := range sessions {
		if ss.ID == keep {
			continue
		}
		if err := s.revokeFamily(ctx, ss.ID, userID, reason); err != nil {
			return err
		}
	}
	return nil
}
