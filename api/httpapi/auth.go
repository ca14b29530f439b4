package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// RegisterRequest creates an account.
type RegisterRequest struct {
	Email    string `json:"email" example:"yuki.sato@example.jp" validate:"max=254" binding:"required"`
	Password string `json:"password" example:"correct-horse-battery" validate:"max=128" binding:"required"`
	// 1 to 50 characters.
	DisplayName string `json:"displayName" example:"佐藤 由紀" validate:"max=50" binding:"required"`
	// Any of founder and mentor (a person may be both); other roles are granted by admins.
	Roles []string `json:"roles" enums:"founder,mentor" example:"mentor" validate:"max=10,dive,max=20"`
	// ja (default) or en.
	Locale string `json:"locale,omitempty" enums:"ja,en" example:"ja" validate:"max=5"`
}

// LoginRequest signs in.
type LoginRequest struct {
	Email    string `json:"email" example:"yuki.sato@example.jp" validate:"max=254" binding:"required"`
	Password string `json:"password" example:"correct-horse-battery" validate:"max=128" binding:"required"`
}

// RefreshRequest carries a refresh token (for refresh and logout).
type RefreshRequest struct {
	RefreshToken string `json:"refreshToken" example:"q9V3x2m7Yb0kP1sT8uW4zR6cN5aE3dF2gH1jK0lM9nB8" validate:"max=1024" binding:"required"`
}

// TokenPair is a fresh access token and its refresh token.
type TokenPair struct {
	// JWT to send as "Authorization: Bearer <accessToken>".
	AccessToken string `json:"accessToken" example:"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2NzNm..."`
	TokenType   string `json:"tokenType" example:"Bearer"`
	// Seconds until the access token expires.
	ExpiresIn            int       `json:"expiresIn" example:"900"`
	AccessTokenExpiresAt time.Time `json:"accessTokenExpiresAt" example:"2026-11-23T10:15:00Z"`
	// Opaque; single use: POST it to /v1/auth/refresh for a new pair.
	RefreshToken          string    `json:"refreshToken" example:"q9V3x2m7Yb0kP1sT8uW4zR6cN5aE3dF2gH1jK0lM9nB8"`
	RefreshTokenExpiresAt time.Time `json:"refreshTokenExpiresAt" example:"2026-12-23T10:00:00Z"`
}

// AuthResponse is the signed-in user with a token pair.
type AuthResponse struct {
	User   Me        `json:"user"`
	Tokens TokenPair `json:"tokens"`
}

func tokenPairView(p accounts.TokenPair) TokenPair {
	return TokenPair{
		AccessToken:           p.AccessToken,
		TokenType:             "Bearer",
		ExpiresIn:             int(accounts.AccessTokenTTL / time.Second),
		AccessTokenExpiresAt:  p.AccessExpiresAt,
		RefreshToken:          p.RefreshToken,
		RefreshTokenExpiresAt: p.RefreshExpiresAt,
	}
}

// register godoc
//
//	@Summary		Create an account
//	@Description	Creates an account and signs it in. Passwords: 10 to 128 characters, not the e-mail, not a common password. The e-mail is trimmed and lower-cased; one account per e-mail. A sign-up whose answer was lost (e.g. 503 storage_unavailable after the account was written) can simply be sent again: within 15 minutes of the account's creation, the same e-mail with the same password answers 201 with the account and new tokens instead of email_taken.
//	@ID				register
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			body			body		RegisterRequest	true	"The new account"
//	@Param			Idempotency-Key	header		string			false	"Makes retries safe: the same key (1-255 printable ASCII) with the same request within 24 hours answers the first response again (with Idempotent-Replayed: true) and creates nothing new"
//	@Success		201				{object}	AuthResponse
//	@Failure		400				{object}	Problem		"validation_failed, malformed_json, unknown_field"
//	@Failure		409				{object}	Problem		"email_taken, idempotency_in_progress"
//	@Failure		413				{object}	Problem		"body_too_large"
//	@Failure		415				{object}	Problem		"unsupported_media_type"
//	@Failure		422				{object}	Problem		"idempotency_key_reuse (this Idempotency-Key was sent with a different request)"
//	@Failure		429				{object}	Problem		"rate_limited: too many attempts from your address or for this e-mail (see Retry-After)"
//	@Header			429				{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500				{object}	Problem
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/auth/register [post]
func (s *Server) register(c *gin.Context) {
	var req RegisterRequest
	if !s.decodeJSON(c, &req) || !s.emailLimits.allow(c, req.Email, false) {
		return
	}
	roles := make([]accounts.Role, len(req.Roles))
	for i, r := range req.Roles {
		roles[i] = accounts.Role(r)
	}
	u, pair, err := s.accounts.Register(withClient(c), accounts.RegisterInput{
		Email: req.Email, Password: req.Password, DisplayName: req.DisplayName, Roles: roles, Locale: req.Locale,
	})
	if failIf(c, err) {
		return
	}
	c.Header("Location", "/v1/me")
	writeJSON(c, http.StatusCreated, AuthResponse{User: meView(u), Tokens: tokenPairView(pair)})
}

