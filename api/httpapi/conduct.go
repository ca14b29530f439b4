package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/audit"
	"github.com/kizuna-dev/kizuna/internal/moderation"
)

// ConductReportRequest reports a code-of-conduct problem about a person or a post.
type ConductReportRequest struct {
	SubjectUserID string `json:"subjectUserId,omitempty" example:"673f0c2b9d1e8a0012ab34cd" validate:"max=24"`
	PostID        string `json:"postId,omitempty" example:"673f0c2b9d1e8a0012ab3700" validate:"max=24"`
	// For a report about a person: the community where it happened, so its organizers see it.
	CommunityID string `json:"communityId,omitempty" example:"673f0c2b9d1e8a0012ab3600" validate:"max=24"`
	Reason      string `json:"reason" enums:"harassment,spam,undisclosed_stake,inappropriate,other" example:"undisclosed_stake" validate:"max=30" binding:"required"`
	Detail      string `json:"detail,omitempty" example:"紹介のたびに自社の会計サービスを勧められます" validate:"max=4000"`
}

// ResolveRequest resolves a report.
type ResolveRequest struct {
	Resolution string `json:"resolution" example:"本人と話し、利害関係をプロフィールに記載してもらいました" validate:"max=2000"`
	Action     string `json:"action" enums:"none,warned,post_removed,suspended" example:"warned" validate:"max=20" binding:"required"`
}

// ConductReportView is a report.
type ConductReportView struct {
	ID            string     `json:"id" example:"673f0c2b9d1e8a0012ab3900"`
	ReporterID    string     `json:"reporterId" example:"673f0c2b9d1e8a0012ab34ce"`
	SubjectUserID string     `json:"subjectUserId,omitempty" example:"673f0c2b9d1e8a0012ab34cd"`
	PostID        string     `json:"postId,omitempty" example:"673f0c2b9d1e8a0012ab3700"`
	CommunityID   string     `json:"communityId,omitempty" example:"673f0c2b9d1e8a0012ab3600"`
	Reason        string     `json:"reason" example:"undisclosed_stake"`
	Detail        string     `json:"detail" example:"紹介のたびに自社の会計サービスを勧められます"`
	Status        string     `json:"status" enums:"open,resolved" example:"open"`
	Resolution    string     `json:"resolution,omitempty" example:"本人と話しました"`
	Action        string     `json:"action,omitempty" example:"warned"`
	ResolvedAt    *time.Time `json:"resolvedAt,omitempty" example:"2026-11-24T10:00:00Z"`
	CreatedAt     time.Time  `json:"createdAt" example:"2026-11-23T10:00:00Z"`
}

// ConductReportList is a page of reports.
type ConductReportList struct {
	Items []ConductReportView `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
}

func hexOfPtr(id *bson.ObjectID) string {
	if id == nil {
		return ""
	}
	return id.Hex()
}

func conductReportView(r moderation.Report) ConductReportView {
	return ConductReportView{
		ID: r.ID.Hex(), ReporterID: r.ReporterID.Hex(), SubjectUserID: hexOfPtr(r.SubjectUserID), PostID: hexOfPtr(r.PostID),
		CommunityID: hexOfPtr(r.CommunityID), Reason: r.Reason, Detail: r.Detail, Status: r.Status, Resolution: r.Resolution,
		Action: r.Action, ResolvedAt: r.ResolvedAt, CreatedAt: r.CreatedAt,
	}
}

// optionalID parses an optional id field of a body.
func optionalID(v *apperr.Validation, field, s string) *bson.ObjectID {
	if s == "" {
		return nil
	}
	id, ok := parseObjectID(s)
	if !ok {
		v.Add(field, "is not an id")
		return nil
	}
	return &id
}

// fileConductReport godoc
//
//	@Summary		Report a code-of-conduct problem
//	@Description	About a person (subjectUserId) or a post (postId). Organizers of the community concerned and admins handle it.
//	@ID				fileConductReport
//	@Tags			reports
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			body			body		ConductReportRequest	true	"The report"
//	@Param			Idempotency-Key	header		string					false	"Makes retries safe: the same key (1-255 printable ASCII) with the same request within 24 hours answers the first response again (with Idempotent-Replayed: true) and creates nothing new"
//	@Success		201				{object}	ConductReportView
//	@Failure		400				{object}	Problem	"validation_failed"
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem	"not_found: no such user or post"
//	@Failure		409				{object}	Problem	"idempotency_in_progress (a request with this Idempotency-Key still runs after 10 s)"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem		"idempotency_key_reuse (this Idempotency-Key was sent with a different request)"
//	@Failure		429				{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429				{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500				{object}	Problem
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/reports [post]
func (s *Server) fileConductReport(c *gin.Context) {
	var req ConductReportRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	var v apperr.Validation
	in := moderation.ReportInput{
		SubjectUserID: optionalID(&v, "subjectUserId", req.SubjectUserID),
		PostID:        optionalID(&v, "postId", req.PostID),
		CommunityID:   optionalID(&v, "communityId", req.CommunityID),
		Reason:        req.Reason, Detail: req.Detail,
	}
	if failIf(c, v.Err()) {
		return
	}
	r, err := s.moderation.File(c, principal(c), in)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusCreated, conductReportView(r))
}

// listConductReports godoc
//
//	@Summary	Code-of-conduct reports (organizers: their communities; admins: all)
//	@ID			listConductReports
//	@Tags		reports
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		status	query		string	false	"open or resolved"		Enums(open, resolved)
//	@Param		limit	query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param		cursor	query		string	false	"nextCursor of the previous page"
//	@Success	200		{object}	ConductReportList
//	@Failure	400		{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem	"forbidden"
//	@Failure	500		{object}	Problem
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/reports [get]
func (s *Server) listConductReports(c *gin.Context) {
	q := newQuery(c)
	limit, cursor := q.limit(), q.cursor()
	if failIf(c, q.err()) {
		return
	}
	rs, next, err := s.moderation.List(c, principal(c), q.str("status"), limit, cursor)
	if failIf(c, err) {
		return
	}
	resp := ConductReportList{Items: make([]ConductReportView, len(rs)), NextCursor: q.nextCursor(next)}
	for i, r := range rs {
		resp.Items[i] = conductReportView(r)
	}
	writeJSON(c, http.StatusOK, resp)
}

// resolveConductReport godoc
//
//	@Summary	Resolve a report (its community's organizers, admins)
//	@ID			resolveConductReport
//	@Tags		reports
//	@Accept		json
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string			true	"Report id"
//	@Param		body	body		ResolveRequest	true	"How it was resolved"
//	@Success	200		{object}	ConductReportView
//	@Failure	400		{object}	Problem	"validation_failed"
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem
//	@Failure	404		{object}	Problem	"not_found"
//	@Failure	409		{object}	Problem	"invalid_transition: already resolved"
//	@Failure	413		{object}	Problem
//	@Failure	415		{object}	Problem
//	@Failure	429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500		{object}	Problem
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/reports/{id}/resolve [post]
func (s *Server) resolveConductReport(c *gin.Context) {
	id, ok := pathID(c, "report")
	if !ok {
		return
	}
	var req ResolveRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	r, err := s.moderation.Resolve(c, principal(c), id, req.Resolution, req.Action)
	if failIf(c, err) || !s.audited(c, audit.Entry{Action: audit.ReportResolved, SubjectID: r.SubjectUserID, ObjectID: ref(r.ID), Detail: r.Action, Reason: r.Resolution}) {
		return
	}
	writeJSON(c, http.StatusOK, conductReportView(r))
}
