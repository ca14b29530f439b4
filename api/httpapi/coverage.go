package httpapi

import (
	"bytes"
	"encoding/csv"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/coverage"
)

// CoverageRow is one area (or Hokkaido subprefecture) and topic of a coverage report.
type CoverageRow struct {
	// city, ward, special_ward, town or village for a municipality (a
	// designated city is covered by its wards); subprefecture for one of
	// Hokkaido's 14 (総合)振興局, which sums its member municipalities.
	AreaKind string `json:"areaKind" enums:"city,ward,special_ward,town,village,subprefecture" example:"town"`
	// Municipality code; empty for a subprefecture.
	Code   string `json:"code" example:"01692"`
	NameJa string `json:"nameJa" example:"中標津町"`
	NameEn string `json:"nameEn" example:"Nakashibetsu-cho"`
	// Hokkaido only: the 振興局 (for a subprefecture row, its own name).
	SubprefectureJa string `json:"subprefectureJa,omitempty" example:"根室振興局"`
	SubprefectureEn string `json:"subprefectureEn,omitempty" example:"Nemuro"`
	// Topic slug.
	Topic string `json:"topic" example:"sales"`
	// Mentors (not suspended) covering the topic who meet in person within
	// reach: great-circle distance from the office at most the larger of
	// radiusKm and the mentor's travelKm. For a subprefecture: distinct
	// mentors within reach of at least one member.
	MentorsInReach int `json:"mentorsInReach" example:"0"`
	// Of those, accepting requests with a free place.
	MentorsAccepting int `json:"mentorsAccepting" example:"0"`
	// Mentors anywhere covering the topic who meet online or by phone and
	// accept requests with a free place: remote help available to everyone.
	MentorsRemote int `json:"mentorsRemote" example:"4"`
	// Distinct founders whose match requests of the last 90 days are
	// located here (in a member, for a subprefecture) and include the topic.
	FoundersAsking int `json:"foundersAsking" example:"3"`
	// Subprefecture rows only: how many member areas have a gap.
	GapAreas *int `json:"gapAreas,omitempty" example:"1"`
	// A mentor desert: founders ask and no mentor is within reach (for a
	// subprefecture: some member has a gap).
	Gap bool `json:"gap" example:"true"`
}

// CoverageSummary says where to recruit first.
type CoverageSummary struct {
	// Areas reported per topic (municipalities, with designated cities
	// counted as their wards; subprefectures not included).
	Areas int `json:"areas" example:"188"`
	// Area rows with a gap.
	GapRows int `json:"gapRows" example:"12"`
	// Subprefecture rows with a gap (Hokkaido only).
	SubprefectureGapRows int `json:"subprefectureGapRows" example:"5"`
	// Up to 10 area rows with a gap: most founders asking first, then by
	// code, then in topic order.
	TopGaps []CoverageRow `json:"topGaps"`
}

// CoverageReport shows, per area and topic, how many mentors are within
// reach and how many founders asked.
type CoverageReport struct {
	Prefecture PrefectureView `json:"prefecture"`
	// Founders are reached within this many km, or a mentor's travelKm if larger.
	RadiusKm int `json:"radiusKm" example:"30"`
	// The topics reported, in taxonomy order.
	Topics []string `json:"topics" example:"sales"`
	// Match requests count from this many days back.
	WindowDays int `json:"windowDays" example:"90"`
	// Match requests created since this time count.
	Since       time.Time       `json:"since" example:"2026-08-25T09:00:00Z"`
	GeneratedAt time.Time       `json:"generatedAt" example:"2026-11-23T09:00:00Z"`
	Summary     CoverageSummary `json:"summary"`
	// Hokkaido's subprefectures first (each with every topic), then the
	// areas in code order (each with every topic).
	Items []CoverageRow `json:"items"`
}

// coverageReport godoc
//
//	@Summary		Mentor coverage report (mentor deserts)
//	@Description	Per area of a prefecture and topic: mentors within reach in person, of those accepting, mentors available remotely, and distinct founders who asked in the last 90 days. A gap is founders asking with no mentor within reach. In Hokkaido also one row per subprefecture (振興局) and topic. The same rows as CSV: GET /v1/reports/coverage.csv (this operation also answers CSV to `Accept: text/csv`, which a spec cannot describe next to JSON). For organizers and admins.
//	@ID				coverageReport
//	@Tags			reports
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			prefecture	query		string	true	"Prefecture code, 2 digits (e.g. 01)"
//	@Param			radiusKm	query		int		false	"1 to 200, default 30"	minimum(1)	maximum(200)	default(30)
//	@Param			topic		query		string	false	"One topic slug, e.g. sales (default: every topic)"
//	@Success		200			{object}	CoverageReport
//	@Failure		400			{object}	Problem	"validation_failed"
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem	"forbidden (not an organizer or admin), account_suspended"
//	@Failure		500			{object}	Problem
//	@Failure		503			{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/reports/coverage [get]
func (s *Server) coverageReport(c *gin.Context) {
	rep, ok := s.readCoverage(c)
	if !ok {
		return
	}
	c.Header("Vary", "Accept")
	if wantsCSV(c.GetHeader("Accept")) {
		writeCoverageCSV(c, rep)
		return
	}
	writeJSON(c, http.StatusOK, coverageReportView(rep))
}

