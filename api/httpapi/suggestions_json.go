package httpapi

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/jsonw"
	"github.com/kizuna-dev/kizuna/internal/matching"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/search"
)

// Suggestions are the API's hottest response. They are written field by
// field, in the order and form encoding/json gives SuggestionsResponse (a
// test compares the two), from parts made ahead: the index keeps each
// mentor's strings encoded (MentorSummarizer), the numbers and flags are
// written from the mentor's fields, and the notes are appended from
// templates into the same pooled buffer.

// MentorSummarizer returns the encoder of the summary parts the mentor index
// keeps (search.Mentor.Summary and Place): the mentor's own strings, about
// 150 bytes, and the municipality's, shared by every mentor there.
func MentorSummarizer(catalog *areas.Catalog) search.Summarizer {
	var mu sync.Mutex
	places := map[[2]string]string{}
	return func(dst []byte, m *search.Mentor) ([]byte, string) {
		key := [2]string{m.MunicipalityCode, m.PrefectureCode}
		mu.Lock()
		defer mu.Unlock()
		place, ok := places[key]
		if !ok {
			place = string(appendSummaryPlace(nil, m, catalog))
			places[key] = place
		}
		return appendSummaryOwn(dst, m), place
	}
}

// appendMentorSummary appends what mentorSummary(m) encodes to.
func appendMentorSummary(b []byte, m *search.Mentor, catalog *areas.Catalog) []byte {
	return appendSummaryRest(appendSummaryPlace(appendSummaryOwn(b, m), m, catalog), m)
}

// appendSummaryOwn appends the start of the summary, up to the place.
func appendSummaryOwn(b []byte, m *search.Mentor) []byte {
	b = append(b, `{"id":"`...)
	b = hex.AppendEncode(b, m.ID[:])
	b = jsonw.String(append(b, `","displayName":`...), m.DisplayName)
	b = jsonw.String(append(b, `,"headline":`...), m.Headline)
	b = jsonw.Strings(append(b, `,"topics":`...), m.Topics)
	b = append(b, `,"tags":`...)
	if m.Tags == nil {
		b = append(b, "[]"...)
	} else {
		b = jsonw.Strings(b, m.Tags)
	}
	return append(b, ',')
}

// appendSummaryPlace appends the municipality and prefecture fields.
func appendSummaryPlace(b []byte, m *search.Mentor, catalog *areas.Catalog) []byte {
	b = jsonw.String(append(b, `"municipalityCode":`...), m.MunicipalityCode)
	var ja, en string
	if mu, ok := catalog.Municipality(m.MunicipalityCode); ok {
		ja, en = mu.NameJa, mu.NameEn
	}
	b = jsonw.String(append(b, `,"municipalityJa":`...), ja)
	b = jsonw.String(append(b, `,"municipalityEn":`...), en)
	b = jsonw.String(append(b, `,"prefectureCode":`...), m.PrefectureCode)
	return append(b, ',')
}

// appendSummaryRest appends the rest of the summary: short lists, numbers
// and flags, cheaper to write than to keep.
func appendSummaryRest(b []byte, m *search.Mentor) []byte {
	b = append(b, `"modes":`...)
	if int(m.Modes) < len(modesJSON) {
		b = append(b, modesJSON[m.Modes]...)
	} else {
		b = jsonw.Strings(b, m.Modes.Names())
	}
	b = jsonw.Strings(append(b, `,"languages":`...), m.Languages)
	b = jsonw.Int(append(b, `,"travelKm":`...), int(m.TravelKm))
	b = jsonw.Bool(append(b, `,"acceptingRequests":`...), m.Accepting && m.Free() > 0)
	b = jsonw.Int(append(b, `,"freeCapacity":`...), m.Free())
	b = jsonw.Int(append(b, `,"yearsExperience":`...), m.YearsExperience)
	b = jsonw.Bool(append(b, `,"verified":`...), m.Verified)
	b = jsonw.Bool(append(b, `,"independent":`...), m.Independent)
	return append(b, '}')
}

