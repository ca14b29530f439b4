package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/profiles"
)

// LocationRequest is a place: a municipality code, or lat and lon.
type LocationRequest struct {
	MunicipalityCode string   `json:"municipalityCode,omitempty" example:"01101" validate:"max=5"`
	Lat              *float64 `json:"lat,omitempty" example:"43.0554"`
	Lon              *float64 `json:"lon,omitempty" example:"141.341"`
}

// LocationView is a stored location with its area names.
type LocationView struct {
	MunicipalityCode string `json:"municipalityCode" example:"01101"`
	MunicipalityJa   string `json:"municipalityJa" example:"札幌市中央区"`
	MunicipalityEn   string `json:"municipalityEn" example:"Sapporo-shi Chuo-ku"`
	PrefectureCode   string `json:"prefectureCode" example:"01"`
	PrefectureJa     string `json:"prefectureJa" example:"北海道"`
	PrefectureEn     string `json:"prefectureEn" example:"Hokkaido"`
	// Hokkaido only.
	SubprefectureJa string `json:"subprefectureJa,omitempty" example:"石狩振興局"`
	// Coordinates: shown to the owner only.
	Lat *float64 `json:"lat,omitempty" example:"43.055386"`
	Lon *float64 `json:"lon,omitempty" example:"141.340967"`
}

func (s *Server) locationView(code, prefCode string, lat, lon float64, withPoint bool) LocationView {
	v := LocationView{MunicipalityCode: code, PrefectureCode: prefCode}
	if m, ok := s.areas.Municipality(code); ok {
		v.MunicipalityJa, v.MunicipalityEn, v.SubprefectureJa = m.NameJa, m.NameEn, m.SubprefectureJa
	}
	if p, ok := s.areas.Prefecture(prefCode); ok {
		v.PrefectureJa, v.PrefectureEn = p.NameJa, p.NameEn
	}
	if withPoint {
		v.Lat, v.Lon = &lat, &lon
	}
	return v
}

func (r *LocationRequest) input() *profiles.LocationInput {
	if r == nil {
		return nil
	}
	return &profiles.LocationInput{MunicipalityCode: r.MunicipalityCode, Lat: r.Lat, Lon: r.Lon}
}

// MentorProfileRequest replaces the caller's mentor profile (all fields).
type MentorProfileRequest struct {
	// 1 to 120 characters.
	Headline string `json:"headline" example:"元地銀の融資担当。創業期の資金繰りと補助金の相談に乗ります" validate:"max=120" binding:"required"`
	// Up to 2,000 characters.
	Bio string `json:"bio" example:"道内の地方銀行で20年、創業融資と事業承継を担当しました。" validate:"max=2000"`
	// 1 to 10 topic slugs from GET /v1/topics, most important first.
	Topics []string `json:"topics" example:"fundraising,public_grants,accounting" validate:"max=10,dive,max=40" binding:"required"`
	// Free tags beside the taxonomy (up to 10, 30 characters each).
	Tags []string `json:"tags" example:"創業融資,日本政策金融公庫" validate:"max=10,dive,max=30"`
	// Up to 10 industries the mentor knows.
	Industries []string        `json:"industries" example:"食品製造,観光" validate:"max=10,dive,max=50"`
	Location   LocationRequest `json:"location" binding:"required"`
	// How far the mentor travels to meet in person, 0 to 500 km.
	TravelKm int `json:"travelKm" example:"30"`
	// One or more of in_person, online, phone.
	Modes []string `json:"modes" example:"in_person,online,phone" validate:"max=10,dive,max=20"`
	// ISO 639-1 codes; default ["ja"].
	Languages []string `json:"languages" example:"ja,en" validate:"max=10,dive,max=10"`
	// Founders the mentor can take at once, 0 to 20.
	Capacity          int  `json:"capacity" example:"3"`
	AcceptingRequests bool `json:"acceptingRequests" example:"true"`
	YearsExperience   int  `json:"yearsExperience" example:"20"`
	// Companies or industries in which the mentor has a financial interest
	// (up to 20). Private: shown to you and organizers; matching keeps you away
	// from founders in them.
	Stakes []string `json:"stakes" example:"北海道食品ホールディングス" validate:"max=20,dive,max=100"`
	// Declares no stake in any business a founder might run; needs empty stakes.
	Independent bool `json:"independent" example:"false"`
}

