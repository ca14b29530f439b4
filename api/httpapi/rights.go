package httpapi

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/audit"
)

// DeleteAccountRequest confirms the deletion of the caller's own account.
type DeleteAccountRequest struct {
	// The caller's current password.
	Password string `json:"password" example:"a-longer-passphrase-2026" validate:"max=1024" binding:"required"`
}

// DeleteUserRequest says why an admin deletes an account (kept in the audit log).
type DeleteUserRequest struct {
	// 1 to 500 characters.
	Reason string `json:"reason" example:"本人から電話で退会の依頼があり、本人確認をしました" validate:"max=500" binding:"required"`
}

// AuditEntryView is one privileged action.
type AuditEntryView struct {
	ID string    `json:"id" example:"673f0c2b9d1e8a0012ab3a01"`
	At time.Time `json:"at" example:"2026-12-02T01:15:00Z"`
	// Who did it (an admin or organizer; after their account's deletion, the id standing for the former member).
	ActorID string `json:"actorId" example:"673f0c2b9d1e8a0012ab34cd"`
	Action  string `json:"action" enums:"role_granted,role_revoked,user_suspended,user_unsuspended,mentor_verified,mentor_unverified,user_deleted,report_resolved" example:"user_suspended"`
	// The account acted on, if any (a deleted one: the id standing for the former member).
	SubjectID string `json:"subjectId,omitempty" example:"673f0c2b9d1e8a0012ab34ce"`
	// Another object acted on (a conduct report), if any.
	ObjectID string `json:"objectId,omitempty" example:"673f0c2b9d1e8a0012ab3900"`
	// The role granted or revoked, or the action taken on a report.
	Detail string `json:"detail,omitempty" example:"organizer"`
	// Why, in the actor's words (deletions, report resolutions).
	Reason string `json:"reason,omitempty" example:"本人から電話で退会の依頼があり、本人確認をしました"`
}

// AuditList is one page of the audit log, newest first.
type AuditList struct {
	Items      []AuditEntryView `json:"items"`
	NextCursor string           `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
}

func auditEntryView(e audit.Entry) AuditEntryView {
	v := AuditEntryView{ID: e.ID.Hex(), At: e.At, ActorID: e.ActorID.Hex(), Action: e.Action, Detail: e.Detail, Reason: e.Reason}
	if e.SubjectID != nil {
		v.SubjectID = e.SubjectID.Hex()
	}
	if e.ObjectID != nil {
		v.ObjectID = e.ObjectID.Hex()
	}
	return v
}

// audited appends a privileged action of the caller to the audit log; on a
// failure it writes the problem and returns false (the action itself is
// done: the client may retry it, which is harmless for every audited action).
func (s *Server) audited(c *gin.Context, e audit.Entry) bool {
	e.ActorID = principal(c).UserID
	_, err := s.audit.Record(c, e)
	return !failIf(c, err)
}

func ref(id bson.ObjectID) *bson.ObjectID { return &id }

// deleteMe godoc
//
//	@Summary		Delete the caller's account
//	@Description	Needs the current password. Erases the account at once: e-mail, phone, password, profiles, sessions (every token of the account stops working), notifications, memberships, RSVPs and saved answers are deleted; open match requests are closed and pending introductions withdrawn, active mentorships end (the mentor's place is released) and the other people are told. What others need for their own history (a mentorship and its touchpoints, posts in a community, their reflections) stays, shown as "退会したユーザー / former member", with no way to reach the account. The e-mail address can sign up again. The README's data-rights table lists every collection. If the deletion is cut short (a crash), it is finished by a background job within minutes.
//	@ID				deleteMe
//	@Tags			me
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			body	body	DeleteAccountRequest	true	"The current password"
//	@Success		204
//	@Failure		400	{object}	Problem	"validation_failed (a wrong or missing password), malformed_json, unknown_field"
//	@Failure		401	{object}	Problem	"unauthenticated, session_ended"
//	@Failure		403	{object}	Problem	"account_suspended"
//	@Failure		413	{object}	Problem
//	@Failure		415	{object}	Problem
//	@Failure		429	{object}	Problem		"rate_limited: too many password attempts or changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me [delete]
func (s *Server) deleteMe(c *gin.Context) {
	var req DeleteAccountRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	me := principal(c).UserID
	if failIf(c, s.accounts.CheckPassword(c, me, "password", req.Password)) {
		return
	}
	if _, err := s.erasure.Delete(c, me, me); failIf(c, err) {
		return
	}
	c.Status(http.StatusNoContent)
}

// deleteUser godoc
//
//	@Summary		Delete an account (admins)
//	@Description	Same effect as the member's own deletion (see DELETE /v1/me), for a member who asked by other means or must be removed. The reason is required and kept in the audit log with who and when (the deleted account appears there as the id standing for the former member). Deleting an account whose deletion is under way finishes it.
//	@ID				deleteUser
//	@Tags			admin
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path	string				true	"User id"
//	@Param			body	body	DeleteUserRequest	true	"Why"
//	@Success		204
//	@Failure		400	{object}	Problem	"validation_failed (a missing reason), malformed_json, unknown_field"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem	"forbidden: admins only"
//	@Failure		404	{object}	Problem	"not_found"
//	@Failure		413	{object}	Problem
//	@Failure		415	{object}	Problem
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/admin/users/{id} [delete]
func (s *Server) deleteUser(c *gin.Context) {
	id, ok := pathID(c, "user")
	if !ok {
		return
	}
	var req DeleteUserRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	reason := strings.TrimSpace(req.Reason)
	if n := utf8.RuneCountInString(reason); n < 1 || n > 500 {
		var v apperr.Validation
		v.Add("reason", "write 1 to 500 characters: why this account is deleted")
		fail(c, v.Err())
		return
	}
	m, err := s.erasure.Begin(c, id, principal(c).UserID)
	if failIf(c, err) {
		return
	}
	// Audited before the deletion runs, under the id that will stand for
	// the member: the log never holds the deleted id.
	if !s.audited(c, audit.Entry{Action: audit.UserDeleted, SubjectID: ref(m.FormerID), Reason: reason}) {
		return
	}
	if failIf(c, s.erasure.Run(c, m)) {
		return
	}
	c.Status(http.StatusNoContent)
}

// listAudit godoc
//
//	@Summary		The audit log (admins)
//	@Description	Every privileged action, newest first: role grants and revocations, suspensions, verifications, account deletions by admins, conduct-report resolutions, with who, when, what and why. Append-only.
//	@ID				listAudit
//	@Tags			admin
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			limit	query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param			cursor	query		string	false	"nextCursor of the previous page"
//	@Success		200		{object}	AuditList
//	@Failure		400		{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem	"forbidden: admins only"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/admin/audit [get]
func (s *Server) listAudit(c *gin.Context) {
	q := newQuery(c)
	limit, after := q.limit(), q.cursor()
	if failIf(c, q.err()) {
		return
	}
	es, next, err := s.audit.List(c, limit, after)
	if failIf(c, err) {
		return
	}
	out := AuditList{Items: make([]AuditEntryView, len(es)), NextCursor: q.nextCursor(next)}
	for i, e := range es {
		out.Items[i] = auditEntryView(e)
	}
	writeJSON(c, http.StatusOK, out)
}
