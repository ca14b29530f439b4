package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/cursor"
)

// CommunityRequest creates a community.
type CommunityRequest struct {
	Name        string `json:"name" example:"十勝起業者コミュニティ" validate:"max=80" binding:"required"`
	NameEn      string `json:"nameEn,omitempty" example:"Tokachi Founders Community" validate:"max=80"`
	Description string `json:"description,omitempty" example:"十勝で事業を営む人と、応援するメンターの集まりです。参加無料。" validate:"max=4000"`
	// Prefectures it covers (1 or more).
	PrefectureCodes []string `json:"prefectureCodes" example:"01" validate:"max=47,dive,max=2" binding:"required"`
	// Optionally, only these municipalities of those prefectures.
	MunicipalityCodes []string `json:"municipalityCodes,omitempty" example:"01207,01631" validate:"max=500,dive,max=5"`
}

// CommunityView is a community.
type CommunityView struct {
	ID                string      `json:"id" example:"673f0c2b9d1e8a0012ab3600"`
	Name              string      `json:"name" example:"十勝起業者コミュニティ"`
	NameEn            string      `json:"nameEn,omitempty" example:"Tokachi Founders Community"`
	Description       string      `json:"description" example:"十勝で事業を営む人と、応援するメンターの集まりです。"`
	PrefectureCodes   []string    `json:"prefectureCodes" example:"01"`
	MunicipalityCodes []string    `json:"municipalityCodes" example:"01207"`
	Organizers        []PersonRef `json:"organizers"`
	MemberCount       int64       `json:"memberCount" example:"42"`
	// The caller's membership: member, organizer, or empty when not a member.
	MyRole string `json:"myRole,omitempty" enums:"member,organizer" example:"member"`
	// With near=: km from the community's center.
	DistanceKm *float64  `json:"distanceKm,omitempty" example:"3.2"`
	CreatedAt  time.Time `json:"createdAt" example:"2026-11-23T10:00:00Z"`
}

// CommunityList is a page of communities.
type CommunityList struct {
	Items []CommunityView `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"20"`
}

// MembershipView is the caller's membership.
type MembershipView struct {
	CommunityID string    `json:"communityId" example:"673f0c2b9d1e8a0012ab3600"`
	Role        string    `json:"role" enums:"member,organizer" example:"member"`
	Status      string    `json:"status" enums:"active,left" example:"active"`
	Alumni      bool      `json:"alumni" example:"false"`
	JoinedAt    time.Time `json:"joinedAt" example:"2026-11-23T10:00:00Z"`
}

// MemberView is a member as organizers see them.
type MemberView struct {
	UserID      string `json:"userId" example:"673f0c2b9d1e8a0012ab34cd"`
	DisplayName string `json:"displayName" example:"佐藤 由紀"`
	Role        string `json:"role" enums:"member,organizer" example:"member"`
	// How they joined: joined, created, alumni, event.
	Source string `json:"source" example:"joined"`
	Alumni bool   `json:"alumni" example:"true"`
	// No activity for KIZUNA_LAPSED_DAYS.
	Lapsed       bool      `json:"lapsed" example:"true"`
	LastActiveAt time.Time `json:"lastActiveAt" example:"2026-06-01T09:00:00Z"`
	// Whether they accept invitations back (organizers can still see them).
	AcceptsInvitations bool      `json:"acceptsInvitations" example:"true"`
	JoinedAt           time.Time `json:"joinedAt" example:"2025-04-01T10:00:00Z"`
}

// MemberList lists members.
type MemberList struct {
	Items []MemberView `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"1764547200000.6650f0c2a1b2c3d4e5f60718"`
}

// PostRequest writes a post.
type PostRequest struct {
	// 1 to 4,000 characters.
	Body string `json:"body" example:"来月、帯広で販路開拓の勉強会をします。初めての方も歓迎です。" validate:"max=4000" binding:"required"`
}

// PostView is a post.
type PostView struct {
	ID          string     `json:"id" example:"673f0c2b9d1e8a0012ab3700"`
	CommunityID string     `json:"communityId" example:"673f0c2b9d1e8a0012ab3600"`
	Author      PersonRef  `json:"author"`
	Body        string     `json:"body" example:"来月、帯広で販路開拓の勉強会をします。"`
	Pinned      bool       `json:"pinned" example:"false"`
	EditedAt    *time.Time `json:"editedAt,omitempty" example:"2026-11-23T11:00:00Z"`
	CreatedAt   time.Time  `json:"createdAt" example:"2026-11-23T10:00:00Z"`
}

// PostList is a page of posts: pinned first, then newest first.
type PostList struct {
	Items []PostView `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"0.673f0c2b9d1e8a0012ab3700"`
}

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
	NextCursor string `json:"nextCursor,omitempty" example:"20"`
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