// coverageReportCSV godoc
//
//	@Summary		Mentor coverage report as CSV
//	@Description	The rows of GET /v1/reports/coverage as CSV (RFC 4180, UTF-8 without BOM, a header row; columns area_kind, code, name_ja, name_en, subprefecture_ja, topic, mentors_in_reach, mentors_accepting, mentors_remote, founders_asking, gap), as an attachment named coverage-{prefecture}-{radiusKm}km[-{topic}].csv. For organizers and admins.
//	@ID				coverageReportCSV
//	@Tags			reports
//	@Produce		text/csv,application/problem+json
//	@Security		BearerAuth
//	@Param			prefecture	query		string	true	"Prefecture code, 2 digits (e.g. 01)"
//	@Param			radiusKm	query		int		false	"1 to 200, default 30"	minimum(1)	maximum(200)	default(30)
//	@Param			topic		query		string	false	"One topic slug, e.g. sales (default: every topic)"
//	@Success		200			{string}	string	"area_kind,code,name_ja,name_en,subprefecture_ja,topic,mentors_in_reach,mentors_accepting,mentors_remote,founders_asking,gap"
//	@Failure		400			{object}	Problem	"validation_failed"
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem	"forbidden (not an organizer or admin), account_suspended"
//	@Failure		500			{object}	Problem
//	@Failure		503			{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/reports/coverage.csv [get]
func (s *Server) coverageReportCSV(c *gin.Context) {
	if rep, ok := s.readCoverage(c); ok {
		writeCoverageCSV(c, rep)
	}
}

// readCoverage computes the report the query asks for, or answers the problem.
func (s *Server) readCoverage(c *gin.Context) (coverage.Report, bool) {
	q := newQuery(c)
	in := coverage.Query{
		PrefectureCode: q.str("prefecture"),
		RadiusKm:       q.integer("radiusKm", 0, coverage.MinRadiusKm, coverage.MaxRadiusKm),
		Topic:          q.str("topic"),
	}
	s.coverage.Check(&q.v, in)
	if failIf(c, q.err()) {
		return coverage.Report{}, false
	}
	rep, err := s.coverage.Report(c, principal(c), in)
	return rep, !failIf(c, err)
}

func coverageRowView(r coverage.Row) CoverageRow {
	v := CoverageRow{
		AreaKind: string(r.Kind), Code: r.Code, NameJa: r.NameJa, NameEn: r.NameEn,
		SubprefectureJa: r.SubprefectureJa, SubprefectureEn: r.SubprefectureEn, Topic: r.Topic,
		MentorsInReach: r.MentorsInReach, MentorsAccepting: r.MentorsAccepting, MentorsRemote: r.MentorsRemote,
		FoundersAsking: r.FoundersAsking, Gap: r.Gap,
	}
	if r.Kind == coverage.KindSubprefecture {
		n := r.GapAreas
		v.GapAreas = &n
	}
	return v
}

func coverageReportView(rep coverage.Report) CoverageReport {
	p := rep.Prefecture
	v := CoverageReport{
		Prefecture: PrefectureView{Code: p.Code, NameJa: p.NameJa, NameEn: p.NameEn, NameKana: p.NameKana, Lat: p.Location.Lat, Lon: p.Location.Lon},
		RadiusKm:   rep.RadiusKm, Topics: rep.Topics, WindowDays: int(coverage.Window / (24 * time.Hour)),
		Since: rep.Since, GeneratedAt: rep.GeneratedAt,
		Summary: CoverageSummary{
			Areas: rep.Areas, GapRows: rep.GapRows, SubprefectureGapRows: rep.SubprefectureGapRows,
			TopGaps: make([]CoverageRow, len(rep.TopGaps)),
		},
		Items: make([]CoverageRow, len(rep.Rows)),
	}
	for i, r := range rep.TopGaps {
		v.Summary.TopGaps[i] = coverageRowView(r)
	}
	for i, r := range rep.Rows {
		v.Items[i] = coverageRowView(r)
	}
	return v
}

// coverageCSVHeader names the CSV columns.
var coverageCSVHeader = []string{
	"area_kind", "code", "name_ja", "name_en", "subprefecture_ja", "topic",
	"mentors_in_reach", "mentors_accepting", "mentors_remote", "founders_asking", "gap",
}

// writeCoverageCSV writes the rows as CSV (RFC 4180, UTF-8, no BOM).
func writeCoverageCSV(c *gin.Context, rep coverage.Report) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(coverageCSVHeader) // writes to a bytes.Buffer do not fail
	rec := make([]string, len(coverageCSVHeader))
	for _, r := range rep.Rows {
		rec[0], rec[1], rec[2], rec[3], rec[4], rec[5] = string(r.Kind), r.Code, r.NameJa, r.NameEn, r.SubprefectureJa, r.Topic
		rec[6], rec[7] = strconv.Itoa(r.MentorsInReach), strconv.Itoa(r.MentorsAccepting)
		rec[8], rec[9] = strconv.Itoa(r.MentorsRemote), strconv.Itoa(r.FoundersAsking)
		rec[10] = strconv.FormatBool(r.Gap)
		_ = w.Write(rec)
	}
	w.Flush()
	if failIf(c, w.Error()) {
		return
	}
	name := "coverage-" + rep.Prefecture.Code + "-" + strconv.Itoa(rep.RadiusKm) + "km"
	if len(rep.Topics) == 1 {
		name += "-" + rep.Topics[0]
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// wantsCSV reports whether an Accept header prefers text/csv to JSON: CSV
// must be named (text/csv, or else text/*) with a q above 0, and JSON must
// not be named with a higher q. Wildcards alone (*/*) get JSON, the default.
func wantsCSV(accept string) bool {
	qExact, qText, qJSON := -1.0, 0.0, 0.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		switch mt {
		case "text/csv":
			qExact = max(qExact, q)
		case "text/*":
			qText = max(qText, q)
		case "application/json":
			qJSON = max(qJSON, q)
		}
	}
	qCSV := qText
	if qExact >= 0 { // the exact type overrides the wildcard, even with q=0
		qCSV = qExact
	}
	return qCSV > 0 && qCSV >= qJSON
}
