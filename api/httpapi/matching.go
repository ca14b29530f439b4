package httpapi

import (
	"math"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/matching"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
)

// ComponentView is one named part of a score.
type ComponentView struct {
	// The component's own score, 0 to 1.
	Score float64 `json:"score" example:"1"`
	// Its weight in the total; the weights sum to 1.
	Weight float64 `json:"weight" example:"0.3"`
	// Why, in the caller's language (the account's locale, ja or en).
	Note string `json:"note" example:"12.4 km。会える範囲です（あなたの移動範囲 50 km、メンターの移動範囲 30 km）"`
}

// ScoreComponents are the parts of a suggestion's score.
type ScoreComponents struct {
	// Coverage of the requested topics, weighted by their order.
	Topic ComponentView `json:"topic"`
	// Great-circle distance: full marks within reach, decaying beyond, with a
	// floor for mentors who meet online or by phone.
	Distance ComponentView `json:"distance"`
	// Free places and how the mentor answers introductions.
	Availability ComponentView `json:"availability"`
	// Verified by an organizer; declared independent.
	Trust ComponentView `json:"trust"`
}

// SuggestionView is a ranked mentor with the reasons for its rank.
type SuggestionView struct {
	Mentor MentorSummary `json:"mentor"`
	// Great-circle km from the request's location, to 0.1 km.
	DistanceKm float64 `json:"distanceKm" example:"12.4"`
	// Close enough to meet in person (within the founder's radius or the mentor's travel range).
	WithinReach bool `json:"withinReach" example:"true"`
	// Requested topics the mentor covers, in the request's order.
	MatchedTopics []string `json:"matchedTopics" example:"sales,hiring"`
	// Weighted sum of the components, 0 to 1 (rounded to 3 decimals).
	Score      float64         `json:"score" example:"0.85"`
	Components ScoreComponents `json:"components"`
}

// SuggestionsResponse lists ranked mentors.
type SuggestionsResponse struct {
	Items []SuggestionView `json:"items"`
	// How many mentors are candidates at all (before the limit).
	Candidates int `json:"candidates" example:"14"`
}

// MatchRequestRequest creates a match request.
type MatchRequestRequest struct {
	// 1 to 5 topic slugs, most important first.
	Topics []string `json:"topics" example:"sales,hiring" validate:"max=10,dive,max=40" binding:"required"`
	// Where to look from; default: your founder profile's location.
	Location *LocationRequest `json:"location,omitempty"`
	// How far you can travel to meet, 1 to 500 km (default 50).
	RadiusKm int `json:"radiusKm,omitempty" example:"50"`
	// Ways you accept to meet; default all.
	Modes []string `json:"modes,omitempty" example:"in_person,online,phone" validate:"max=10,dive,max=20"`
	// What you need, in your words (up to 1,000 characters); shown to mentors you ask.
	Message string `json:"message,omitempty" example:"道外への販路と、最初の社員の採用について相談したいです" validate:"max=1000"`
	// Only mentors who declare no stake in any business.
	IndependentOnly bool `json:"independentOnly,omitempty" example:"false"`
}

// MatchRequestView is a stored match request.
type MatchRequestView struct {
	ID              string       `json:"id" example:"673f0c2b9d1e8a0012ab3500"`
	Topics          []string     `json:"topics" example:"sales,hiring"`
	Location        LocationView `json:"location"`
	RadiusKm        int          `json:"radiusKm" example:"50"`
	Modes           []string     `json:"modes" example:"in_person,online,phone"`
	Message         string       `json:"message" example:"道外への販路と、最初の社員の採用について相談したいです"`
	IndependentOnly bool         `json:"independentOnly" example:"false"`
	// open, matched (an introduction was accepted) or closed.
	Status       string    `json:"status" enums:"open,matched,closed" example:"open"`
	MentorshipID string    `json:"mentorshipId,omitempty" example:"673f0c2b9d1e8a0012ab3501"`
	CreatedAt    time.Time `json:"createdAt" example:"2026-11-23T10:00:00Z"`
	UpdatedAt    time.Time `json:"updatedAt" example:"2026-11-23T10:00:00Z"`
}