func (s *Server) communityView(c *gin.Context, l community.Listed, mine map[bson.ObjectID]community.Membership) CommunityView {
	names := s.people(c, l.OrganizerIDs...)
	v := CommunityView{
		ID: l.ID.Hex(), Name: l.Name, NameEn: l.NameEn, Description: l.Description, PrefectureCodes: l.PrefectureCodes,
		MunicipalityCodes: l.MunicipalityCodes, Organizers: []PersonRef{}, DistanceKm: roundKm(l.DistanceKm), CreatedAt: l.CreatedAt,
	}
	for _, id := range l.OrganizerIDs {
		v.Organizers = append(v.Organizers, PersonRef{ID: id.Hex(), DisplayName: names[id]})
	}
	v.MemberCount = l.MemberCount
	if m, ok := mine[l.ID]; ok {
		v.MyRole = m.Role
	}
	return v
}

// offsetKey is the position in a small list sorted in memory (communities,
// events): how many items came before.
type offsetKey struct {
	Offset int `json:"o"`
}

// offsetCursor reads the position of such a list.
func offsetCursor(q *query) int {
	cur := q.cursor()
	if cur == "" {
		return 0
	}
	var k offsetKey
	if !cursor.Decode(cur, &k) || k.Offset < 0 {
		q.v.Add("cursor", "is not a cursor returned by this endpoint")
		return 0
	}
	return k.Offset
}

func nextOffset(offset, limit int, more bool) string {
	if !more {
		return ""
	}
	return cursor.Encode(offsetKey{Offset: offset + limit})
}

// createCommunity godoc
//
//	@Summary		Create a community (organizers, admins)
//	@Description	The creator becomes its organizer. Membership is free for anyone signed in.
//	@ID				createCommunity
//	@Tags			community
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			body			body		CommunityRequest	true	"The community"
//	@Param			Idempotency-Key	header		string				false	"Makes retries safe: the same key (1-255 printable ASCII) with the same request within 24 hours answers the first response again (with Idempotent-Replayed: true) and creates nothing new"
//	@Success		201				{object}	CommunityView
//	@Failure		400				{object}	Problem	"validation_failed"
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem	"forbidden: needs the organizer role"
//	@Failure		409				{object}	Problem	"idempotency_in_progress (a request with this Idempotency-Key still runs after 10 s)"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem		"idempotency_key_reuse (this Idempotency-Key was sent with a different request)"
//	@Failure		429				{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429				{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500				{object}	Problem
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/communities [post]
func (s *Server) createCommunity(c *gin.Context) {
	var req CommunityRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	cm, err := s.community.Create(c, principal(c), community.CommunityInput{
		Name: req.Name, NameEn: req.NameEn, Description: req.Description, PrefectureCodes: req.PrefectureCodes, MunicipalityCodes: req.MunicipalityCodes,
	})
	if failIf(c, err) {
		return
	}
	c.Header("Location", "/v1/communities/"+cm.ID.Hex())
	writeJSON(c, http.StatusCreated, s.communityView(c, community.Listed{Community: cm}, map[bson.ObjectID]community.Membership{cm.ID: {Role: community.RoleOrganizer}}))
}

// listCommunities godoc
//
//	@Summary		Communities
//	@Description	Filter by prefecture; with near=, nearest first (by the community's center), else newest first.
//	@ID				listCommunities
//	@Tags			community
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			prefecture	query		string	false	"Prefecture code (e.g. 01)"
//	@Param			near		query		string	false	"Municipality code, prefecture code or lat,lon"
//	@Param			limit		query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param			cursor		query		string	false	"nextCursor of the previous page"
//	@Success		200			{object}	CommunityList
//	@Failure		400			{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		500			{object}	Problem
//	@Failure		503			{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/communities [get]
func (s *Server) listCommunities(c *gin.Context) {
	q := newQuery(c)
	f := community.CommunityFilter{Prefecture: q.str("prefecture"), Limit: q.limit(), Offset: offsetCursor(q)}
	if p := q.place(s.areas, "near"); p != nil {
		f.Near = &p.Point
	}
	if failIf(c, q.err()) {
		return
	}
	cs, more, err := s.community.List(c, f)
	if failIf(c, err) {
		return
	}
	mine, err := s.community.MyMemberships(c, principal(c).UserID)
	if failIf(c, err) {
		return
	}
	resp := CommunityList{Items: make([]CommunityView, len(cs)), NextCursor: q.nextCursor(nextOffset(f.Offset, f.Limit, more))}
	for i, cm := range cs {
		resp.Items[i] = s.communityView(c, cm, mine)
	}
	writeJSON(c, http.StatusOK, resp)
}

