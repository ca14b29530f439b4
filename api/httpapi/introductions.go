package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/ids"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
)

// IntroduceRequest asks a mentor for an introduction.
type IntroduceRequest struct {
	// A mentor from the request's suggestions (or any candidate).
	MentorID string `json:"mentorId" example:"673f0c2b9d1e8a0012ab34cd" validate:"max=24" binding:"required"`
	// A short personal word; it does more than a form letter (up to 1,000 characters).
	Message string `json:"message,omitempty" example:"帯広でチーズ工房をしています。道外の販路について30分ほどお話を伺えませんか" validate:"max=1000"`
}

// AcceptRequest is the mentor's yes.
type AcceptRequest struct {
	// Optional word to the founder (up to 1,000 characters).
	Message string `json:"message,omitempty" example:"喜んで。来週の火曜の夜に電話しましょう" validate:"max=1000"`
}

// DeclineRequest is the mentor's no.
type DeclineRequest struct {
	Reason string `json:"reason" enums:"no_capacity,topic_mismatch,too_far,other" example:"no_capacity" validate:"max=30"`
	// Optional word to the founder (up to 1,000 characters).
	Message string `json:"message,omitempty" example:"今は手一杯です。春になったらまた声をかけてください" validate:"max=1000"`
}

// PersonRef names a person.
type PersonRef struct {
	ID          string `json:"id" example:"673f0c2b9d1e8a0012ab34cd"`
	DisplayName string `json:"displayName" example:"佐藤 由紀"`
}

// FounderSummary is what a mentor sees of a founder who asks for them.
type FounderSummary struct {
	PersonRef
	CompanyName    string `json:"companyName,omitempty" example:"十勝チーズ工房"`
	Stage          string `json:"stage,omitempty" example:"seed"`
	Industry       string `json:"industry,omitempty" example:"食品製造"`
	MunicipalityJa string `json:"municipalityJa,omitempty" example:"帯広市"`
}

// MentorRef is what a founder sees of a mentor in an introduction.
type MentorRef struct {
	PersonRef
	Headline       string `json:"headline,omitempty" example:"元地銀の融資担当"`
	MunicipalityJa string `json:"municipalityJa,omitempty" example:"札幌市中央区"`
}

// IntroductionView is an introduction as its two parties see it.
type IntroductionView struct {
	ID        string `json:"id" example:"673f0c2b9d1e8a0012ab3510"`
	RequestID string `json:"requestId" example:"673f0c2b9d1e8a0012ab3500"`
	// pending, then accepted, declined, withdrawn or expired.
	Status  string         `json:"status" enums:"pending,accepted,declined,withdrawn,expired" example:"pending"`
	Topics  []string       `json:"topics" example:"sales,hiring"`
	Message string         `json:"message" example:"帯広でチーズ工房をしています。"`
	Mentor  MentorRef      `json:"mentor"`
	Founder FounderSummary `json:"founder"`
	// Why it was declined, withdrawn or expired: no_capacity, topic_mismatch,
	// too_far, other, founder_withdrew, matched_elsewhere, request_closed, unanswered.
	Reason          string     `json:"reason,omitempty" example:"no_capacity"`
	ResponseMessage string     `json:"responseMessage,omitempty" example:"今は手一杯です"`
	MentorshipID    string     `json:"mentorshipId,omitempty" example:"673f0c2b9d1e8a0012ab3510"`
	CreatedAt       time.Time  `json:"createdAt" example:"2026-11-23T10:00:00Z"`
	ExpiresAt       time.Time  `json:"expiresAt" example:"2026-12-07T10:00:00Z"`
	DecidedAt       *time.Time `json:"decidedAt,omitempty" example:"2026-11-24T09:00:00Z"`
}

