package accounts

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Pruned counts what PruneSessions deleted.
type Pruned struct {
	Tokens      int64 // refresh tokens past their expiry
	Uses        int64 // records of used refresh tokens
	Revocations int64 // revoked sessions
}

// PruneSessions deletes what sessions no longer need: refresh tokens past
// their expiry, and records of used tokens and revoked sessions older than a
// refresh token lives (every token they could concern has expired by then,
// and an expired token is refused whatever they say).
func (s *Service) PruneSessions(ctx context.Context) (Pruned, error) {
	var p Pruned
	now := s.now()
	res, err := s.tokens.DeleteMany(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now}}}})
	if res != nil {
		p.Tokens = res.DeletedCount
	}
	if err != nil {
		return p, fmt.Errorf("prune refresh tokens: %w", err)
	}
	old := bson.D{{Key: "at", Value: bson.D{{Key: "$lte", Value: now.Add(-RefreshTokenTTL)}}}}
	if res, err = s.tokenUses.DeleteMany(ctx, old); res != nil {
		p.Uses = res.DeletedCount
	}
	if err != nil {
		return p, fmt.Errorf("prune refresh token uses: %w", err)
	}
	if res, err = s.revocations.DeleteMany(ctx, old); res != nil {
		p.Revocations = res.DeletedCount
	}
	if err != nil {
		return p, fmt.Errorf("prune session revocations: %w", err)
	}
	return p, nil
}
