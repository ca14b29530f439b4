package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/community"
)

// VenueRequest is where an in-person event happens.
type VenueRequest struct {
	MunicipalityCode string `json:"municipalityCode" example:"01207" validate:"max=5"`
	Address          string `json:"address,omitempty" example:"帯広市西2条南9丁目 とかちプラザ 303" validate:"max=200"`
}

// EventRequest creates an event.
type EventRequest struct {
	Title       string `json:"title" example:"30分だけ、販路の悩み相談会" validate:"max=120" binding:"required"`
	Description string `json:"description,omitempty" example:"お茶を飲みながら、気軽に。途中参加・途中退出OK。" validate:"max=4000"`
	// In the future, at most two years ahead.
	StartsAt time.Time `json:"startsAt" example:"2026-12-05T10:00:00Z" binding:"required"`
	// After startsAt, at most 7 days later.
	EndsAt time.Time `json:"endsAt" example:"2026-12-05T10:30:00Z" binding:"required"`
	Online bool      `json:"online" example:"false"`
	// Required unless online.
	Venue    *VenueRequest `json:"venue,omitempty"`
	Capacity int           `json:"capacity" example:"12"`
	// Any of free, online (needs online: true), short (60 minutes or less), beginner.
	Tags []string `json:"tags,omitempty" example:"free,short,beginner" validate:"max=10,dive,max=20"`
}

// VenueView is an event's venue.
type VenueView struct {
	MunicipalityCode string  `json:"municipalityCode" example:"01207"`
	MunicipalityJa   string  `json:"municipalityJa" example:"帯広市"`
	Address          string  `json:"address,omitempty" example:"帯広市西2条南9丁目 とかちプラザ 303"`
	Lat              float64 `json:"lat" example:"42.924055"`
	Lon              float64 `json:"lon" example:"143.196206"`
}

// EventView is an event with its attendance.
type EventView struct {
	ID          string     `json:"id" example:"673f0c2b9d1e8a0012ab3800"`
	CommunityID string     `json:"communityId" example:"673f0c2b9d1e8a0012ab3600"`
	Title       string     `json:"title" example:"30分だけ、販路の悩み相談会"`
	Description string     `json:"description" example:"お茶を飲みながら、気軽に。"`
	StartsAt    time.Time  `json:"startsAt" example:"2026-12-05T10:00:00Z"`
	EndsAt      time.Time  `json:"endsAt" example:"2026-12-05T10:30:00Z"`
	Online      bool       `json:"online" example:"false"`
	Venue       *VenueView `json:"venue,omitempty"`
	Capacity    int        `json:"capacity" example:"12"`
	Tags        []string   `json:"tags" example:"free,short"`
	// With near=: km to the venue (0 for online events).
	DistanceKm *float64 `json:"distanceKm,omitempty" example:"2.4"`
	// Only on GET /v1/events/{id}.
	Going      *int `json:"going,omitempty" example:"9"`
	Waitlisted *int `json:"waitlisted,omitempty" example:"0"`
	// The caller's RSVP, when they answered (only on GET /v1/events/{id}).
	MyRSVP *RSVPView `json:"myRsvp,omitempty"`
}