// modesJSON[m] is m.Names() encoded, for every combination of the three
// modes.
var modesJSON = func() (t [8]string) {
	for m := range t {
		t[m] = string(jsonw.Strings(nil, search.Mode(m).Names()))
	}
	return t
}()

// bodyPool holds response buffers; a suggestions body is a few kilobytes.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// writeSuggestions writes res as SuggestionsResponse in one call, and the
// response (about 10 KB) in one write to the connection when the server
// allows (WriteBatcher): the body is complete and bounded, so holding it
// delays nothing.
func (s *Server) writeSuggestions(c *gin.Context, res *mentorships.Suggestions) {
	bp := bodyPool.Get().(*[]byte)
	b := s.appendSuggestions((*bp)[:0], res)
	if wb, ok := writeBatcher(c.Request.Context()); ok {
		wb.Hold()
		// A failed write breaks the connection: net/http finds out at its
		// next read or write, as it would have.
		defer func() { _ = wb.Release() }()
	}
	c.Header("Content-Length", strconv.Itoa(len(b)))
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
	c.Writer.Flush() // the rest of the response, out of net/http's buffer
	// b has been copied into the connection's buffer or the batch, or sent.
	if cap(b) <= 256<<10 {
		*bp = b
		bodyPool.Put(bp)
	}
}

// appendSuggestions appends res as encoding/json writes
// SuggestionsResponse{Items: s.suggestionViews(res.Items), ...} with each
// item's explanation from res.AppendNoteJSON.
func (s *Server) appendSuggestions(b []byte, res *mentorships.Suggestions) []byte {
	b = append(b, `{"items":[`...)
	for i := range res.Items {
		r := &res.Items[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"mentor":`...)
		if r.Mentor.Summary != "" {
			b = appendSummaryRest(append(append(b, r.Mentor.Summary...), r.Mentor.Place...), r.Mentor)
		} else { // an index without a summarizer
			b = appendMentorSummary(b, r.Mentor, s.areas)
		}
		d := r.DistanceKm
		b = jsonw.Float(append(b, `,"distanceKm":`...), *roundKm(&d))
		b = jsonw.Bool(append(b, `,"withinReach":`...), r.WithinReach)
		b = jsonw.Strings(append(b, `,"matchedTopics":`...), r.MatchedTopics)
		b = jsonw.Float(append(b, `,"score":`...), round3(r.Score))
		b = append(b, `,"components":{"topic":`...)
		b = appendComponent(b, res, i, matching.PartTopic, r.Components.Topic)
		b = appendComponent(append(b, `,"distance":`...), res, i, matching.PartDistance, r.Components.Distance)
		b = appendComponent(append(b, `,"availability":`...), res, i, matching.PartAvailability, r.Components.Availability)
		b = appendComponent(append(b, `,"trust":`...), res, i, matching.PartTrust, r.Components.Trust)
		b = append(b, "}}"...)
	}
	b = jsonw.Int(append(b, `],"candidates":`...), res.Candidates)
	return append(b, '}')
}

// appendComponent appends part of item i's score as ComponentView, the
// note written into b already escaped.
func appendComponent(b []byte, res *mentorships.Suggestions, i int, part matching.Part, score float64) []byte {
	b = jsonw.Float(append(b, `{"score":`...), round3(score))
	b = append(b, weightsJSON[part]...)
	b = res.AppendNoteJSON(append(b, `,"note":"`...), i, part)
	return append(b, `"}`...)
}

// weightsJSON[part] is the weight field of each part's ComponentView.
var weightsJSON = func() (t [matching.PartTrust + 1]string) {
	for part, w := range [...]float64{matching.PartTopic: matching.WeightTopic, matching.PartDistance: matching.WeightDistance,
		matching.PartAvailability: matching.WeightAvailability, matching.PartTrust: matching.WeightTrust} {
		t[part] = string(jsonw.Float([]byte(`,"weight":`), w))
	}
	return t
}()
