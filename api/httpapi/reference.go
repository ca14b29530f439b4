package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/areas"
)

// TopicView is one topic of the taxonomy.
type TopicView struct {
	Slug  string `json:"slug" example:"sales"`
	Ja    string `json:"ja" example:"販路開拓・営業"`
	En    string `json:"en" example:"Sales and new channels"`
	Group string `json:"group" example:"business"`
}

// TopicGroupView is a group of topics.
type TopicGroupView struct {
	Slug string `json:"slug" example:"business"`
	Ja   string `json:"ja" example:"事業・販売"`
	En   string `json:"en" example:"Business and sales"`
}

// TopicsResponse is the whole taxonomy.
type TopicsResponse struct {
	Items  []TopicView      `json:"items"`
	Groups []TopicGroupView `json:"groups"`
}

// PrefectureView is a prefecture; the point is its prefectural office.
type PrefectureView struct {
	Code     string  `json:"code" example:"01"`
	NameJa   string  `json:"nameJa" example:"北海道"`
	NameEn   string  `json:"nameEn" example:"Hokkaido"`
	NameKana string  `json:"nameKana" example:"ほっかいどう"`
	Lat      float64 `json:"lat" example:"43.063968"`
	Lon      float64 `json:"lon" example:"141.347899"`
}

// PrefecturesResponse lists all 47 prefectures (a fixed set: not paginated).
type PrefecturesResponse struct {
	Items []PrefectureView `json:"items"`
}

// MunicipalityView is a municipality (or a ward of a designated city); the point
// is its office.
type MunicipalityView struct {
	Code           string `json:"code" example:"01101"`
	PrefectureCode string `json:"prefectureCode" example:"01"`
	NameJa         string `json:"nameJa" example:"札幌市中央区"`
	NameKana       string `json:"nameKana" example:"さっぽろしちゅうおうく"`
	NameEn         string `json:"nameEn" example:"Sapporo-shi Chuo-ku"`
	// city, designated_city, ward, special_ward, town or village.
	Kind string `json:"kind" example:"ward"`
	// For wards: the designated city.
	ParentCode string `json:"parentCode,omitempty" example:"01100"`
	// Hokkaido only: the 振興局.
	SubprefectureJa string  `json:"subprefectureJa,omitempty" example:"石狩振興局"`
	SubprefectureEn string  `json:"subprefectureEn,omitempty" example:"Ishikari"`
	Lat             float64 `json:"lat" example:"43.055386"`
	Lon             float64 `json:"lon" example:"141.340967"`
}

// MunicipalitiesResponse lists municipalities (a bounded reference list: not paginated).
type MunicipalitiesResponse struct {
	Items []MunicipalityView `json:"items"`
}

func municipalityView(m areas.Municipality) MunicipalityView {
	return MunicipalityView{
		Code: m.Code, PrefectureCode: m.PrefectureCode, NameJa: m.NameJa, NameKana: m.NameKana, NameEn: m.NameEn,
		Kind: string(m.Kind), ParentCode: m.ParentCode, SubprefectureJa: m.SubprefectureJa, SubprefectureEn: m.SubprefectureEn,
		Lat: m.Location.Lat, Lon: m.Location.Lon,
	}
}

func municipalityViews(ms []areas.Municipality) []MunicipalityView {
	out := make([]MunicipalityView, len(ms))
	for i, m := range ms {
		out[i] = municipalityView(m)
	}
	return out
}

// listTopics godoc
//
//	@Summary		Topic taxonomy
//	@Description	The topics mentors help with and founders ask about, with Japanese and English names. Profiles and matching use the slugs.
//	@ID				listTopics
//	@Tags			reference
//	@Produce		json,application/problem+json
//	@Success		200	{object}	TopicsResponse
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/topics [get]
func (s *Server) listTopics(c *gin.Context) {
	resp := TopicsResponse{}
	for _, t := range s.topics.All() {
		resp.Items = append(resp.Items, TopicView{Slug: t.Slug, Ja: t.Ja, En: t.En, Group: t.Group})
	}
	for _, g := range s.topics.Groups() {
		resp.Groups = append(resp.Groups, TopicGroupView{Slug: g.Slug, Ja: g.Ja, En: g.En})
	}
	c.Header("Cache-Control", "public, max-age=3600")
	writeJSON(c, http.StatusOK, resp)
}

