package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
)

// ContactView is the other party's contact details, shown to the two parties
// of a mentorship only.
type ContactView struct {
	DisplayName string `json:"displayName" example:"佐藤 由紀"`
	Email       string `json:"email" example:"yuki.sato@example.jp"`
	// Present when they shared one; a call often does more than another e-mail.
	Phone string `json:"phone,omitempty" example:"090-1234-5678"`
}

// ReflectionView is one party's reflection on a completed mentorship.
type ReflectionView struct {
	UserID      string    `json:"userId" example:"673f0c2b9d1e8a0012ab34cd"`
	Text        string    `json:"text" example:"販路の考え方が変わりました。ありがとうございました"`
	Rating      int       `json:"rating" example:"5"`
	StayInTouch bool      `json:"stayInTouch" example:"true"`
	At          time.Time `json:"at" example:"2027-03-01T10:00:00Z"`
}

// MentorshipView is a mentorship.
type MentorshipView struct {
	ID        string         `json:"id" example:"673f0c2b9d1e8a0012ab3510"`
	RequestID string         `json:"requestId" example:"673f0c2b9d1e8a0012ab3500"`
	Status    string         `json:"status" enums:"active,completed,ended" example:"active"`
	Topics    []string       `json:"topics" example:"sales,hiring"`
	Mentor    MentorRef      `json:"mentor"`
	Founder   FounderSummary `json:"founder"`
	StartedAt time.Time      `json:"startedAt" example:"2026-11-24T09:00:00Z"`
	EndedAt   *time.Time     `json:"endedAt,omitempty" example:"2027-03-01T10:00:00Z"`
	EndReason string         `json:"endReason,omitempty" example:"事業の方向転換のため"`
	// Time of the latest touchpoint.
	LastContactAt *time.Time `json:"lastContactAt,omitempty" example:"2026-12-10T19:00:00Z"`
	// The other party's contact details: only for the two parties.
	Counterpart *ContactView `json:"counterpart,omitempty"`
	// Your reflection, and the other's once both of you wrote one.
	Reflections []ReflectionView `json:"reflections,omitempty"`
}

// MentorshipList is a page of mentorships.
type MentorshipList struct {
	Items []MentorshipView `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
}

// TouchpointRequest records a contact.
type TouchpointRequest struct {
	Kind string `json:"kind" enums:"call,meeting,online,message,event" example:"call" validate:"max=20" binding:"required"`
	// When it happened; default now. Not in the future.
	At              *time.Time `json:"at,omitempty" example:"2026-11-24T19:00:00Z"`
	DurationMinutes int        `json:"durationMinutes,omitempty" example:"30"`
	// Private to the two of you (up to 2,000 characters).
	Summary string `json:"summary,omitempty" example:"道外の展示会の選び方を相談。次回は価格表を見てもらう" validate:"max=2000"`
}

// TouchpointView is a recorded contact.
type TouchpointView struct {
	ID              string    `json:"id" example:"673f0c2b9d1e8a0012ab3520"`
	AuthorID        string    `json:"authorId" example:"673f0c2b9d1e8a0012ab34ce"`
	Kind            string    `json:"kind" enums:"call,meeting,online,message,event" example:"call"`
	At              time.Time `json:"at" example:"2026-12-10T19:00:00Z"`
	DurationMinutes int       `json:"durationMinutes" example:"30"`
	Summary         string    `json:"summary" example:"道外の展示会の選び方を相談"`
	CreatedAt       time.Time `json:"createdAt" example:"2026-12-10T19:40:00Z"`
}

// TouchpointList is a page of touchpoints.
type TouchpointList struct {
	Items []TouchpointView `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
}

// CompleteRequest completes a mentorship with a reflection.
type CompleteRequest struct {
	// What went well, what you learned (1 to 2,000 characters).
	Reflection string `json:"reflection" example:"販路の考え方が変わりました。ありがとうございました" validate:"max=2000"`
	Rating     int    `json:"rating" example:"5"`
	// Whether you want to keep in touch as alumni.
	StayInTouch bool `json:"stayInTouch" example:"true"`
}

