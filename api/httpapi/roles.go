package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/accounts"
)

// MyRoleRequest names a role the caller takes up.
type MyRoleRequest struct {
	Role string `json:"role" enums:"founder,mentor" example:"mentor" validate:"max=16" binding:"required"`
}

// addMyRole godoc
//
//	@Summary		Take up a role
//	@Description	Adds founder or mentor to the caller's roles (idempotent): a founder who starts mentoring, or an account made without a role. Next: PUT /v1/me/mentor-profile or /v1/me/founder-profile. Organizer is granted by an admin.
//	@ID				addMyRole
//	@Tags			me
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			body	body		MyRoleRequest	true	"The role"
//	@Success		200		{object}	Me
//	@Failure		400		{object}	Problem		"role_not_self_service, validation_failed (no role), malformed_json, unknown_field"
//	@Failure		401		{object}	Problem		"unauthenticated"
//	@Failure		403		{object}	Problem		"account_suspended"
//	@Failure		413		{object}	Problem		"body_too_large"
//	@Failure		415		{object}	Problem		"unsupported_media_type"
//	@Failure		429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/roles [post]
func (s *Server) addMyRole(c *gin.Context) {
	var req MyRoleRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	u, err := s.accounts.AddOwnRole(c, principal(c), accounts.Role(req.Role))
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, meView(u))
}

// removeMyRole godoc
//
//	@Summary		Drop a role
//	@Description	Removes founder or mentor from the caller's roles (idempotent). Nothing ends silently: while the caller has active mentorships in that role it answers 409 active_mentorships. Dropping mentor pauses the mentor profile (acceptingRequests false; it keeps its history, and PUT /v1/me/mentor-profile turns it back on after taking the role again).
//	@ID				removeMyRole
//	@Tags			me
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			role	path		string	true	"founder or mentor"	Enums(founder, mentor)
//	@Success		200		{object}	Me
//	@Failure		400		{object}	Problem		"role_not_self_service"
//	@Failure		401		{object}	Problem		"unauthenticated"
//	@Failure		403		{object}	Problem		"account_suspended"
//	@Failure		409		{object}	Problem		"active_mentorships"
//	@Failure		429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/roles/{role} [delete]
func (s *Server) removeMyRole(c *gin.Context) {
	u, err := s.mentorships.LeaveRole(c, principal(c), accounts.Role(c.Param("role")))
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, meView(u))
}
