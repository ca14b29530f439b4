package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/audit"
)

// RoleRequest names a role to grant.
type RoleRequest struct {
	// Only organizer is granted here.
	Role string `json:"role" enums:"organizer" example:"organizer" validate:"max=20" binding:"required"`
}

// AdminUserView is an account as admins see it.
type AdminUserView struct {
	ID          string    `json:"id" example:"673f0c2b9d1e8a0012ab34cd"`
	Email       string    `json:"email" example:"yuki.sato@example.jp"`
	DisplayName string    `json:"displayName" example:"佐藤 由紀"`
	Roles       []string  `json:"roles" example:"mentor,organizer"`
	Suspended   bool      `json:"suspended" example:"false"`
	CreatedAt   time.Time `json:"createdAt" example:"2026-11-23T10:00:00Z"`
}

// VerifiedView says whether a mentor is verified.
type VerifiedView struct {
	MentorID string `json:"mentorId" example:"673f0c2b9d1e8a0012ab34cd"`
	Verified bool   `json:"verified" example:"true"`
}

func adminUserView(u accounts.User) AdminUserView {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return AdminUserView{ID: u.ID.Hex(), Email: u.Email, DisplayName: u.DisplayName, Roles: roles, Suspended: u.Suspended, CreatedAt: u.CreatedAt}
}

// grantRole godoc
//
//	@Summary	Grant the organizer role (admins)
//	@ID			grantRole
//	@Tags		admin
//	@Accept		json
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string		true	"User id"
//	@Param		body	body		RoleRequest	true	"The role"
//	@Success	200		{object}	AdminUserView
//	@Failure	400		{object}	Problem	"role_not_grantable, validation_failed"
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem	"forbidden: admins only"
//	@Failure	404		{object}	Problem	"not_found"
//	@Failure	413		{object}	Problem
//	@Failure	415		{object}	Problem
//	@Failure	429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500		{object}	Problem
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/admin/users/{id}/roles [post]
func (s *Server) grantRole(c *gin.Context) {
	id, ok := pathID(c, "user")
	if !ok {
		return
	}
	var req RoleRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	u, err := s.accounts.GrantRole(c, principal(c), id, accounts.Role(req.Role))
	if failIf(c, err) || !s.audited(c, audit.Entry{Action: audit.RoleGranted, SubjectID: ref(id), Detail: req.Role}) {
		return
	}
	writeJSON(c, http.StatusOK, adminUserView(u))
}

// revokeRole godoc
//
//	@Summary		Revoke the organizer role (admins)
//	@Description	Takes effect at once, also for access tokens already issued.
//	@ID				revokeRole
//	@Tags			admin
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"User id"
//	@Param			role	path		string	true	"The role"	Enums(organizer)
//	@Success		200		{object}	AdminUserView
//	@Failure		400		{object}	Problem	"role_not_grantable, unknown_field: this endpoint takes no body"
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem		"forbidden: admins only"
//	@Failure		404		{object}	Problem		"not_found"
//	@Failure		429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/admin/users/{id}/roles/{role} [delete]
func (s *Server) revokeRole(c *gin.Context) {
	id, ok := pathID(c, "user")
	if !ok {
		return
	}
	u, err := s.accounts.RevokeRole(c, principal(c), id, accounts.Role(c.Param("role")))
	if failIf(c, err) || !s.audited(c, audit.Entry{Action: audit.RoleRevoked, SubjectID: ref(id), Detail: c.Param("role")}) {
		return
	}
	writeJSON(c, http.StatusOK, adminUserView(u))
}

// suspendUser godoc
//
//	@Summary		Suspend a user (admins)
//	@Description	Their access tokens are refused from the next request on and their sessions cannot be refreshed; they disappear from search and matching.
//	@ID				suspendUser
//	@Tags			admin
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"User id"
//	@Success		200	{object}	AdminUserView
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem		"forbidden: admins only"
//	@Failure		404	{object}	Problem		"not_found"
//	@Failure		409	{object}	Problem		"cannot_suspend_self"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/admin/users/{id}/suspend [post]
func (s *Server) suspendUser(c *gin.Context) { s.setSuspended(c, true) }

// unsuspendUser godoc
//
//	@Summary	Lift a suspension (admins)
//	@ID			unsuspendUser
//	@Tags		admin
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"User id"
//	@Success	200	{object}	AdminUserView
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem		"forbidden: admins only"
//	@Failure	404	{object}	Problem		"not_found"
//	@Failure	429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/admin/users/{id}/unsuspend [post]
func (s *Server) unsuspendUser(c *gin.Context) { s.setSuspended(c, false) }

func (s *Server) setSuspended(c *gin.Context, suspended bool) {
	id, ok := pathID(c, "user")
	if !ok {
		return
	}
	u, err := s.accounts.SetSuspended(c, principal(c), id, suspended)
	action := audit.UserUnsuspended
	if suspended {
		action = audit.UserSuspended
	}
	if failIf(c, err) || !s.audited(c, audit.Entry{Action: action, SubjectID: ref(id)}) {
		return
	}
	writeJSON(c, http.StatusOK, adminUserView(u))
}

// verifyMentor godoc
//
//	@Summary		Verify a mentor (organizers, admins)
//	@Description	An organizer has met the mentor and vouches for them; it feeds the trust part of matching scores.
//	@ID				verifyMentor
//	@Tags			admin
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"Mentor's user id"
//	@Success		200	{object}	VerifiedView
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem		"forbidden"
//	@Failure		404	{object}	Problem		"not_found: no mentor profile"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/admin/mentors/{id}/verify [post]
func (s *Server) verifyMentor(c *gin.Context) { s.setVerified(c, true) }

// unverifyMentor godoc
//
//	@Summary	Withdraw a mentor's verification (organizers, admins)
//	@ID			unverifyMentor
//	@Tags		admin
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Mentor's user id"
//	@Success	200	{object}	VerifiedView
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem		"forbidden"
//	@Failure	404	{object}	Problem		"not_found: no mentor profile"
//	@Failure	429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/admin/mentors/{id}/verify [delete]
func (s *Server) unverifyMentor(c *gin.Context) { s.setVerified(c, false) }

func (s *Server) setVerified(c *gin.Context, verified bool) {
	id, ok := pathID(c, "mentor")
	if !ok {
		return
	}
	p, err := s.profiles.SetVerified(c, principal(c), id, verified)
	action := audit.MentorUnverified
	if verified {
		action = audit.MentorVerified
	}
	if failIf(c, err) || !s.audited(c, audit.Entry{Action: action, SubjectID: ref(id)}) {
		return
	}
	writeJSON(c, http.StatusOK, VerifiedView{MentorID: p.UserID.Hex(), Verified: p.Verified})
}