// getCommunity godoc
//
//	@Summary	A community
//	@ID			getCommunity
//	@Tags		community
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Community id"
//	@Success	200	{object}	CommunityView
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem
//	@Failure	404	{object}	Problem	"not_found"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/communities/{id} [get]
func (s *Server) getCommunity(c *gin.Context) {
	id, ok := pathID(c, "community")
	if !ok {
		return
	}
	cm, err := s.community.Get(c, id)
	if failIf(c, err) {
		return
	}
	mine, err := s.community.MyMemberships(c, principal(c).UserID)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.communityView(c, community.Listed{Community: cm}, mine))
}

// joinCommunity godoc
//
//	@Summary		Join (free, anyone signed in)
//	@Description	Idempotent; a member who left rejoins.
//	@ID				joinCommunity
//	@Tags			community
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"Community id"
//	@Success		200	{object}	MembershipView
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem		"not_found"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/communities/{id}/join [post]
func (s *Server) joinCommunity(c *gin.Context) {
	id, ok := pathID(c, "community")
	if !ok {
		return
	}
	m, err := s.community.Join(c, principal(c), id)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, MembershipView{CommunityID: m.CommunityID.Hex(), Role: m.Role, Status: m.Status, Alumni: m.Alumni, JoinedAt: m.JoinedAt})
}

// leaveCommunity godoc
//
//	@Summary		Leave
//	@Description	Idempotent. The last organizer cannot leave (409 last_organizer).
//	@ID				leaveCommunity
//	@Tags			community
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path	string	true	"Community id"
//	@Success		204
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem		"not_found"
//	@Failure		409	{object}	Problem		"last_organizer"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/communities/{id}/leave [post]
func (s *Server) leaveCommunity(c *gin.Context) {
	id, ok := pathID(c, "community")
	if !ok {
		return
	}
	if failIf(c, s.community.Leave(c, principal(c), id)) {
		return
	}
	c.Status(http.StatusNoContent)
}

// listMembers godoc
//
//	@Summary		Members (the community's organizers)
//	@Description	Least recently active first, a page at a time. status=lapsed lists members with no activity for KIZUNA_LAPSED_DAYS (default 90): whom to invite back; status=active the others. Activity is as last recorded (every few seconds), but a member who came back since is never listed as lapsed; suspended accounts are left out, so a page may be shorter than limit.
//	@ID				listMembers
//	@Tags			community
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"Community id"
//	@Param			status	query		string	false	"active or lapsed"		Enums(active, lapsed)
//	@Param			limit	query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param			cursor	query		string	false	"nextCursor of the previous page"
//	@Success		200		{object}	MemberList
//	@Failure		400		{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem	"forbidden: not an organizer of this community"
//	@Failure		404		{object}	Problem	"not_found"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/communities/{id}/members [get]
func (s *Server) listMembers(c *gin.Context) {
	id, ok := pathID(c, "community")
	if !ok {
		return
	}
	q := newQuery(c)
	f := community.MemberFilter{Status: q.str("status"), Limit: q.limit(), Cursor: q.cursor()}
	if failIf(c, q.err()) {
		return
	}
	ms, next, err := s.community.Members(c, principal(c), id, f)
	if failIf(c, err) {
		return
	}
	resp := MemberList{Items: make([]MemberView, len(ms)), NextCursor: q.nextCursor(next)}
	for i, m := range ms {
		resp.Items[i] = MemberView{
			UserID: m.UserID.Hex(), DisplayName: m.User.DisplayName, Role: m.Role, Source: m.Source, Alumni: m.Alumni,
			Lapsed: m.Lapsed, LastActiveAt: m.User.ActiveAt(), AcceptsInvitations: m.User.Preferences.Invitations, JoinedAt: m.JoinedAt,
		}
	}
	writeJSON(c, http.StatusOK, resp)
}

func (s *Server) postViews(c *gin.Context, posts []community.Post) []PostView {
	var ids []bson.ObjectID
	for _, p := range posts {
		ids = append(ids, p.AuthorID)
	}
	names := s.people(c, ids...)
	out := make([]PostView, len(posts))
	for i, p := range posts {
		out[i] = PostView{ID: p.ID.Hex(), CommunityID: p.CommunityID.Hex(), Author: PersonRef{ID: p.AuthorID.Hex(), DisplayName: names[p.AuthorID]},
			Body: p.Body, Pinned: p.Pinned == 1, EditedAt: p.EditedAt, CreatedAt: p.CreatedAt}
	}
	return out
}

