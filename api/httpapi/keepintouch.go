package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/community"
)

// KeepInTouchSuggestion is a low-hurdle way to reach out.
type KeepInTouchSuggestion struct {
	// event: an upcoming short or free event near you both (or online);
	// call: a short phone call (they shared a phone); message: a short note.
	Kind            string     `json:"kind" enums:"event,call,message" example:"event"`
	Event           *EventView `json:"event,omitempty"`
	Phone           string     `json:"phone,omitempty" example:"090-1234-5678"`
	DurationMinutes int        `json:"durationMinutes,omitempty" example:"15"`
}

// KeepInTouchItem is a connection to get back in touch with.
type KeepInTouchItem struct {
	Person       PersonRef `json:"person"`
	MentorshipID string    `json:"mentorshipId" example:"673f0c2b9d1e8a0012ab3510"`
	// active: an ongoing mentorship; alumni: completed.
	Relation string `json:"relation" enums:"active,alumni" example:"alumni"`
	// Their role in the mentorship.
	TheirRole     string    `json:"theirRole" enums:"mentor,founder" example:"mentor"`
	LastContactAt time.Time `json:"lastContactAt" example:"2026-08-01T10:00:00Z"`
	DaysSince     int       `json:"daysSinceContact" example:"114"`
	// The cadence you set for this person, if any.
	CadenceDays int `json:"cadenceDays,omitempty" example:"30"`
	// Days past the threshold (the smaller of staleDays and the cadence).
	OverdueDays int                   `json:"overdueDays" example:"54"`
	Suggestion  KeepInTouchSuggestion `json:"suggestion"`
}

// KeepInTouchList lists connections to reach out to, most overdue first.
type KeepInTouchList struct {
	Items []KeepInTouchItem `json:"items"`
}

// CadenceRequest sets a reminder cadence.
type CadenceRequest struct {
	// Remind me when we have not been in touch for this many days (1 to 365).
	EveryDays int `json:"everyDays" example:"30" binding:"required"`
}

// CadenceView is a reminder cadence.
type CadenceView struct {
	UserID    string `json:"userId" example:"673f0c2b9d1e8a0012ab34cd"`
	EveryDays int    `json:"everyDays" example:"30"`
}

// keepInTouch godoc
//
//	@Summary		Connections to get back in touch with
//	@Description	Your active and alumni connections whose last contact (the latest touchpoint, else the start) is older than staleDays or than the cadence you set for that person, most overdue first, each with a low-hurdle suggestion: an upcoming short or free event near you both, else a short call when they shared a phone, else a message. Connections you said you would not keep (stayInTouch false) are left out.
//	@ID				keepInTouch
//	@Tags			keep-in-touch
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			staleDays	query		int	false	"1 to 365, default 60"	minimum(1)	maximum(365)	default(60)
//	@Success		200			{object}	KeepInTouchList
//	@Failure		400			{object}	Problem	"validation_failed"
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		500			{object}	Problem
//	@Failure		503			{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/keep-in-touch [get]
func (s *Server) keepInTouch(c *gin.Context) {
	q := newQuery(c)
	stale := q.integer("staleDays", 60, 1, 365)
	if failIf(c, q.err()) {
		return
	}
	items, err := s.keepInTouchSvc.List(c, principal(c), stale)
	if failIf(c, err) {
		return
	}
	resp := KeepInTouchList{Items: make([]KeepInTouchItem, len(items))}
	for i, it := range items {
		v := KeepInTouchItem{
			Person: PersonRef{ID: it.Other.ID.Hex(), DisplayName: it.Other.DisplayName}, MentorshipID: it.MentorshipID.Hex(),
			Relation: it.Relation, TheirRole: it.TheirRole, LastContactAt: it.LastContactAt, DaysSince: it.DaysSince,
			CadenceDays: it.CadenceDays, OverdueDays: it.OverdueDays,
			Suggestion: KeepInTouchSuggestion{Kind: it.Suggestion.Kind, Phone: it.Suggestion.Phone, DurationMinutes: it.Suggestion.DurationMinutes},
		}
		if it.Suggestion.Event != nil {
			ev := s.eventView(community.Located{Event: *it.Suggestion.Event})
			v.Suggestion.Event = &ev
		}
		resp.Items[i] = v
	}
	writeJSON(c, http.StatusOK, resp)
}

// setCadence godoc
//
//	@Summary		Set a reminder cadence for a connection
//	@Description	A daily job reminds you (in-app, if reminders are on) when you have not been in touch with this person for everyDays.
//	@ID				setCadence
//	@Tags			keep-in-touch
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			userId	path		string			true	"The other person's user id"
//	@Param			body	body		CadenceRequest	true	"How often"
//	@Success		200		{object}	CadenceView
//	@Failure		400		{object}	Problem	"validation_failed"
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem	"not_found: not one of your connections"
//	@Failure		413		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/connections/{userId}/cadence [put]
func (s *Server) setCadence(c *gin.Context) {
	other, ok := parseObjectID(c.Param("userId"))
	if !ok {
		fail(c, notConnected(c.Param("userId")))
		return
	}
	var req CadenceRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	cd, err := s.keepInTouchSvc.SetCadence(c, principal(c), other, req.EveryDays)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, CadenceView{UserID: cd.OtherID.Hex(), EveryDays: cd.EveryDays})
}

// clearCadence godoc
//
//	@Summary	Remove a reminder cadence
//	@ID			clearCadence
//	@Tags		keep-in-touch
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		userId	path	string	true	"The other person's user id"
//	@Success	204
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem
//	@Failure	404	{object}	Problem		"not_found"
//	@Failure	429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/connections/{userId}/cadence [delete]
func (s *Server) clearCadence(c *gin.Context) {
	other, ok := parseObjectID(c.Param("userId"))
	if !ok {
		fail(c, notConnected(c.Param("userId")))
		return
	}
	if failIf(c, s.keepInTouchSvc.ClearCadence(c, principal(c), other)) {
		return
	}
	c.Status(http.StatusNoContent)
}