// MentorProfileView is the caller's own mentor profile, private fields included.
type MentorProfileView struct {
	UserID            string       `json:"userId" example:"673f0c2b9d1e8a0012ab34cd"`
	Headline          string       `json:"headline" example:"元地銀の融資担当。創業期の資金繰りと補助金の相談に乗ります"`
	Bio               string       `json:"bio" example:"道内の地方銀行で20年、創業融資と事業承継を担当しました。"`
	Topics            []string     `json:"topics" example:"fundraising,public_grants,accounting"`
	Tags              []string     `json:"tags" example:"創業融資"`
	Industries        []string     `json:"industries" example:"食品製造"`
	Location          LocationView `json:"location"`
	TravelKm          int          `json:"travelKm" example:"30"`
	Modes             []string     `json:"modes" example:"in_person,online"`
	Languages         []string     `json:"languages" example:"ja"`
	Capacity          int          `json:"capacity" example:"3"`
	AcceptingRequests bool         `json:"acceptingRequests" example:"true"`
	YearsExperience   int          `json:"yearsExperience" example:"20"`
	Stakes            []string     `json:"stakes" example:"北海道食品ホールディングス"`
	Independent       bool         `json:"independent" example:"false"`
	// Set by an organizer.
	Verified bool `json:"verified" example:"false"`
	// Also in the ETag header; send it back as If-Match.
	Version   int64     `json:"version" example:"1"`
	CreatedAt time.Time `json:"createdAt" example:"2026-11-23T10:00:00Z"`
	UpdatedAt time.Time `json:"updatedAt" example:"2026-11-23T10:00:00Z"`
}

// FounderProfileRequest replaces the caller's founder profile (all fields).
type FounderProfileRequest struct {
	// Up to 100 characters; may be empty at the idea stage.
	CompanyName string `json:"companyName" example:"十勝チーズ工房" validate:"max=100"`
	// idea, pre_seed, seed, growth, established or succession.
	Stage string `json:"stage" enums:"idea,pre_seed,seed,growth,established,succession" example:"seed" validate:"max=20"`
	// Up to 50 characters.
	Industry string          `json:"industry" example:"食品製造" validate:"max=50"`
	Location LocationRequest `json:"location"`
	// Up to 10 topic slugs.
	TopicsNeeded []string `json:"topicsNeeded" example:"sales,hiring" validate:"max=10,dive,max=40"`
	Bio          string   `json:"bio" example:"帯広でナチュラルチーズを作っています。道外への販路を探しています。" validate:"max=2000"`
	// http or https URL.
	Website string `json:"website" example:"https://tokachi-cheese.example.jp" validate:"max=200"`
}

// FounderProfileView is a founder profile.
type FounderProfileView struct {
	UserID       string       `json:"userId" example:"673f0c2b9d1e8a0012ab34ce"`
	CompanyName  string       `json:"companyName" example:"十勝チーズ工房"`
	Stage        string       `json:"stage" example:"seed"`
	Industry     string       `json:"industry" example:"食品製造"`
	Location     LocationView `json:"location"`
	TopicsNeeded []string     `json:"topicsNeeded" example:"sales,hiring"`
	Bio          string       `json:"bio" example:"帯広でナチュラルチーズを作っています。"`
	Website      string       `json:"website,omitempty" example:"https://tokachi-cheese.example.jp"`
	Version      int64        `json:"version" example:"1"`
	CreatedAt    time.Time    `json:"createdAt" example:"2026-11-23T10:00:00Z"`
	UpdatedAt    time.Time    `json:"updatedAt" example:"2026-11-23T10:00:00Z"`
}

