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
	NextCursor string `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
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
	NextCursor string `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
}

func (s *Server) communityView(c *gin.Context, l community.Listed, mine map[bson.ObjectID]community.Membership) CommunityView {
	return communityView(l, mine, s.people(c, l.OrganizerIDs...))
}

// communityView is the view of l with its organizers' names from names.
func communityView(l community.Listed, mine map[bson.ObjectID]community.Membership, names map[bson.ObjectID]string) CommunityView {
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
	// Every organizer's name in one read, not one per community.
	var organizers []bson.ObjectID
	for _, cm := range cs {
		organizers = append(organizers, cm.OrganizerIDs...)
	}
	names := s.people(c, organizers...)
	resp := CommunityList{Items: make([]CommunityView, len(cs)), NextCursor: q.nextCursor(nextOffset(f.Offset, f.Limit, more))}
	for i, cm := range cs {
		resp.Items[i] = communityView(cm, mine, names)
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