// EndRequest ends a mentorship early.
type EndRequest struct {
	// Why (1 to 1,000 characters); shared with the other party.
	Reason string `json:"reason" example:"事業の方向転換のため、いったん区切りにします" validate:"max=1000" binding:"required"`
}

func (s *Server) mentorshipViews(c *gin.Context, ds []mentorships.MentorshipDetail) []MentorshipView {
	ids := make([]bson.ObjectID, 0, 2*len(ds))
	for _, d := range ds {
		ids = append(ids, d.MentorID, d.FounderID)
	}
	names := s.people(c, ids...)
	out := make([]MentorshipView, len(ds))
	for i, d := range ds {
		v := MentorshipView{
			ID: d.ID.Hex(), RequestID: d.RequestID.Hex(), Status: d.Status, Topics: d.Topics,
			Mentor: s.mentorRef(d.MentorID, names), Founder: s.founderSummary(d.FounderID, names),
			StartedAt: d.StartedAt, EndedAt: d.EndedAt, EndReason: d.EndReason, LastContactAt: d.LastContactAt,
		}
		if d.Counterpart != nil {
			v.Counterpart = contactView(*d.Counterpart)
		}
		for _, r := range d.Reflections {
			v.Reflections = append(v.Reflections, ReflectionView{UserID: r.UserID.Hex(), Text: r.Text, Rating: r.Rating, StayInTouch: r.StayInTouch, At: r.At})
		}
		out[i] = v
	}
	return out
}

func contactView(u accounts.User) *ContactView {
	return &ContactView{DisplayName: u.DisplayName, Email: u.Email, Phone: u.Phone}
}

func (s *Server) mentorshipView(c *gin.Context, d mentorships.MentorshipDetail) MentorshipView {
	return s.mentorshipViews(c, []mentorships.MentorshipDetail{d})[0]
}

// listMentorships godoc
//
//	@Summary	The caller's mentorships, as mentor or founder
//	@ID			listMentorships
//	@Tags		mentorships
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		status	query		string	false	"Only this status"		Enums(active, completed, ended)
//	@Param		limit	query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param		cursor	query		string	false	"nextCursor of the previous page"
//	@Success	200		{object}	MentorshipList
//	@Failure	400		{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem
//	@Failure	500		{object}	Problem
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/mentorships [get]
func (s *Server) listMentorships(c *gin.Context) {
	q := newQuery(c)
	f := mentorships.MentorshipFilter{Status: q.str("status"), Limit: q.limit(), Cursor: q.cursor()}
	if failIf(c, q.err()) {
		return
	}
	ds, next, err := s.mentorships.ListMentorships(c, principal(c), f)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, MentorshipList{Items: s.mentorshipViews(c, ds), NextCursor: q.nextCursor(next)})
}

// getMentorship godoc
//
//	@Summary		A mentorship
//	@Description	Its two parties see it with the other's contact details (e-mail, phone if given); organizers and admins see it without them; nobody else sees it.
//	@ID				getMentorship
//	@Tags			mentorships
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"Mentorship id"
//	@Success		200	{object}	MentorshipView
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem	"not_found"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/mentorships/{id} [get]
func (s *Server) getMentorship(c *gin.Context) {
	id, ok := pathID(c, "mentorship")
	if !ok {
		return
	}
	d, err := s.mentorships.GetMentorship(c, principal(c), id)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.mentorshipView(c, d))
}

// addTouchpoint godoc
//
//	@Summary		Record a contact
//	@Description	A call, meeting, online session, message or event together; it moves the pair's last contact. Allowed while active and after completion (alumni keep in touch).
//	@ID				addTouchpoint
//	@Tags			mentorships
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"Mentorship id"
//	@Param			body			body		TouchpointRequest	true	"The contact"
//	@Param			Idempotency-Key	header		string				false	"Makes retries safe: the same key (1-255 printable ASCII) with the same request within 24 hours answers the first response again (with Idempotent-Replayed: true) and creates nothing new"
//	@Success		201				{object}	TouchpointView
//	@Failure		400				{object}	Problem	"validation_failed"
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem	"not_found"
//	@Failure		409				{object}	Problem	"invalid_transition (ended early), idempotency_in_progress"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem		"idempotency_key_reuse (this Idempotency-Key was sent with a different request)"
//	@Failure		429				{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429				{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500				{object}	Problem
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/mentorships/{id}/touchpoints [post]
func (s *Server) addTouchpoint(c *gin.Context) {
	id, ok := pathID(c, "mentorship")
	if !ok {
		return
	}
	var req TouchpointRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	in := mentorships.TouchpointInput{Kind: req.Kind, DurationMinutes: req.DurationMinutes, Summary: req.Summary}
	if req.At != nil {
		in.At = *req.At
	}
	tp, err := s.mentorships.AddTouchpoint(c, principal(c), id, in)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusCreated, touchpointView(tp))
}