// login godoc
//
//	@Summary		Sign in
//	@Description	Unknown e-mail and wrong password get the same 401 invalid_credentials, in about the same time.
//	@ID				login
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			body	body		LoginRequest	true	"Credentials"
//	@Success		200		{object}	AuthResponse
//	@Failure		400		{object}	Problem	"malformed_json, unknown_field"
//	@Failure		401		{object}	Problem	"invalid_credentials"
//	@Failure		403		{object}	Problem	"account_suspended"
//	@Failure		413		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		429		{object}	Problem		"rate_limited: too many attempts from your address or for this e-mail (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/auth/login [post]
func (s *Server) login(c *gin.Context) {
	var req LoginRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	known, err := s.accounts.KnownAddress(c, req.Email, clientAddress(c))
	if failIf(c, err) || !s.emailLimits.allow(c, req.Email, known) {
		return
	}
	u, pair, err := s.accounts.Login(withClient(c), req.Email, req.Password)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, AuthResponse{User: meView(u), Tokens: tokenPairView(pair)})
}

// refresh godoc
//
//	@Summary		Rotate a refresh token
//	@Description	Returns a new token pair; the presented refresh token is dead afterwards. Presenting a token that was already used revokes every token of its sign-in (its family) and returns 401 refresh_token_reused.
//	@ID				refreshToken
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			body	body		RefreshRequest	true	"The current refresh token"
//	@Success		200		{object}	TokenPair
//	@Failure		400		{object}	Problem	"malformed_json, unknown_field"
//	@Failure		401		{object}	Problem	"invalid_refresh_token, refresh_token_reused"
//	@Failure		403		{object}	Problem	"account_suspended"
//	@Failure		413		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		429		{object}	Problem		"rate_limited: too many attempts from your address (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/auth/refresh [post]
func (s *Server) refresh(c *gin.Context) {
	var req RefreshRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	pair, err := s.accounts.Refresh(withClient(c), req.RefreshToken)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, tokenPairView(pair))
}

// logout godoc
//
//	@Summary		Sign out
//	@Description	Revokes the refresh token's whole family. Idempotent: an unknown or revoked token also gets 204. The session's access tokens stop working at once (401 session_ended), on every instance (others within the directory sync, about 2 s).
//	@ID				logout
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			body	body	RefreshRequest	true	"The refresh token to revoke"
//	@Success		204
//	@Failure		400	{object}	Problem	"validation_failed (no refreshToken), malformed_json, unknown_field"
//	@Failure		413	{object}	Problem
//	@Failure		415	{object}	Problem
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/auth/logout [post]
func (s *Server) logout(c *gin.Context) {
	var req RefreshRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	if req.RefreshToken == "" {
		// Nothing to sign out: a client mistake, not a signed-out session.
		var v apperr.Validation
		v.Add("refreshToken", "is required")
		fail(c, v.Err())
		return
	}
	if failIf(c, s.accounts.Logout(c, req.RefreshToken)) {
		return
	}
	c.Status(http.StatusNoContent)
}
