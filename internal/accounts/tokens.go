package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Token lifetimes: access tokens are short so a leaked one is worth little;
// refresh tokens are rotated on every use.
const (
	AccessTokenTTL  = 15 * time.Minute
	RefreshTokenTTL = 30 * 24 * time.Hour
)

const (
	tokenIssuer   = "kizuna"
	tokenAudience = "kizuna-api"
	minSecretLen  = 32
)

// TokenPair is what a client receives when it signs in or refreshes.
type TokenPair struct {
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
}

// accessClaims are the JWT claims of an access token. SessionID is the refresh
// token family the access token was issued with.
type accessClaims struct {
	Roles     []Role `json:"roles"`
	SessionID string `json:"sid"`
	jwt.RegisteredClaims
}

// tokenSigner issues and verifies HS256 access tokens.
type tokenSigner struct {
	secret []byte
	parser *jwt.Parser
	now    func() time.Time
	cache  verifiedTokens
}

// verifiedTokens remembers access tokens that passed verification, so the
// same token presented again (every request of a session) skips the HMAC and
// the JSON decoding of its claims, which allocate heavily. Only the outcome
// of verification is cached: expiry is checked on every use, and the caller's
// status (suspension, roles) is looked up fresh each time.
type verifiedTokens struct {
	mu sync.RWMutex
	m  map[string]*accessClaims
}

// maxVerifiedTokens bounds the cache (about 3 MB); when full it is emptied,
// which only costs re-verification.
const maxVerifiedTokens = 10_000

func (c *verifiedTokens) get(token string) (*accessClaims, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	claims, ok := c.m[token]
	return claims, ok
}

func (c *verifiedTokens) put(token string, claims *accessClaims) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxVerifiedTokens {
		clear(c.m)
	}
	c.m[token] = claims
}

func newTokenSigner(secret []byte, now func() time.Time) (*tokenSigner, error) {
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("accounts: JWT secret must be at least %d bytes", minSecretLen)
	}
	return &tokenSigner{
		secret: secret,
		now:    now,
		cache:  verifiedTokens{m: map[string]*accessClaims{}},
		// The algorithm is pinned: a token claiming "none" or RS256 is refused.
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(tokenIssuer),
			jwt.WithAudience(tokenAudience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(5*time.Second),
			jwt.WithTimeFunc(now),
		),
	}, nil
}

func (s *tokenSigner) sign(userID bson.ObjectID, roles []Role, sessionID string, now time.Time) (string, time.Time, error) {
	exp := now.Add(AccessTokenTTL)
	claims := accessClaims{
		Roles:     roles,
		SessionID: sessionID,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    tokenIssuer,
			Audience:  jwt.ClaimStrings{tokenAudience},
			Subject:   userID.Hex(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        randomToken(16),
		},
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.secret)
	return signed, exp, err
}

var errBadToken = errors.New("accounts: invalid access token")

func (s *tokenSigner) verify(token string) (*accessClaims, error) {
	if claims, ok := s.cache.get(token); ok {
		if !s.now().Before(claims.ExpiresAt.Time) {
			return nil, errBadToken
		}
		return claims, nil
	}
	var claims accessClaims
	_, err := s.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return s.secret, nil })
	if err != nil {
		return nil, errBadToken
	}
	s.cache.put(token, &claims)
	return &claims, nil
}

// randomToken returns n random bytes, base64url encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("accounts: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashRefreshToken is how a refresh token is stored and looked up: only its
// SHA-256, so a database leak does not leak usable tokens.
func hashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SignAccessToken issues the access token a server holding secret would issue
// to userID at now. Load tests use it (scripts/benchseed) to give many
// seeded callers tokens without an argon2 sign-in each.
func SignAccessToken(secret []byte, userID bson.ObjectID, roles []Role, now time.Time) (string, error) {
	s, err := newTokenSigner(secret, func() time.Time { return now })
	if err != nil {
		return "", err
	}
	token, _, err := s.sign(userID, roles, randomToken(16), now)
	return token, err
}