func touchpointView(t mentorships.Touchpoint) TouchpointView {
	return TouchpointView{ID: t.ID.Hex(), AuthorID: t.AuthorID.Hex(), Kind: t.Kind, At: t.At, DurationMinutes: t.DurationMinutes, Summary: t.Summary, CreatedAt: t.CreatedAt}
}

// listTouchpoints godoc
//
//	@Summary	A mentorship's touchpoints (its parties only)
//	@ID			listTouchpoints
//	@Tags		mentorships
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Mentorship id"
//	@Param		limit	query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param		cursor	query		string	false	"nextCursor of the previous page"
//	@Success	200		{object}	TouchpointList
//	@Failure	400		{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem
//	@Failure	404		{object}	Problem	"not_found"
//	@Failure	500		{object}	Problem
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/mentorships/{id}/touchpoints [get]
func (s *Server) listTouchpoints(c *gin.Context) {
	id, ok := pathID(c, "mentorship")
	if !ok {
		return
	}
	q := newQuery(c)
	limit, cursor := q.limit(), q.cursor()
	if failIf(c, q.err()) {
		return
	}
	tps, next, err := s.mentorships.ListTouchpoints(c, principal(c), id, limit, cursor)
	if failIf(c, err) {
		return
	}
	resp := TouchpointList{Items: make([]TouchpointView, len(tps)), NextCursor: q.nextCursor(next)}
	for i, t := range tps {
		resp.Items[i] = touchpointView(t)
	}
	writeJSON(c, http.StatusOK, resp)
}

// completeMentorship godoc
//
//	@Summary		Complete with a reflection (either party)
//	@Description	The first party to complete closes the mentorship: the mentor's place is released and the other party is asked for their reflection; the other then completes too, recording theirs. Both stay connected as alumni.
//	@ID				completeMentorship
//	@Tags			mentorships
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path		string			true	"Mentorship id"
//	@Param			body	body		CompleteRequest	true	"Your reflection"
//	@Success		200		{object}	MentorshipView
//	@Failure		400		{object}	Problem	"validation_failed"
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem	"not_found"
//	@Failure		409		{object}	Problem	"invalid_transition (ended early), already_reflected"
//	@Failure		413		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/mentorships/{id}/complete [post]
func (s *Server) completeMentorship(c *gin.Context) {
	id, ok := pathID(c, "mentorship")
	if !ok {
		return
	}
	var req CompleteRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	d, err := s.mentorships.Complete(c, principal(c), id, mentorships.CompleteInput{Reflection: req.Reflection, Rating: req.Rating, StayInTouch: req.StayInTouch})
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.mentorshipView(c, d))
}

// endMentorship godoc
//
//	@Summary		End early (either party)
//	@Description	Ends an active mentorship and releases the mentor's place.
//	@ID				endMentorship
//	@Tags			mentorships
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path		string		true	"Mentorship id"
//	@Param			body	body		EndRequest	true	"Why"
//	@Success		200		{object}	MentorshipView
//	@Failure		400		{object}	Problem	"validation_failed"
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem	"not_found"
//	@Failure		409		{object}	Problem	"invalid_transition"
//	@Failure		413		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/mentorships/{id}/end [post]
func (s *Server) endMentorship(c *gin.Context) {
	id, ok := pathID(c, "mentorship")
	if !ok {
		return
	}
	var req EndRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	d, err := s.mentorships.End(c, principal(c), id, req.Reason)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.mentorshipView(c, d))
}
