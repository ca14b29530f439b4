package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// VerifyEmailRequest carries the token of a verification link.
type VerifyEmailRequest struct {
	// The token from the link mailed at sign-up (or by resend).
	Token string `json:"token" example:"m2Xq7Yb0kP1sT8uW4zR6cN5aE3dF2gH1jK0lM9nB8vC" validate:"max=256"`
}

// VerifyEmailResponse is the outcome of a verification.
type VerifyEmailResponse struct {
	EmailVerified bool `json:"emailVerified" example:"true"`
}

// PasswordResetRequest asks for a reset link.
type PasswordResetRequest struct {
	Email string `json:"email" example:"yuki.sato@example.jp" validate:"max=254"`
}

// PasswordResetConfirmRequest sets a new password with a reset token.
type PasswordResetConfirmRequest struct {
	// The token from the reset link.
	Token string `json:"token" example:"m2Xq7Yb0kP1sT8uW4zR6cN5aE3dF2gH1jK0lM9nB8vC" validate:"max=256"`
	// 10 to 128 characters, not the e-mail, not a common password.
	NewPassword string `json:"newPassword" example:"a-longer-passphrase-2026" validate:"max=128"`
}

// AcceptedResponse says a request was taken and will be acted on.
type AcceptedResponse struct {
	Status string `json:"status" example:"accepted"`
	// What happens next.
	Detail string `json:"detail" example:"If an account has this e-mail address, a link to reset its password is on its way; it is valid for 30 minutes."`
}

// verifyEmail godoc
//
//	@Summary		Confirm an e-mail address
//	@Description	Spends the single-use token of a verification link (valid 24 hours). No sign-in needed: the link may be opened on another device. Once confirmed the account can ask for introductions, post, and be listed as a mentor; an address listed in KIZUNA_ADMIN_EMAILS gets the admin role now. An unknown, expired or used token gets 400 invalid_token.
//	@ID				verifyEmail
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			body	body		VerifyEmailRequest	true	"The link's token"
//	@Success		200		{object}	VerifyEmailResponse
//	@Failure		400		{object}	Problem		"invalid_token, malformed_json, unknown_field"
//	@Failure		413		{object}	Problem		"body_too_large"
//	@Failure		415		{object}	Problem		"unsupported_media_type"
//	@Failure		429		{object}	Problem		"rate_limited: too many attempts from your address (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/auth/verify-email [post]
func (s *Server) verifyEmail(c *gin.Context) {
	var req VerifyEmailRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	u, err := s.accounts.VerifyEmail(c, req.Token)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, VerifyEmailResponse{EmailVerified: u.EmailVerified})
}

// resendVerification godoc
//
//	@Summary		Send the verification mail again
//	@Description	Mails a new verification link to the caller's address (earlier links stay valid until used or expired). Limited per user; 409 email_already_verified once confirmed.
//	@ID				resendVerification
//	@Tags			auth
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Success		202	{object}	AcceptedResponse
//	@Failure		400	{object}	Problem	"unknown_field, malformed_json: this endpoint takes no body"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem		"account_suspended"
//	@Failure		409	{object}	Problem		"email_already_verified"
//	@Failure		429	{object}	Problem		"rate_limited: too many mails asked for (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/auth/verify-email/resend [post]
func (s *Server) resendVerification(c *gin.Context) {
	if failIf(c, s.accounts.ResendVerification(c, principal(c))) {
		return
	}
	writeJSON(c, http.StatusAccepted, AcceptedResponse{Status: "accepted", Detail: "A new confirmation link is on its way; it is valid for 24 hours."})
}

// requestPasswordReset godoc
//
//	@Summary		Ask for a password reset link
//	@Description	Always 202 with the same body, whether or not an account has this address (nothing tells them apart, not even the time taken); when one has, a single-use link valid 30 minutes is mailed to it. Limited per client address and per e-mail.
//	@ID				requestPasswordReset
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			body	body		PasswordResetRequest	true	"The account's e-mail"
//	@Success		202		{object}	AcceptedResponse
//	@Failure		400		{object}	Problem		"validation_failed (not an e-mail address), malformed_json, unknown_field"
//	@Failure		413		{object}	Problem		"body_too_large"
//	@Failure		415		{object}	Problem		"unsupported_media_type"
//	@Failure		429		{object}	Problem		"rate_limited: too many attempts from your address or for this e-mail (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/auth/password-reset [post]
func (s *Server) requestPasswordReset(c *gin.Context) {
	var req PasswordResetRequest
	if !s.decodeJSON(c, &req) || !s.emailLimits.allow(c, req.Email) {
		return
	}
	if failIf(c, s.accounts.RequestPasswordReset(c, req.Email)) {
		return
	}
	writeJSON(c, http.StatusAccepted, AcceptedResponse{Status: "accepted",
		Detail: "If an account has this e-mail address, a link to reset its password is on its way; it is valid for 30 minutes."})
}

// confirmPasswordReset godoc
//
//	@Summary		Set a new password with a reset link
//	@Description	Spends the link's single-use token (valid 30 minutes), sets the password, signs out every session (their refresh tokens and access tokens stop working at once: 401 session_ended) and mails a "your password was changed" notice. Following the link also confirms the e-mail address. Sign in with the new password afterwards. A weak password gets 400 validation_failed and leaves the token usable.
//	@ID				confirmPasswordReset
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			body	body	PasswordResetConfirmRequest	true	"The link's token and the new password"
//	@Success		204
//	@Failure		400	{object}	Problem		"invalid_token, validation_failed, malformed_json, unknown_field"
//	@Failure		413	{object}	Problem		"body_too_large"
//	@Failure		415	{object}	Problem		"unsupported_media_type"
//	@Failure		429	{object}	Problem		"rate_limited: too many attempts from your address (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/auth/password-reset/confirm [post]
func (s *Server) confirmPasswordReset(c *gin.Context) {
	var req PasswordResetConfirmRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	if failIf(c, s.accounts.ResetPassword(withClient(c), req.Token, req.NewPassword)) {
		return
	}
	c.Status(http.StatusNoContent)
}