// IntroductionList is a page of introductions.
type IntroductionList struct {
	Items []IntroductionView `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
}

// people looks up display names (one query for a page of views).
func (s *Server) people(ctx context.Context, ids ...bson.ObjectID) map[bson.ObjectID]string {
	users, err := s.accounts.GetMany(ctx, ids)
	out := map[bson.ObjectID]string{}
	if err != nil {
		return out // names are decoration; the views still carry ids
	}
	for id, u := range users {
		out[id] = u.DisplayName
	}
	return out
}

func (s *Server) founderSummary(id bson.ObjectID, names map[bson.ObjectID]string) FounderSummary {
	f := FounderSummary{PersonRef: PersonRef{ID: id.Hex(), DisplayName: names[id]}}
	if b, ok := s.profiles.Founder(id); ok {
		f.CompanyName, f.Stage, f.Industry = b.CompanyName, b.Stage, b.Industry
		if m, ok := s.areas.Municipality(b.Location.MunicipalityCode); ok {
			f.MunicipalityJa = m.NameJa
		}
	}
	return f
}

func (s *Server) mentorRef(id bson.ObjectID, names map[bson.ObjectID]string) MentorRef {
	r := MentorRef{PersonRef: PersonRef{ID: id.Hex(), DisplayName: names[id]}}
	if m, ok := s.mentors.Get(id); ok {
		r.Headline = m.Headline
		if mu, ok := s.areas.Municipality(m.MunicipalityCode); ok {
			r.MunicipalityJa = mu.NameJa
		}
	}
	return r
}

func (s *Server) introductionViews(ctx context.Context, ins []mentorships.Introduction) []IntroductionView {
	var ids []bson.ObjectID
	for _, in := range ins {
		ids = append(ids, in.FounderID, in.MentorID)
	}
	names := s.people(ctx, ids...)
	out := make([]IntroductionView, len(ins))
	for i, in := range ins {
		v := IntroductionView{
			ID: in.ID.Hex(), RequestID: in.RequestID.Hex(), Status: in.Status, Topics: in.Topics, Message: in.Message,
			Mentor: s.mentorRef(in.MentorID, names), Founder: s.founderSummary(in.FounderID, names),
			Reason: in.Reason, ResponseMessage: in.ResponseMessage, CreatedAt: in.CreatedAt, ExpiresAt: in.ExpiresAt, DecidedAt: in.DecidedAt,
		}
		if in.MentorshipID != nil {
			v.MentorshipID = in.MentorshipID.Hex()
		}
		out[i] = v
	}
	return out
}

func (s *Server) introductionView(c *gin.Context, in mentorships.Introduction) IntroductionView {
	return s.introductionViews(c, []mentorships.Introduction{in})[0]
}

// introduce godoc
//
//	@Summary		Ask a mentor for an introduction
//	@Description	On the caller's open request, by a founder whose e-mail address is confirmed (else 403 email_unverified). The mentor must be a candidate now, else 409 with a code saying why. At most 3 pending per request, once per mentor. Pending introductions expire after KIZUNA_INTRO_EXPIRY_DAYS (default 14); the mentor is reminded at half-time.
//	@ID				introduce
//	@Tags			introductions
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"Match request id"
//	@Param			body			body		IntroduceRequest	true	"Whom to ask"
//	@Param			Idempotency-Key	header		string				false	"Makes retries safe: the same key (1-255 printable ASCII) with the same request within 24 hours answers the first response again (with Idempotent-Replayed: true) and creates nothing new"
//	@Success		201				{object}	IntroductionView
//	@Failure		400				{object}	Problem	"validation_failed, malformed_json, unknown_field"
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem	"forbidden, email_unverified (confirm your e-mail address first: POST /v1/auth/verify-email)"
//	@Failure		404				{object}	Problem	"not_found (request or mentor)"
//	@Failure		409				{object}	Problem	"request_not_open, too_many_pending, already_introduced, not_accepting, capacity_full, stake_conflict, not_independent, topic_mismatch, mode_mismatch, out_of_reach, self_match, mentor_unavailable, idempotency_in_progress"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem		"idempotency_key_reuse (this Idempotency-Key was sent with a different request)"
//	@Failure		429				{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429				{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500				{object}	Problem
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/match-requests/{id}/introductions [post]
func (s *Server) introduce(c *gin.Context) {
	id, ok := pathID(c, "match request")
	if !ok {
		return
	}
	var req IntroduceRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	if req.MentorID == "" {
		var v apperr.Validation
		v.Add("mentorId", "is required")
		fail(c, v.Err())
		return
	}
	mentorID, ok := ids.Parse(req.MentorID)
	if !ok {
		fail(c, apperr.NotFoundf("no mentor with id %q", req.MentorID))
		return
	}
	in, err := s.mentorships.Introduce(c, principal(c), id, mentorID, req.Message)
	if failIf(c, err) {
		return
	}
	c.Header("Location", "/v1/introductions/"+in.ID.Hex())
	writeJSON(c, http.StatusCreated, s.introductionView(c, in))
}

// listIntroductions godoc
//
//	@Summary		The caller's introductions
//	@Description	as=founder (default): the ones you asked for; as=mentor: the ones asked of you. Newest first.
//	@ID				listIntroductions
//	@Tags			introductions
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			as		query		string	false	"founder (default) or mentor"	Enums(founder, mentor)	default(founder)
//	@Param			status	query		string	false	"Only this status"				Enums(pending, accepted, declined, withdrawn, expired)
//	@Param			limit	query		int		false	"1 to 100, default 20"			minimum(1)	maximum(100)	default(20)
//	@Param			cursor	query		string	false	"nextCursor of the previous page"
//	@Success		200		{object}	IntroductionList
//	@Failure		400		{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/introductions [get]
func (s *Server) listIntroductions(c *gin.Context) {
	q := newQuery(c)
	f := mentorships.IntroductionFilter{Status: q.str("status"), Limit: q.limit(), Cursor: q.cursor()}
	switch q.str("as") {
	case "", "founder":
	case "mentor":
		f.AsMentor = true
	default:
		q.v.Add("as", "must be founder or mentor")
	}
	if failIf(c, q.err()) {
		return
	}
	ins, next, err := s.mentorships.ListIntroductions(c, principal(c), f)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, IntroductionList{Items: s.introductionViews(c, ins), NextCursor: q.nextCursor(next)})
}

// getIntroduction godoc
//
//	@Summary	An introduction (its two parties only)
//	@ID			getIntroduction
//	@Tags		introductions
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Introduction id"
//	@Success	200	{object}	IntroductionView
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem
//	@Failure	404	{object}	Problem	"not_found"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/introductions/{id} [get]
func (s *Server) getIntroduction(c *gin.Context) {
	id, ok := pathID(c, "introduction")
	if !ok {
		return
	}
	in, err := s.mentorships.GetIntroduction(c, principal(c), id)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.introductionView(c, in))
}

// acceptIntroduction godoc
//
//	@Summary		Accept (the mentor)
//	@Description	Takes one of your places and starts the mentorship; both of you then see each other's contact details. The request is matched and its other pending introductions are withdrawn. Racing accepts for your last place: exactly one wins, the others get 409 capacity_full.
//	@ID				acceptIntroduction
//	@Tags			introductions
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"Introduction id"
//	@Param			body			body		AcceptRequest	false	"Optional word to the founder"
//	@Param			Idempotency-Key	header		string			false	"Makes retries safe: the same key (1-255 printable ASCII) with the same request within 24 hours answers the first response again (with Idempotent-Replayed: true) and creates nothing new"
//	@Success		200				{object}	IntroductionView
//	@Failure		400				{object}	Problem	"validation_failed"
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem	"forbidden: only the mentor"
//	@Failure		404				{object}	Problem	"not_found"
//	@Failure		409				{object}	Problem	"invalid_transition, capacity_full, request_already_matched, request_not_open, idempotency_in_progress"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem		"idempotency_key_reuse (this Idempotency-Key was sent with a different request)"
//	@Failure		429				{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429				{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500				{object}	Problem
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/introductions/{id}/accept [post]
func (s *Server) acceptIntroduction(c *gin.Context) {
	id, ok := pathID(c, "introduction")
	if !ok {
		return
	}
	var req AcceptRequest
	if c.Request.ContentLength != 0 && !s.decodeJSON(c, &req) {
		return
	}
	in, err := s.mentorships.Accept(c, principal(c), id, req.Message)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.introductionView(c, in))
}

// declineIntroduction godoc
//
//	@Summary	Decline (the mentor)
//	@ID			declineIntroduction
//	@Tags		introductions
//	@Accept		json
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string			true	"Introduction id"
//	@Param		body	body		DeclineRequest	true	"Why"
//	@Success	200		{object}	IntroductionView
//	@Failure	400		{object}	Problem	"validation_failed"
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem	"forbidden: only the mentor"
//	@Failure	404		{object}	Problem	"not_found"
//	@Failure	409		{object}	Problem	"invalid_transition"
//	@Failure	413		{object}	Problem
//	@Failure	415		{object}	Problem
//	@Failure	429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500		{object}	Problem
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/introductions/{id}/decline [post]
func (s *Server) declineIntroduction(c *gin.Context) {
	id, ok := pathID(c, "introduction")
	if !ok {
		return
	}
	var req DeclineRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	in, err := s.mentorships.Decline(c, principal(c), id, req.Reason, req.Message)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.introductionView(c, in))
}

// withdrawIntroduction godoc
//
//	@Summary	Withdraw (the founder)
//	@ID			withdrawIntroduction
//	@Tags		introductions
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Introduction id"
//	@Success	200	{object}	IntroductionView
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem		"forbidden: only the founder"
//	@Failure	404	{object}	Problem		"not_found"
//	@Failure	409	{object}	Problem		"invalid_transition"
//	@Failure	429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/introductions/{id}/withdraw [post]
func (s *Server) withdrawIntroduction(c *gin.Context) {
	id, ok := pathID(c, "introduction")
	if !ok {
		return
	}
	in, err := s.mentorships.Withdraw(c, principal(c), id)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.introductionView(c, in))
}
