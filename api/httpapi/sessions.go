package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/accounts"
)

// withClient is the request's context with who is asking, for the sessions
// that sign-up, sign-in and refresh start or continue.
func withClient(c *gin.Context) context.Context {
	return accounts.WithClient(c.Request.Context(), accounts.Client{UserAgent: c.GetHeader("User-Agent"), Address: clientAddress(c)})
}

// SessionView is one of the caller's sign-ins.
type SessionView struct {
	ID         string    `json:"id" example:"Q2xJc1Z0aGVGYW1pbHk"`
	CreatedAt  time.Time `json:"createdAt" example:"2026-11-23T10:00:00Z"`
	LastUsedAt time.Time `json:"lastUsedAt" example:"2026-11-30T08:15:00Z"`
	// Unless used again before then.
	ExpiresAt time.Time `json:"expiresAt" example:"2026-12-30T08:15:00Z"`
	UserAgent string    `json:"userAgent,omitempty" example:"Kizuna/1.4 (iPhone; iOS 19.1)"`
	Address   string    `json:"address,omitempty" example:"203.0.113.24"`
	// The session of the access token making this request.
	Current bool `json:"current" example:"true"`
}

// SessionList is the caller's active sessions, the latest used first.
type SessionList struct {
	Items []SessionView `json:"items"`
}

// listSessions godoc
//
//	@Summary		The caller's sessions
//	@Description	Every active sign-in of the caller (a refresh-token family): when it began and was last used, from which program and address. Signed-out and expired ones are not listed.
//	@ID				listSessions
//	@Tags			me
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Success		200	{object}	SessionList
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure		401	{object}	Problem	"unauthenticated, session_ended"
//	@Failure		403	{object}	Problem	"account_suspended"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/sessions [get]
func (s *Server) listSessions(c *gin.Context) {
	sessions, err := s.accounts.Sessions(c, principal(c))
	if failIf(c, err) {
		return
	}
	out := SessionList{Items: make([]SessionView, len(sessions))}
	for i, ss := range sessions {
		out.Items[i] = SessionView{ID: ss.ID, CreatedAt: ss.CreatedAt, LastUsedAt: ss.LastUsedAt, ExpiresAt: ss.ExpiresAt,
			UserAgent: ss.UserAgent, Address: ss.Address, Current: ss.Current}
	}
	writeJSON(c, http.StatusOK, out)
}

// endSession godoc
//
//	@Summary		Sign one session out
//	@Description	Ends one of the caller's sessions (this one included): its refresh token and access tokens stop working at once.
//	@ID				endSession
//	@Tags			me
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path	string	true	"Session id (from GET /v1/me/sessions)"
//	@Success		204
//	@Failure		401	{object}	Problem		"unauthenticated, session_ended"
//	@Failure		403	{object}	Problem		"account_suspended"
//	@Failure		404	{object}	Problem		"not_found: no active session of yours with that id"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/sessions/{id} [delete]
func (s *Server) endSession(c *gin.Context) {
	if failIf(c, s.accounts.EndSession(c, principal(c), c.Param("id"))) {
		return
	}
	c.Status(http.StatusNoContent)
}

// logoutAll godoc
//
//	@Summary		Sign out everywhere
//	@Description	Ends every session of the caller, this one included (a lost phone): every refresh and access token stops working at once. Sign in again afterwards.
//	@ID				logoutAll
//	@Tags			auth
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Success		204
//	@Failure		401	{object}	Problem		"unauthenticated, session_ended"
//	@Failure		403	{object}	Problem		"account_suspended"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/auth/logout-all [post]
func (s *Server) logoutAll(c *gin.Context) {
	if failIf(c, s.accounts.EndAllSessions(c, principal(c))) {
		return
	}
	c.Status(http.StatusNoContent)
}
