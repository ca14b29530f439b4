package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
)

// MentorSummary is the public summary of a mentor.
type MentorSummary struct {
	ID               string   `json:"id" example:"673f0c2b9d1e8a0012ab34cd"`
	DisplayName      string   `json:"displayName" example:"佐藤 由紀"`
	Headline         string   `json:"headline" example:"元地銀の融資担当。創業期の資金繰りと補助金の相談に乗ります"`
	Topics           []string `json:"topics" example:"fundraising,public_grants"`
	Tags             []string `json:"tags" example:"創業融資"`
	MunicipalityCode string   `json:"municipalityCode" example:"01101"`
	MunicipalityJa   string   `json:"municipalityJa" example:"札幌市中央区"`
	MunicipalityEn   string   `json:"municipalityEn" example:"Sapporo-shi Chuo-ku"`
	PrefectureCode   string   `json:"prefectureCode" example:"01"`
	Modes            []string `json:"modes" example:"in_person,online"`
	Languages        []string `json:"languages" example:"ja"`
	TravelKm         int      `json:"travelKm" example:"30"`
	// Accepting requests and has a free place.
	AcceptingRequests bool `json:"acceptingRequests" example:"true"`
	FreeCapacity      int  `json:"freeCapacity" example:"2"`
	YearsExperience   int  `json:"yearsExperience" example:"20"`
	Verified          bool `json:"verified" example:"true"`
	Independent       bool `json:"independent" example:"false"`
}

// MentorSearchItem is a mentor found by search.
type MentorSearchItem struct {
	MentorSummary
	// Great-circle distance from near=, in km (only with near=).
	DistanceKm *float64 `json:"distanceKm,omitempty" example:"112.4"`
	// The requested topics this mentor covers.
	MatchedTopics []string `json:"matchedTopics" example:"fundraising"`
}

// MentorSearchResponse is a page of mentors.
type MentorSearchResponse struct {
	Items []MentorSearchItem `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
}

// MentorPublicView is a mentor's public profile.
type MentorPublicView struct {
	MentorSummary
	Bio        string   `json:"bio" example:"道内の地方銀行で20年、創業融資と事業承継を担当しました。"`
	Industries []string `json:"industries" example:"食品製造,観光"`
	// Only for organizers and admins.
	Stakes []string `json:"stakes,omitempty" example:"北海道食品ホールディングス"`
}

func (s *Server) mentorSummary(m search.Mentor) MentorSummary {
	v := MentorSummary{
		ID: m.ID.Hex(), DisplayName: m.DisplayName, Headline: m.Headline, Topics: m.Topics, Tags: m.Tags,
		MunicipalityCode: m.MunicipalityCode, PrefectureCode: m.PrefectureCode, Modes: m.Modes.Names(), Languages: m.Languages,
		TravelKm: int(m.TravelKm), AcceptingRequests: m.Accepting && m.Free() > 0, FreeCapacity: m.Free(),
		YearsExperience: m.YearsExperience, Verified: m.Verified, Independent: m.Independent,
	}
	if mu, ok := s.areas.Municipality(m.MunicipalityCode); ok {
		v.MunicipalityJa, v.MunicipalityEn = mu.NameJa, mu.NameEn
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	return v
}

// searchMentors godoc
//
//	@Summary		Find mentors
//	@Description	Only mentors whose e-mail address is confirmed are listed. Mentors covering any of the topics, ranked by how many they cover, then nearest first (with near=), then by id. With near= only mentors within radiusKm (default 50) are returned, each with its great-circle distance. Served from memory.
//	@ID				searchMentors
//	@Tags			mentors
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			topic		query		[]string	false	"Topic slug; repeat or comma-separate for several (up to 10)"	collectionFormat(multi)
//	@Param			near		query		string		false	"Municipality code, prefecture code or lat,lon (e.g. 01204)"
//	@Param			radiusKm	query		number		false	"With near: 1 to 3000, default 50"	minimum(1)	maximum(3000)	default(50)
//	@Param			mode		query		string		false	"Only mentors meeting this way"		Enums(in_person, online, phone)
//	@Param			accepting	query		bool		false	"Only mentors accepting requests with a free place"
//	@Param			q			query		string		false	"Free text in name, headline, tags, industries and topic names"
//	@Param			limit		query		int			false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param			cursor		query		string		false	"nextCursor of the previous page"
//	@Success		200			{object}	MentorSearchResponse
//	@Failure		400			{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem	"account_suspended"
//	@Failure		503			{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/mentors [get]
func (s *Server) searchMentors(c *gin.Context) {
	q := newQuery(c)
	sq := search.Query{
		Topics:        q.strs("topic"),
		RadiusKm:      q.number("radiusKm", 1, search.MaxRadiusKm),
		AcceptingOnly: q.boolean("accepting"),
		Text:          q.str("q"),
		Limit:         q.limit(),
		Cursor:        q.cursor(),
	}
	if p := q.place(s.areas, "near"); p != nil {
		sq.Near = &p.Point
	}
	if m := q.str("mode"); m != "" {
		mode, ok := search.ParseMode(m)
		q.v.Check(ok, "mode", `must be "in_person", "online" or "phone"`)
		sq.Mode = mode
	}
	if failIf(c, q.err()) {
		return
	}
	res, err := s.mentors.Search(sq)
	if failIf(c, err) {
		return
	}
	resp := MentorSearchResponse{Items: make([]MentorSearchItem, len(res.Hits)), NextCursor: q.nextCursor(res.NextCursor)}
	for i, h := range res.Hits {
		resp.Items[i] = MentorSearchItem{MentorSummary: s.mentorSummary(h.Mentor), DistanceKm: roundKm(h.DistanceKm), MatchedTopics: h.MatchedTopics}
	}
	writeJSON(c, http.StatusOK, resp)
}

// roundKm keeps distances to 0.1 km: finer would suggest precision that
// office coordinates do not have.
func roundKm(d *float64) *float64 {
	if d == nil {
		return nil
	}
	r := float64(int64(*d*10+0.5)) / 10
	return &r
}

// getMentor godoc
//
//	@Summary		A mentor's public profile
//	@Description	Public fields only: never e-mail, phone or coordinates. Stakes are shown to organizers and admins.
//	@ID				getMentor
//	@Tags			mentors
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"Mentor's user id"
//	@Success		200	{object}	MentorPublicView
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem	"account_suspended"
//	@Failure		404	{object}	Problem	"not_found"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/mentors/{id} [get]
func (s *Server) getMentor(c *gin.Context) {
	id, ok := pathID(c, "mentor")
	if !ok {
		return
	}
	m, ok := s.mentors.Listed(id)
	if !ok {
		fail(c, apperr.NotFoundf("no mentor with id %s", id.Hex()))
		return
	}
	p, err := s.profiles.GetMentor(c, id)
	if failIf(c, err) {
		return
	}
	v := MentorPublicView{MentorSummary: s.mentorSummary(m), Bio: p.Bio, Industries: p.Industries}
	if profiles.StakesVisibleTo(principal(c)) {
		v.Stakes = p.Stakes
	}
	writeJSON(c, http.StatusOK, v)
}
