package accounts

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// A token from SignAccessToken is what the server's signer accepts, for
// AccessTokenTTL.
func TestSignAccessToken(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	id := bson.NewObjectID()
	token, err := SignAccessToken(secret, id, []Role{RoleFounder}, now)
	if err != nil {
		t.Fatal(err)
	}
	clock := now.Add(AccessTokenTTL - time.Minute)
	s, err := newTokenSigner(secret, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	claims, err := s.verify(token)
	if err != nil || claims.Subject != id.Hex() || len(claims.Roles) != 1 || claims.Roles[0] != RoleFounder {
		t.Fatalf("verify: %v, %+v", err, claims)
	}
	clock = now.Add(AccessTokenTTL + time.Minute)
	if _, err := s.verify(token); err == nil {
		t.Fatal("expired token accepted")
	}
	if _, err := SignAccessToken([]byte("short"), id, nil, now); err == nil {
		t.Fatal("short secret accepted")
	}
}