// MatchRequestResponse is a request with its current top suggestions (none
// once the request is not open).
type MatchRequestResponse struct {
	Request     MatchRequestView `json:"request"`
	Suggestions []SuggestionView `json:"suggestions"`
	Candidates  int              `json:"candidates" example:"14"`
}

// MatchRequestList is a page of match requests.
type MatchRequestList struct {
	Items []MatchRequestView `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func component(score, weight float64, note string) ComponentView {
	return ComponentView{Score: round3(score), Weight: weight, Note: note}
}

func (s *Server) suggestionViews(rs []mentorships.Ranked) []SuggestionView {
	out := make([]SuggestionView, len(rs))
	for i, r := range rs {
		d := r.DistanceKm
		out[i] = SuggestionView{
			Mentor: s.mentorSummary(*r.Mentor), DistanceKm: *roundKm(&d), WithinReach: r.WithinReach,
			MatchedTopics: r.MatchedTopics, Score: round3(r.Score),
			Components: ScoreComponents{
				Topic:        component(r.Components.Topic, matching.WeightTopic, r.Explanation.Topic),
				Distance:     component(r.Components.Distance, matching.WeightDistance, r.Explanation.Distance),
				Availability: component(r.Components.Availability, matching.WeightAvailability, r.Explanation.Availability),
				Trust:        component(r.Components.Trust, matching.WeightTrust, r.Explanation.Trust),
			},
		}
	}
	return out
}

func (s *Server) matchRequestView(r mentorships.MatchRequest) MatchRequestView {
	v := MatchRequestView{
		ID: r.ID.Hex(), Topics: r.Topics, RadiusKm: r.RadiusKm, Modes: r.Modes, Message: r.Message,
		IndependentOnly: r.IndependentOnly, Status: r.Status, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Location: s.locationView(r.Location.MunicipalityCode, r.Location.PrefectureCode, r.Location.Point.Lat, r.Location.Point.Lon, true),
	}
	if r.MentorshipID != nil {
		v.MentorshipID = r.MentorshipID.Hex()
	}
	return v
}

// matchSuggestions godoc
//
//	@Summary		Ranked mentor suggestions (nothing stored)
//	@Description	Ranks mentors for the caller (a founder) by topic fit, distance, availability and trust, and explains each part. Candidates accept requests, have a free place, cover a requested topic, meet in an accepted way (in person only when within reach), have no declared stake in the founder's company or industry, and are not the caller. Ties are broken by distance, then id. Served from memory.
//	@ID				matchSuggestions
//	@Tags			matching
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			topic			query		[]string	true	"1 to 5 topic slugs, most important first; repeat or comma-separate"	collectionFormat(multi)
//	@Param			near			query		string		false	"Municipality code, prefecture code or lat,lon; default: your founder profile's location (e.g. 01207)"
//	@Param			radiusKm		query		int			false	"How far you can travel, 1 to 500 (default 50)"	minimum(1)				maximum(500)	default(50)
//	@Param			mode			query		[]string	false	"Ways you accept to meet (default all)"			collectionFormat(multi)	Enums(in_person, online, phone)
//	@Param			independentOnly	query		bool		false	"Only mentors who declare no stake"
//	@Param			limit			query		int			false	"1 to 50, default 10"	minimum(1)	maximum(50)	default(10)
//	@Success		200				{object}	SuggestionsResponse
//	@Failure		400				{object}	Problem	"validation_failed"
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem	"forbidden (not a founder), account_suspended"
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/match-suggestions [get]
func (s *Server) matchSuggestions(c *gin.Context) {
	q := newQuery(c)
	in := mentorships.SuggestInput{
		Topics:          q.strs("topic"),
		RadiusKm:        q.integer("radiusKm", 0, 1, mentorships.MaxRadiusKm),
		Modes:           q.strs("mode"),
		IndependentOnly: q.boolean("independentOnly"),
		Limit:           q.integer("limit", 0, 1, 50),
	}
	if p := q.place(s.areas, "near"); p != nil {
		in.Near = &p.Point
	}
	if failIf(c, q.err()) {
		return
	}
	res, err := s.mentorships.Suggest(principal(c), in)
	if failIf(c, err) {
		return
	}
	s.writeSuggestions(c, &res)
	res.Release() // the body holds a copy of everything shown
}

// createMatchRequest godoc
//
//	@Summary		Ask for a match
//	@Description	Stores a founder's request and returns it with its top 10 suggestions, each with its score components and reasons. Then ask up to 3 of them at a time for an introduction.
//	@ID				createMatchRequest
//	@Tags			matching
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			body			body		MatchRequestRequest	true	"What you need"
//	@Param			Idempotency-Key	header		string				false	"Makes retries safe: the same key (1-255 printable ASCII) with the same request within 24 hours answers the first response again (with Idempotent-Replayed: true) and creates nothing new"
//	@Success		201				{object}	MatchRequestResponse
//	@Failure		400				{object}	Problem	"validation_failed, malformed_json, unknown_field"
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem	"forbidden (not a founder), account_suspended"
//	@Failure		409				{object}	Problem	"idempotency_in_progress (a request with this Idempotency-Key still runs after 10 s)"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem		"idempotency_key_reuse (this Idempotency-Key was sent with a different request)"
//	@Failure		429				{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429				{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500				{object}	Problem
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/match-requests [post]
func (s *Server) createMatchRequest(c *gin.Context) {
	var req MatchRequestRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	r, sug, err := s.mentorships.CreateRequest(c, principal(c), mentorships.RequestInput{
		Topics: req.Topics, Location: req.Location.input(), RadiusKm: req.RadiusKm, Modes: req.Modes,
		Message: req.Message, IndependentOnly: req.IndependentOnly,
	})
	if failIf(c, err) {
		return
	}
	c.Header("Location", "/v1/match-requests/"+r.ID.Hex())
	writeJSON(c, http.StatusCreated, MatchRequestResponse{Request: s.matchRequestView(r), Suggestions: s.suggestionViews(sug.Items), Candidates: sug.Candidates})
}

// listMatchRequests godoc
//
//	@Summary	The caller's match requests
//	@ID			listMatchRequests
//	@Tags		matching
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		limit	query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param		cursor	query		string	false	"nextCursor of the previous page"
//	@Success	200		{object}	MatchRequestList
//	@Failure	400		{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem
//	@Failure	500		{object}	Problem
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/match-requests [get]
func (s *Server) listMatchRequests(c *gin.Context) {
	q := newQuery(c)
	limit, cursor := q.limit(), q.cursor()
	if failIf(c, q.err()) {
		return
	}
	rs, next, err := s.mentorships.ListRequests(c, principal(c), limit, cursor)
	if failIf(c, err) {
		return
	}
	resp := MatchRequestList{Items: make([]MatchRequestView, len(rs)), NextCursor: q.nextCursor(next)}
	for i, r := range rs {
		resp.Items[i] = s.matchRequestView(r)
	}
	writeJSON(c, http.StatusOK, resp)
}

// getMatchRequest godoc
//
//	@Summary		A match request with fresh suggestions
//	@Description	Only its founder sees it; suggestions are ranked anew on every call while the request is open.
//	@ID				getMatchRequest
//	@Tags			matching
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"Match request id"
//	@Success		200	{object}	MatchRequestResponse
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem	"not_found"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/match-requests/{id} [get]
func (s *Server) getMatchRequest(c *gin.Context) {
	id, ok := pathID(c, "match request")
	if !ok {
		return
	}
	r, sug, err := s.mentorships.GetRequest(c, principal(c), id)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, MatchRequestResponse{Request: s.matchRequestView(r), Suggestions: s.suggestionViews(sug.Items), Candidates: sug.Candidates})
}

// closeMatchRequest godoc
//
//	@Summary		Stop looking
//	@Description	Closes an open request and withdraws its pending introductions. Closing a closed request is a no-op; a matched request cannot be closed (409 invalid_transition).
//	@ID				closeMatchRequest
//	@Tags			matching
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"Match request id"
//	@Success		200	{object}	MatchRequestView
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem		"not_found"
//	@Failure		409	{object}	Problem		"invalid_transition"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/match-requests/{id}/close [post]
func (s *Server) closeMatchRequest(c *gin.Context) {
	id, ok := pathID(c, "match request")
	if !ok {
		return
	}
	r, err := s.mentorships.CloseRequest(c, principal(c), id)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.matchRequestView(r))
}