func (s *Server) mentorProfileView(p profiles.MentorProfile) MentorProfileView {
	return MentorProfileView{
		UserID: p.UserID.Hex(), Headline: p.Headline, Bio: p.Bio, Topics: p.Topics, Tags: p.Tags, Industries: p.Industries,
		Location: s.locationView(p.Location.MunicipalityCode, p.Location.PrefectureCode, p.Location.Point.Lat, p.Location.Point.Lon, true),
		TravelKm: p.TravelKm, Modes: p.Modes, Languages: p.Languages, Capacity: p.Capacity, AcceptingRequests: p.AcceptingRequests,
		YearsExperience: p.YearsExperience, Stakes: p.Stakes, Independent: p.Independent, Verified: p.Verified,
		Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

func (s *Server) founderProfileView(p profiles.FounderProfile, withPoint bool) FounderProfileView {
	return FounderProfileView{
		UserID: p.UserID.Hex(), CompanyName: p.CompanyName, Stage: p.Stage, Industry: p.Industry,
		Location:     s.locationView(p.Location.MunicipalityCode, p.Location.PrefectureCode, p.Location.Point.Lat, p.Location.Point.Lon, withPoint),
		TopicsNeeded: p.TopicsNeeded, Bio: p.Bio, Website: p.Website, Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

// etag is the strong entity tag of a version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch reads the If-Match header: absent means an unconditional write.
// Weak tags compare by their opaque part; a tag that names no version never matches.
func ifMatch(c *gin.Context) *profiles.Precondition {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" {
		return nil
	}
	if h == "*" {
		return &profiles.Precondition{Any: true}
	}
	tag := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(tag, 10, 64)
	if err != nil || v < 1 {
		return &profiles.Precondition{Version: -1}
	}
	return &profiles.Precondition{Version: v}
}

// getMyMentorProfile godoc
//
//	@Summary		The caller's mentor profile
//	@Description	With private fields (stakes, coordinates). The ETag header carries the version for If-Match.
//	@ID				getMyMentorProfile
//	@Tags			profiles
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Success		200	{object}	MentorProfileView
//	@Header			200	{string}	ETag	"Version of the profile, e.g. \"3\""
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem	"forbidden: not a mentor"
//	@Failure		404	{object}	Problem	"not_found: no profile yet"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/mentor-profile [get]
func (s *Server) getMyMentorProfile(c *gin.Context) {
	p, err := s.profiles.GetMentor(c, principal(c).UserID)
	if failIf(c, err) {
		return
	}
	c.Header("ETag", etag(p.Version))
	writeJSON(c, http.StatusOK, s.mentorProfileView(p))
}

// putMyMentorProfile godoc
//
//	@Summary		Create or replace the caller's mentor profile
//	@Description	Needs the mentor role. Send the ETag you read as If-Match to avoid overwriting a change made elsewhere: a stale If-Match gets 412 and changes nothing. Without If-Match the write is unconditional. The location is a municipality code (coordinates are filled in) or lat and lon (the nearest municipality is filled in).
//	@ID				putMyMentorProfile
//	@Tags			profiles
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			If-Match	header		string					false	"ETag of the version you read, e.g. \"3\""
//	@Param			body		body		MentorProfileRequest	true	"The whole profile"
//	@Success		200			{object}	MentorProfileView		"replaced"
//	@Success		201			{object}	MentorProfileView		"created"
//	@Header			200,201		{string}	ETag					"New version"
//	@Failure		400			{object}	Problem					"validation_failed, malformed_json, unknown_field"
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem	"forbidden: not a mentor"
//	@Failure		412			{object}	Problem	"precondition_failed"
//	@Failure		413			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		429			{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429			{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500			{object}	Problem
//	@Failure		503			{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/mentor-profile [put]
func (s *Server) putMyMentorProfile(c *gin.Context) {
	var req MentorProfileRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	p, created, err := s.profiles.PutMentor(c, principal(c), profiles.MentorInput{
		Headline: req.Headline, Bio: req.Bio, Topics: req.Topics, Tags: req.Tags, Industries: req.Industries,
		Location: req.Location.input(), TravelKm: req.TravelKm, Modes: req.Modes, Languages: req.Languages,
		Capacity: req.Capacity, AcceptingRequests: req.AcceptingRequests, YearsExperience: req.YearsExperience,
		Stakes: req.Stakes, Independent: req.Independent,
	}, ifMatch(c))
	if failIf(c, err) {
		return
	}
	c.Header("ETag", etag(p.Version))
	writeJSON(c, createdOrOK(created), s.mentorProfileView(p))
}

// getMyFounderProfile godoc
//
//	@Summary	The caller's founder profile
//	@ID			getMyFounderProfile
//	@Tags		profiles
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Success	200	{object}	FounderProfileView
//	@Header		200	{string}	ETag	"Version of the profile"
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem	"forbidden: not a founder"
//	@Failure	404	{object}	Problem	"not_found: no profile yet"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/me/founder-profile [get]
func (s *Server) getMyFounderProfile(c *gin.Context) {
	p, err := s.profiles.GetFounder(c, principal(c).UserID)
	if failIf(c, err) {
		return
	}
	c.Header("ETag", etag(p.Version))
	writeJSON(c, http.StatusOK, s.founderProfileView(p, true))
}

// putMyFounderProfile godoc
//
//	@Summary		Create or replace the caller's founder profile
//	@Description	Needs the founder role. Visible to its owner, and to mentors the founder is connected with. If-Match works as for the mentor profile.
//	@ID				putMyFounderProfile
//	@Tags			profiles
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			If-Match	header		string					false	"ETag of the version you read"
//	@Param			body		body		FounderProfileRequest	true	"The whole profile"
//	@Success		200			{object}	FounderProfileView		"replaced"
//	@Success		201			{object}	FounderProfileView		"created"
//	@Header			200,201		{string}	ETag					"New version"
//	@Failure		400			{object}	Problem					"validation_failed, malformed_json, unknown_field"
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem	"forbidden: not a founder"
//	@Failure		412			{object}	Problem	"precondition_failed"
//	@Failure		413			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		429			{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429			{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500			{object}	Problem
//	@Failure		503			{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/founder-profile [put]
func (s *Server) putMyFounderProfile(c *gin.Context) {
	var req FounderProfileRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	p, created, err := s.profiles.PutFounder(c, principal(c), profiles.FounderInput{
		CompanyName: req.CompanyName, Stage: req.Stage, Industry: req.Industry, Location: req.Location.input(),
		TopicsNeeded: req.TopicsNeeded, Bio: req.Bio, Website: req.Website,
	}, ifMatch(c))
	if failIf(c, err) {
		return
	}
	c.Header("ETag", etag(p.Version))
	writeJSON(c, createdOrOK(created), s.founderProfileView(p, true))
}

func createdOrOK(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}