// EventList is a page of events.
type EventList struct {
	Items []EventView `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
}

// RSVPRequest answers an event.
type RSVPRequest struct {
	Status string `json:"status" enums:"going,maybe,not_going" example:"going" validate:"max=20" binding:"required"`
}

// RSVPView is the caller's standing for an event.
type RSVPView struct {
	// going, waitlisted (the event was full; promoted in order when a place frees), maybe or not_going.
	Status string `json:"status" enums:"going,waitlisted,maybe,not_going" example:"waitlisted"`
	// 1-based, when waitlisted.
	WaitlistPosition int `json:"waitlistPosition,omitempty" example:"2"`
}

// InviteResultView says what an invitation round did.
type InviteResultView struct {
	// Lapsed members newly invited.
	Invited int `json:"invited" example:"7"`
	// Lapsed members invited to this event before (never twice).
	AlreadyInvited int `json:"alreadyInvited" example:"0"`
	// Lapsed members who turned invitations off.
	OptedOut int `json:"optedOut" example:"1"`
	Lapsed   int `json:"lapsed" example:"8"`
}

func (s *Server) eventView(e community.Located) EventView {
	v := EventView{
		ID: e.ID.Hex(), CommunityID: e.CommunityID.Hex(), Title: e.Title, Description: e.Description, StartsAt: e.StartsAt, EndsAt: e.EndsAt,
		Online: e.Online, Capacity: e.Capacity, Tags: e.Tags, DistanceKm: roundKm(e.DistanceKm),
	}
	if e.Venue != nil {
		v.Venue = &VenueView{MunicipalityCode: e.Venue.MunicipalityCode, Address: e.Venue.Address, Lat: e.Venue.Point.Lat, Lon: e.Venue.Point.Lon}
		if m, ok := s.areas.Municipality(e.Venue.MunicipalityCode); ok {
			v.Venue.MunicipalityJa = m.NameJa
		}
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	return v
}

// createEvent godoc
//
//	@Summary		Create an event (the community's organizers)
//	@Description	Low-hurdle events (short, free, online or nearby) make coming back easy. Tags: free, online (needs online: true), short (60 minutes or less), beginner.
//	@ID				createEvent
//	@Tags			events
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"Community id"
//	@Param			body			body		EventRequest	true	"The event"
//	@Param			Idempotency-Key	header		string			false	"Makes retries safe: the same key (1-255 printable ASCII) with the same request within 24 hours answers the first response again (with Idempotent-Replayed: true) and creates nothing new"
//	@Success		201				{object}	EventView
//	@Failure		400				{object}	Problem	"validation_failed"
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem	"forbidden: not an organizer of this community"
//	@Failure		404				{object}	Problem	"not_found"
//	@Failure		409				{object}	Problem	"idempotency_in_progress (a request with this Idempotency-Key still runs after 10 s)"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem		"idempotency_key_reuse (this Idempotency-Key was sent with a different request)"
//	@Failure		429				{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429				{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500				{object}	Problem
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/communities/{id}/events [post]
func (s *Server) createEvent(c *gin.Context) {
	id, ok := pathID(c, "community")
	if !ok {
		return
	}
	var req EventRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	in := community.EventInput{Title: req.Title, Description: req.Description, StartsAt: req.StartsAt, EndsAt: req.EndsAt,
		Online: req.Online, Capacity: req.Capacity, Tags: req.Tags}
	if req.Venue != nil {
		in.Venue = &community.VenueInput{MunicipalityCode: req.Venue.MunicipalityCode, Address: req.Venue.Address}
	}
	e, err := s.community.CreateEvent(c, principal(c), id, in)
	if failIf(c, err) {
		return
	}
	c.Header("Location", "/v1/events/"+e.ID.Hex())
	writeJSON(c, http.StatusCreated, s.eventView(community.Located{Event: e}))
}

// listEvents godoc
//
//	@Summary		Upcoming events
//	@Description	From now (or from=) on. With near=: in-person events within radiusKm (default 100) and every online event, nearest first (online ones count as 0 km), then soonest.
//	@ID				listEvents
//	@Tags			events
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			near		query		string	false	"Municipality code, prefecture code or lat,lon (e.g. 01207)"
//	@Param			radiusKm	query		number	false	"With near: 1 to 3000, default 100"	minimum(1)	maximum(3000)	default(100)
//	@Param			from		query		string	false	"RFC 3339 time, default now"
//	@Param			to			query		string	false	"RFC 3339 time"
//	@Param			tag			query		string	false	"Only events with this tag"	Enums(free, online, short, beginner)
//	@Param			communityId	query		string	false	"Only this community's events"
//	@Param			limit		query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param			cursor		query		string	false	"nextCursor of the previous page"
//	@Success		200			{object}	EventList
//	@Failure		400			{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		500			{object}	Problem
//	@Failure		503			{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/events [get]
func (s *Server) listEvents(c *gin.Context) {
	q := newQuery(c)
	f := community.EventFilter{Tag: q.str("tag"), Limit: q.limit(), Offset: offsetCursor(q), From: q.time("from"), To: q.time("to")}
	if p := q.place(s.areas, "near"); p != nil {
		f.Near = &p.Point
		f.RadiusKm = q.number("radiusKm", 1, 3000) // 0: the domain's default
	} else if q.str("radiusKm") != "" {
		q.v.Add("radiusKm", "needs near") // as /v1/mentors: a radius around nothing is a mistake
	}
	if cid := q.str("communityId"); cid != "" {
		id, ok := parseObjectID(cid)
		q.v.Check(ok, "communityId", "is not an id")
		f.CommunityID = id
	}
	if failIf(c, q.err()) {
		return
	}
	es, more, err := s.community.ListEvents(c, f)
	if failIf(c, err) {
		return
	}
	resp := EventList{Items: make([]EventView, len(es)), NextCursor: q.nextCursor(nextOffset(f.Offset, f.Limit, more))}
	for i, e := range es {
		resp.Items[i] = s.eventView(e)
	}
	writeJSON(c, http.StatusOK, resp)
}

// getEvent godoc
//
//	@Summary	An event, with attendance and your RSVP
//	@ID			getEvent
//	@Tags		events
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Event id"
//	@Success	200	{object}	EventView
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem
//	@Failure	404	{object}	Problem	"not_found"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/events/{id} [get]
func (s *Server) getEvent(c *gin.Context) {
	id, ok := pathID(c, "event")
	if !ok {
		return
	}
	e, err := s.community.GetEvent(c, id)
	if failIf(c, err) {
		return
	}
	a, err := s.community.EventAttendance(c, id, principal(c).UserID)
	if failIf(c, err) {
		return
	}
	v := s.eventView(community.Located{Event: e})
	v.Going, v.Waitlisted = &a.Going, &a.Waitlisted
	if a.Mine.Status != "" {
		v.MyRSVP = &RSVPView{Status: a.Mine.Status, WaitlistPosition: a.Mine.WaitlistPosition}
	}
	writeJSON(c, http.StatusOK, v)
}

// rsvpEvent godoc
//
//	@Summary		RSVP
//	@Description	going takes a place, or a place on the waitlist when the event is full (promoted in order when a place frees; you are notified). maybe and not_going give a place up. Going to an event joins its community (free). No race can overbook.
//	@ID				rsvpEvent
//	@Tags			events
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string		true	"Event id"
//	@Param			body			body		RSVPRequest	true	"Your answer"
//	@Param			Idempotency-Key	header		string		false	"Makes retries safe: the same key (1-255 printable ASCII) with the same request within 24 hours answers the first response again (with Idempotent-Replayed: true) and creates nothing new"
//	@Success		200				{object}	RSVPView
//	@Failure		400				{object}	Problem	"validation_failed"
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem	"not_found"
//	@Failure		409				{object}	Problem	"event_past, idempotency_in_progress"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem		"idempotency_key_reuse (this Idempotency-Key was sent with a different request)"
//	@Failure		429				{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429				{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500				{object}	Problem
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/events/{id}/rsvp [post]
func (s *Server) rsvpEvent(c *gin.Context) {
	id, ok := pathID(c, "event")
	if !ok {
		return
	}
	var req RSVPRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	r, err := s.community.Respond(c, principal(c), id, req.Status)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, RSVPView{Status: r.Status, WaitlistPosition: r.WaitlistPosition})
}

// inviteLapsed godoc
//
//	@Summary		Invite lapsed members back (the community's organizers)
//	@Description	Every lapsed member of the event's community gets one in-app invitation to this event: never twice for one event, never to someone who turned invitations off.
//	@ID				inviteLapsed
//	@Tags			events
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"Event id"
//	@Success		200	{object}	InviteResultView
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem		"forbidden"
//	@Failure		404	{object}	Problem		"not_found"
//	@Failure		409	{object}	Problem		"event_past"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/events/{id}/invite-lapsed [post]
func (s *Server) inviteLapsed(c *gin.Context) {
	id, ok := pathID(c, "event")
	if !ok {
		return
	}
	r, err := s.community.InviteLapsed(c, principal(c), id)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, InviteResultView{Invited: r.Invited, AlreadyInvited: r.AlreadyInvited, OptedOut: r.OptedOut, Lapsed: r.Lapsed})
}
