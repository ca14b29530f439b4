package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/accounts"
)

// Me is the caller's own account, with private fields.
type Me struct {
	ID          string   `json:"id" example:"673f0c2b9d1e8a0012ab34cd"`
	Email       string   `json:"email" example:"yuki.sato@example.jp"`
	DisplayName string   `json:"displayName" example:"佐藤 由紀"`
	Roles       []string `json:"roles" example:"mentor"`
	Locale      string   `json:"locale" enums:"ja,en" example:"ja"`
	// Whether the e-mail address is confirmed (by the link mailed at sign-up).
	// Until it is, the account cannot ask for introductions, post, or be
	// listed as a mentor (403 email_unverified).
	EmailVerified bool              `json:"emailVerified" example:"true"`
	Phone         string            `json:"phone,omitempty" example:"090-1234-5678"`
	Preferences   NotificationPrefs `json:"preferences"`
	CreatedAt     time.Time         `json:"createdAt" example:"2026-11-23T10:00:00Z"`
	UpdatedAt     time.Time         `json:"updatedAt" example:"2026-11-23T10:00:00Z"`
	// What to do next; only while the account has neither founder nor mentor.
	NextSteps []string `json:"nextSteps,omitempty" example:"Choose what you are here for: POST /v1/me/roles {\"role\":\"founder\"} to find mentors or {\"role\":\"mentor\"} to help founders"`
}

// noRoleNextStep tells an account without founder or mentor how to choose.
const noRoleNextStep = `Choose what you are here for: POST /v1/me/roles {"role":"founder"} to find mentors or {"role":"mentor"} to help founders`

// NotificationPrefs are the caller's notification choices.
type NotificationPrefs struct {
	// In-app invitations back to community events.
	Invitations bool `json:"invitations" example:"true"`
	// Keep-in-touch and introduction reminders.
	Reminders bool `json:"reminders" example:"true"`
}

// UpdateMeRequest changes the caller's account; omitted fields stay as they are.
type UpdateMeRequest struct {
	DisplayName *string `json:"displayName,omitempty" example:"佐藤 由紀" validate:"omitempty,max=50"`
	Locale      *string `json:"locale,omitempty" enums:"ja,en" example:"en" validate:"omitempty,max=5"`
	// Shared with the people you are connected with; "" removes it.
	Phone       *string             `json:"phone,omitempty" example:"090-1234-5678" validate:"omitempty,max=24"`
	Preferences *UpdatePrefsRequest `json:"preferences,omitempty"`
}

// UpdatePrefsRequest changes notification preferences; omitted fields stay.
type UpdatePrefsRequest struct {
	Invitations *bool `json:"invitations,omitempty" example:"false"`
	Reminders   *bool `json:"reminders,omitempty" example:"true"`
}

// ChangePasswordRequest replaces the caller's password.
type ChangePasswordRequest struct {
	CurrentPassword string `json:"currentPassword" example:"correct-horse-battery" validate:"max=128" binding:"required"`
	NewPassword     string `json:"newPassword" example:"a-longer-passphrase-2026" validate:"max=128" binding:"required"`
}

func meView(u accounts.User) Me {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	slices.Sort(roles) // stored in the order they were taken up
	var next []string
	if !u.HasRole(accounts.RoleFounder) && !u.HasRole(accounts.RoleMentor) {
		next = []string{noRoleNextStep}
	}
	return Me{
		NextSteps:     next,
		ID:            u.ID.Hex(),
		Email:         u.Email,
		DisplayName:   u.DisplayName,
		Roles:         roles,
		Locale:        u.Locale,
		EmailVerified: u.EmailVerified,
		Phone:         u.Phone,
		Preferences:   NotificationPrefs{Invitations: u.Preferences.Invitations, Reminders: u.Preferences.Reminders},
		CreatedAt:     u.CreatedAt,
		UpdatedAt:     u.UpdatedAt,
	}
}

// getMe godoc
//
//	@Summary	The caller's account
//	@ID			getMe
//	@Tags		me
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Success	200	{object}	Me
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure	401	{object}	Problem	"unauthenticated"
//	@Failure	403	{object}	Problem	"account_suspended"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/me [get]
func (s *Server) getMe(c *gin.Context) {
	u, err := s.accounts.Get(c, principal(c).UserID)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, meView(u))
}

// updateMe godoc
//
//	@Summary		Change the caller's account
//	@Description	Display name, locale, phone and notification preferences. Roles and e-mail cannot be changed here.
//	@ID				updateMe
//	@Tags			me
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			body	body		UpdateMeRequest	true	"Fields to change"
//	@Success		200		{object}	Me
//	@Failure		400		{object}	Problem	"validation_failed, malformed_json, unknown_field"
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		413		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me [patch]
func (s *Server) updateMe(c *gin.Context) {
	var req UpdateMeRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	in := accounts.UpdateInput{DisplayName: req.DisplayName, Locale: req.Locale, Phone: req.Phone}
	if req.Preferences != nil {
		in.Invitations, in.Reminders = req.Preferences.Invitations, req.Preferences.Reminders
	}
	u, err := s.accounts.Update(c, principal(c).UserID, in)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, meView(u))
}

// changePassword godoc
//
//	@Summary		Change the caller's password
//	@Description	Needs the current password. Every other session is signed out at once (their refresh and access tokens stop working: 401 session_ended); this session continues. A notice goes to the confirmed address (in case it was not the owner).
//	@ID				changePassword
//	@Tags			me
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			body	body	ChangePasswordRequest	true	"Current and new password"
//	@Success		204
//	@Failure		400	{object}	Problem	"validation_failed (wrong current password, weak new password)"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		413	{object}	Problem
//	@Failure		415	{object}	Problem
//	@Failure		429	{object}	Problem		"rate_limited: too many password changes or changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/password [post]
func (s *Server) changePassword(c *gin.Context) {
	var req ChangePasswordRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	if failIf(c, s.accounts.ChangePassword(c, principal(c), req.CurrentPassword, req.NewPassword)) {
		return
	}
	c.Status(http.StatusNoContent)
}