// listPosts godoc
//
//	@Summary	A community's posts (members)
//	@ID			listPosts
//	@Tags		community
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Community id"
//	@Param		limit	query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param		cursor	query		string	false	"nextCursor of the previous page"
//	@Success	200		{object}	PostList
//	@Failure	400		{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem	"not_a_member"
//	@Failure	404		{object}	Problem	"not_found"
//	@Failure	500		{object}	Problem
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/communities/{id}/posts [get]
func (s *Server) listPosts(c *gin.Context) {
	id, ok := pathID(c, "community")
	if !ok {
		return
	}
	q := newQuery(c)
	limit, cursor := q.limit(), q.cursor()
	if failIf(c, q.err()) {
		return
	}
	posts, next, err := s.community.ListPosts(c, principal(c), id, limit, cursor)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, PostList{Items: s.postViews(c, posts), NextCursor: q.nextCursor(next)})
}

// createPost godoc
//
//	@Summary		Post to a community (members)
//	@Description	Members with a confirmed e-mail address only: an unconfirmed one gets 403 email_unverified.
//	@ID				createPost
//	@Tags			community
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string		true	"Community id"
//	@Param			body			body		PostRequest	true	"The post"
//	@Param			Idempotency-Key	header		string		false	"Makes retries safe: the same key (1-255 printable ASCII) with the same request within 24 hours answers the first response again (with Idempotent-Replayed: true) and creates nothing new"
//	@Success		201				{object}	PostView
//	@Failure		400				{object}	Problem	"validation_failed"
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem	"not_a_member, email_unverified (confirm your e-mail address first)"
//	@Failure		404				{object}	Problem	"not_found"
//	@Failure		409				{object}	Problem	"idempotency_in_progress (a request with this Idempotency-Key still runs after 10 s)"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem		"idempotency_key_reuse (this Idempotency-Key was sent with a different request)"
//	@Failure		429				{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429				{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500				{object}	Problem
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/communities/{id}/posts [post]
func (s *Server) createPost(c *gin.Context) {
	id, ok := pathID(c, "community")
	if !ok {
		return
	}
	var req PostRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	post, err := s.community.CreatePost(c, principal(c), id, req.Body)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusCreated, s.postViews(c, []community.Post{post})[0])
}

// editPost godoc
//
//	@Summary	Edit your post
//	@ID			editPost
//	@Tags		community
//	@Accept		json
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string		true	"Post id"
//	@Param		body	body		PostRequest	true	"The new text"
//	@Success	200		{object}	PostView
//	@Failure	400		{object}	Problem	"validation_failed"
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem	"forbidden: not the author"
//	@Failure	404		{object}	Problem	"not_found"
//	@Failure	413		{object}	Problem
//	@Failure	415		{object}	Problem
//	@Failure	429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500		{object}	Problem
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/posts/{id} [patch]
func (s *Server) editPost(c *gin.Context) {
	id, ok := pathID(c, "post")
	if !ok {
		return
	}
	var req PostRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	post, err := s.community.EditPost(c, principal(c), id, req.Body)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.postViews(c, []community.Post{post})[0])
}

// deletePost godoc
//
//	@Summary		Delete a post
//	@Description	The author deletes their own; the community's organizers remove any (moderation).
//	@ID				deletePost
//	@Tags			community
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path	string	true	"Post id"
//	@Success		204
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem		"forbidden"
//	@Failure		404	{object}	Problem		"not_found"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/posts/{id} [delete]
func (s *Server) deletePost(c *gin.Context) {
	id, ok := pathID(c, "post")
	if !ok {
		return
	}
	if failIf(c, s.community.DeletePost(c, principal(c), id)) {
		return
	}
	c.Status(http.StatusNoContent)
}

// pinPost godoc
//
//	@Summary	Pin a post (the community's organizers)
//	@ID			pinPost
//	@Tags		community
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Post id"
//	@Success	200	{object}	PostView
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem		"forbidden"
//	@Failure	404	{object}	Problem		"not_found"
//	@Failure	429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/posts/{id}/pin [post]
func (s *Server) pinPost(c *gin.Context) { s.setPinned(c, true) }

// unpinPost godoc
//
//	@Summary	Unpin a post (the community's organizers)
//	@ID			unpinPost
//	@Tags		community
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Post id"
//	@Success	200	{object}	PostView
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem		"forbidden"
//	@Failure	404	{object}	Problem		"not_found"
//	@Failure	429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/posts/{id}/unpin [post]
func (s *Server) unpinPost(c *gin.Context) { s.setPinned(c, false) }

func (s *Server) setPinned(c *gin.Context, pinned bool) {
	id, ok := pathID(c, "post")
	if !ok {
		return
	}
	post, err := s.community.PinPost(c, principal(c), id, pinned)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.postViews(c, []community.Post{post})[0])
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