// listPrefectures godoc
//
//	@Summary	All 47 prefectures
//	@ID			listPrefectures
//	@Tags		reference
//	@Produce	json,application/problem+json
//	@Success	200	{object}	PrefecturesResponse
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/areas/prefectures [get]
func (s *Server) listPrefectures(c *gin.Context) {
	resp := PrefecturesResponse{}
	for _, p := range s.areas.Prefectures() {
		resp.Items = append(resp.Items, PrefectureView{Code: p.Code, NameJa: p.NameJa, NameEn: p.NameEn, NameKana: p.NameKana, Lat: p.Location.Lat, Lon: p.Location.Lon})
	}
	c.Header("Cache-Control", "public, max-age=3600")
	writeJSON(c, http.StatusOK, resp)
}

// listMunicipalitiesOfPrefecture godoc
//
//	@Summary		Municipalities of a prefecture
//	@Description	Every municipality of the prefecture in code order, designated cities followed by their wards.
//	@ID				listMunicipalitiesOfPrefecture
//	@Tags			reference
//	@Produce		json,application/problem+json
//	@Param			code	path		string	true	"Prefecture code, 2 digits (e.g. 01)"
//	@Success		200		{object}	MunicipalitiesResponse
//	@Failure		400		{object}	Problem	"validation_failed: query string over its limits"
//	@Failure		404		{object}	Problem	"not_found"
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/areas/prefectures/{code}/municipalities [get]
func (s *Server) listMunicipalitiesOfPrefecture(c *gin.Context) {
	code := c.Param("code")
	if _, ok := s.areas.Prefecture(code); !ok {
		fail(c, apperr.NotFoundf("no prefecture with code %q", code))
		return
	}
	c.Header("Cache-Control", "public, max-age=3600")
	writeJSON(c, http.StatusOK, MunicipalitiesResponse{Items: municipalityViews(s.areas.Municipalities(code))})
}

// getMunicipality godoc
//
//	@Summary	A municipality by code
//	@ID			getMunicipality
//	@Tags		reference
//	@Produce	json,application/problem+json
//	@Param		code	path		string	true	"Municipality code, 5 digits, JIS X 0402 (e.g. 01101)"
//	@Success	200		{object}	MunicipalityView
//	@Failure	400		{object}	Problem	"validation_failed: query string over its limits"
//	@Failure	404		{object}	Problem	"not_found"
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/areas/municipalities/{code} [get]
func (s *Server) getMunicipality(c *gin.Context) {
	m, ok := s.areas.Municipality(c.Param("code"))
	if !ok {
		fail(c, apperr.NotFoundf("no municipality with code %q", c.Param("code")))
		return
	}
	c.Header("Cache-Control", "public, max-age=3600")
	writeJSON(c, http.StatusOK, municipalityView(m))
}

// searchMunicipalities godoc
//
//	@Summary		Find municipalities by name
//	@Description	Matches Japanese names, kana readings and romaji alike: 札幌, さっぽろ, サッポロ and Sapporo all find 札幌市. Exact names first, then prefixes, then substrings.
//	@ID				searchMunicipalities
//	@Tags			reference
//	@Produce		json,application/problem+json
//	@Param			q		query		string	true	"Name, reading or romaji (e.g. さっぽろ)"
//	@Param			limit	query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Success		200		{object}	MunicipalitiesResponse
//	@Failure		400		{object}	Problem	"validation_failed"
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/areas/municipalities [get]
func (s *Server) searchMunicipalities(c *gin.Context) {
	q := newQuery(c)
	text := q.str("q")
	limit := q.limit()
	if text == "" {
		q.v.Add("q", "is required")
	} else if len([]rune(text)) > 100 {
		q.v.Add("q", "must be at most 100 characters")
	}
	if failIf(c, q.err()) {
		return
	}
	writeJSON(c, http.StatusOK, MunicipalitiesResponse{Items: municipalityViews(s.areas.Search(text, limit))})
}
