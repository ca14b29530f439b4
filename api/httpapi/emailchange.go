package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// ChangeEmailRequest asks to change the caller's e-mail address.
type ChangeEmailRequest struct {
	// The new address; it gets a link, and the account switches once it is followed.
	NewEmail string `json:"newEmail" example:"yuki.sato@example.net" validate:"max=254" binding:"required"`
	// The current password.
	Password string `json:"password" example:"a-longer-passphrase-2026" validate:"max=128" binding:"required"`
}

// ConfirmEmailChangeRequest carries the token of the link mailed to the new address.
type ConfirmEmailChangeRequest struct {
	Token string `json:"token" example:"m2Xq7Yb0kP1sT8uW4zR6cN5aE3dF2gH1jK0lM9nB8vC" validate:"max=256" binding:"required"`
}

// EmailChangedResponse is the account's address after a change.
type EmailChangedResponse struct {
	Email         string `json:"email" example:"yuki.sato@example.net"`
	EmailVerified bool   `json:"emailVerified" example:"true"`
}

// changeEmail godoc
//
//	@Summary		Change my e-mail address
//	@Description	Needs the current password. Mails a single-use link (valid 24 hours) to the new address; nothing changes until it is followed (POST /v1/auth/confirm-email-change), and the old address is then told. An address another account has: 409 email_taken; the current one: 409 email_unchanged. Limited per user.
//	@ID				changeEmail
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			body	body		ChangeEmailRequest	true	"The new address and the password"
//	@Success		202		{object}	AcceptedResponse
//	@Failure		400		{object}	Problem	"validation_failed (not an e-mail address, wrong password), malformed_json, unknown_field"
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem		"account_suspended"
//	@Failure		409		{object}	Problem		"email_taken, email_unchanged"
//	@Failure		413		{object}	Problem		"body_too_large"
//	@Failure		415		{object}	Problem		"unsupported_media_type"
//	@Failure		429		{object}	Problem		"rate_limited: too many mails asked for (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/email [post]
func (s *Server) changeEmail(c *gin.Context) {
	var req ChangeEmailRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	if failIf(c, s.accounts.RequestEmailChange(c, principal(c), req.NewEmail, req.Password)) {
		return
	}
	writeJSON(c, http.StatusAccepted, AcceptedResponse{Status: "accepted", Detail: "A link is on its way to the new address; your address changes once it is followed (valid for 24 hours)."})
}

// confirmEmailChange godoc
//
//	@Summary		Confirm a new e-mail address
//	@Description	Spends the single-use token of the link mailed to the new address (valid 24 hours): the account's address is now the new one, confirmed, and a notice goes to the old one. No sign-in needed. An unknown, expired or used token gets 400 invalid_token; an address taken meanwhile 409 email_taken.
//	@ID				confirmEmailChange
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			body	body		ConfirmEmailChangeRequest	true	"The link's token"
//	@Success		200		{object}	EmailChangedResponse
//	@Failure		400		{object}	Problem		"invalid_token, malformed_json, unknown_field"
//	@Failure		409		{object}	Problem		"email_taken"
//	@Failure		413		{object}	Problem		"body_too_large"
//	@Failure		415		{object}	Problem		"unsupported_media_type"
//	@Failure		429		{object}	Problem		"rate_limited: too many attempts from your address (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/auth/confirm-email-change [post]
func (s *Server) confirmEmailChange(c *gin.Context) {
	var req ConfirmEmailChangeRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	u, err := s.accounts.ConfirmEmailChange(c, req.Token)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, EmailChangedResponse{Email: u.Email, EmailVerified: u.EmailVerified})
}

// RevertEmailChangeRequest carries the token of the undo link mailed to the old address.
type RevertEmailChangeRequest struct {
	Token string `json:"token" example:"q8Wn3Lc5vR0tY7uI2oP9aS4dF6gH1jK3lZ5xC7vB0nM" validate:"max=256" binding:"required"`
}

// revertEmailChange godoc
//
//	@Summary		Undo an e-mail address change
//	@Description	Spends the single-use token of the undo link mailed to the old address when the change was confirmed (valid 7 days): the account's address is the old one again, every session is signed out, the password stops working, and a link to set a new one goes to the old address (the change may have been an intruder's). No sign-in needed. An account on the old address already is left as it is (200). An unknown, expired or used token gets 400 invalid_token; an old address another account has taken since 409 email_taken.
//	@ID				revertEmailChange
//	@Tags			auth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			body	body		RevertEmailChangeRequest	true	"The undo link's token"
//	@Success		200		{object}	EmailChangedResponse
//	@Failure		400		{object}	Problem		"invalid_token, malformed_json, unknown_field"
//	@Failure		409		{object}	Problem		"email_taken"
//	@Failure		413		{object}	Problem		"body_too_large"
//	@Failure		415		{object}	Problem		"unsupported_media_type"
//	@Failure		429		{object}	Problem		"rate_limited: too many attempts from your address (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/auth/revert-email-change [post]
func (s *Server) revertEmailChange(c *gin.Context) {
	var req RevertEmailChangeRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	u, err := s.accounts.RevertEmailChange(c, req.Token)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, EmailChangedResponse{Email: u.Email, EmailVerified: u.EmailVerified})
}
