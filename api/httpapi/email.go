package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/accounts"
)

// VerifyEmailRequest carries the token of a verification link.
type VerifyEmailRequest struct {
	// The token from the link mailed at sign-up (or by resend).
	Token string `json:"token" example:"m2Xq7Yb0kP1sT8uW4zR6cN5aE3dF2gH1jK0lM9nB8vC" validate:"max=256" binding:"required"`
}

// VerifyEmailResponse is the outcome of a verification.
type VerifyEmailResponse struct {
	EmailVerified bool `json:"emailVerified" example:"true"`
}

// PasswordResetRequest asks for a reset link.
type PasswordResetRequest struct {
	Email string `json:"email" example:"yuki.sato@example.jp" validate:"max=254" binding:"required"`
}

// PasswordResetConfirmRequest sets a new password with a reset token.
type PasswordResetConfirmRequest struct {
	// The token from the reset link.
	Token string `json:"token" example:"m2Xq7Yb0kP1sT8uW4zR6cN5aE3dF2gH1jK0lM9nB8vC" validate:"max=256" binding:"required"`
	// 10 to 128 characters, not the e-mail, not a common password.
	NewPassword string `json:"newPassword" example:"a-longer-passphrase-2026" validate:"max=128" binding:"required"`
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
	if !s.decodeJSON(c, &req) || !s.emailLimits.allow(c, req.Email, false) {
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

// MailChannels says, per kind of event, whether it stays in the app or also
// goes by e-mail.
type MailChannels struct {
	// A founder asked you for an introduction.
	IntroductionReceived string `json:"introductionReceived" enums:"in_app,email" example:"email" validate:"max=10"`
	// To a mentor: the half-time reminder of an unanswered introduction, its expiry, and the pause after three unanswered.
	IntroductionReminders string `json:"introductionReminders" enums:"in_app,email" example:"in_app" validate:"max=10"`
	// The outcome of an introduction: accepted, declined or withdrawn, and to the founder its expiry.
	IntroductionOutcome string `json:"introductionOutcome" enums:"in_app,email" example:"email" validate:"max=10"`
	// Mentorship completed or ended, and keep-in-touch nudges.
	Mentorship string `json:"mentorship" enums:"in_app,email" example:"email" validate:"max=10"`
	// Invitations back to an event, a place from a waitlist, and the reminder the day before.
	CommunityEvents string `json:"communityEvents" enums:"in_app,email" example:"email" validate:"max=10"`
}

// QuietHoursView is a window of hours in Japan (JST) in which non-urgent
// mail waits until the window ends (delayed, never dropped).
type QuietHoursView struct {
	// 0 to 23 (JST).
	From int `json:"from" example:"22" minimum:"0" maximum:"23"`
	// 0 to 23 (JST), not equal to from; from 22 to 7 spans midnight.
	To int `json:"to" example:"7" minimum:"0" maximum:"23"`
}

// NotificationPreferences are the caller's mail choices (PUT replaces them
// whole).
type NotificationPreferences struct {
	Channels MailChannels `json:"channels"`
	// The lapsed-member digest: monthly (default) or off.
	Digest string `json:"digest" enums:"monthly,off" example:"monthly" validate:"max=10"`
	// Absent: no quiet hours.
	QuietHours *QuietHoursView `json:"quietHours,omitempty"`
}

func notificationPreferencesView(p accounts.MailPreferences) NotificationPreferences {
	v := NotificationPreferences{
		Channels: MailChannels{
			IntroductionReceived:  p.Channel(accounts.MailIntroductionReceived),
			IntroductionReminders: p.Channel(accounts.MailIntroductionReminders),
			IntroductionOutcome:   p.Channel(accounts.MailIntroductionOutcome),
			Mentorship:            p.Channel(accounts.MailMentorship),
			CommunityEvents:       p.Channel(accounts.MailCommunityEvents),
		},
		Digest: p.DigestFrequency(),
	}
	if q := p.QuietHours; q != nil {
		v.QuietHours = &QuietHoursView{From: q.From, To: q.To}
	}
	return v
}

// getNotificationPreferences godoc
//
//	@Summary		The caller's mail preferences
//	@Description	Per kind of event, whether it stays in the app (in_app) or also goes by e-mail (email, the default); the digest's frequency; quiet hours in JST. Mails about your account (verification, password reset and change) are always sent. Mail goes only to a confirmed address.
//	@ID				getNotificationPreferences
//	@Tags			me
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Success		200	{object}	NotificationPreferences
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem	"account_suspended"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/notification-preferences [get]
func (s *Server) getNotificationPreferences(c *gin.Context) {
	u, err := s.accounts.Get(c, principal(c).UserID)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, notificationPreferencesView(u.MailPreferences))
}

// putNotificationPreferences godoc
//
//	@Summary		Replace the caller's mail preferences
//	@Description	Every channel is in_app or email (omitted: email); digest is monthly (default) or off; quietHours (optional) holds two different hours 0-23 in JST, during which non-urgent mail is delayed to the window's end.
//	@ID				putNotificationPreferences
//	@Tags			me
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			body	body		NotificationPreferences	true	"The whole preferences"
//	@Success		200		{object}	NotificationPreferences
//	@Failure		400		{object}	Problem	"validation_failed, malformed_json, unknown_field"
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem	"account_suspended"
//	@Failure		413		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/notification-preferences [put]
func (s *Server) putNotificationPreferences(c *gin.Context) {
	var req NotificationPreferences
	if !s.decodeJSON(c, &req) {
		return
	}
	p := accounts.MailPreferences{Channels: map[string]string{}, Digest: req.Digest}
	for kind, ch := range map[string]string{
		accounts.MailIntroductionReceived:  req.Channels.IntroductionReceived,
		accounts.MailIntroductionReminders: req.Channels.IntroductionReminders,
		accounts.MailIntroductionOutcome:   req.Channels.IntroductionOutcome,
		accounts.MailMentorship:            req.Channels.Mentorship,
		accounts.MailCommunityEvents:       req.Channels.CommunityEvents,
	} {
		if ch != "" { // omitted: the default (email)
			p.Channels[kind] = ch
		}
	}
	if q := req.QuietHours; q != nil {
		p.QuietHours = &accounts.QuietHours{From: q.From, To: q.To}
	}
	u, err := s.accounts.SetMailPreferences(c, principal(c).UserID, p)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, notificationPreferencesView(u.MailPreferences))
}

// UnsubscribeResponse says what a one-click unsubscribe changed.
type UnsubscribeResponse struct {
	// The kind of mail that now stays in the app (digest: the digest is off).
	Unsubscribed string `json:"unsubscribed" enums:"introduction_received,introduction_reminders,introduction_outcome,mentorship,community_events,digest" example:"introduction_received"`
}

// unsubscribe godoc
//
//	@Summary		One-click unsubscribe (RFC 8058)
//	@Description	The target of the List-Unsubscribe header of Kizuna's non-transactional mail (with List-Unsubscribe-Post: List-Unsubscribe=One-Click): mail clients POST here with the body "List-Unsubscribe=One-Click", which is accepted and ignored. No sign-in: the signed token names one recipient and one kind of mail, expires after 60 days, and changes nothing else (that kind then stays in the app; for the digest, the digest is off). A forged, altered or expired token gets 400 invalid_token.
//	@ID				unsubscribe
//	@Tags			auth
//	@Produce		json,application/problem+json
//	@Param			token	query		string	true	"The signed token from the link"	maxlength(512)
//	@Success		200		{object}	UnsubscribeResponse
//	@Failure		400		{object}	Problem	"invalid_token, validation_failed (query string over its limits)"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/mail/unsubscribe [post]
func (s *Server) unsubscribe(c *gin.Context) {
	_, kind, err := s.accounts.Unsubscribe(c, c.Query("token"))
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, UnsubscribeResponse{Unsubscribed: kind})
}
