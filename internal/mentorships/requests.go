package mentorships

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/matching"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
)

// Request statuses.
const (
	RequestOpen    = "open"
	RequestMatched = "matched"
	RequestClosed  = "closed"
)

// MatchRequest is a founder's standing request for a mentor.
type MatchRequest struct {
	ID              bson.ObjectID     `bson:"_id"`
	FounderID       bson.ObjectID     `bson:"founderId"`
	Topics          []string          `bson:"topics"` // most important first
	Location        profiles.Location `bson:"location"`
	RadiusKm        int               `bson:"radiusKm"`
	Modes           []string          `bson:"modes"`
	Message         string            `bson:"message"`
	IndependentOnly bool              `bson:"independentOnly"`
	Status          string            `bson:"status"`
	MentorshipID    *bson.ObjectID    `bson:"mentorshipId,omitempty"`
	CreatedAt       time.Time         `bson:"createdAt"`
	UpdatedAt       time.Time         `bson:"updatedAt"`
}

// Ranked is a suggestion with its explanation.
type Ranked = matching.Ranked

// Suggestions are ranked mentors for a request.
type Suggestions struct {
	Items      []Ranked
	Candidates int // mentors who are candidates at all

	// What AppendNote explains with.
	req   matching.Request
	lang  string
	names matching.Names

	mem *matching.Results // where Items live when pooled (Suggest's)
}

// Release gives the memory of r's items back for other requests'
// suggestions; r and its items must not be used after. Suggest's answer is
// the one worth releasing (the read path, a kilobyte or two a request); for
// the others Release does nothing.
func (r *Suggestions) Release() {
	if r.mem != nil {
		r.mem.Reset() // what is still read after this shows wrong, at once
		resultsPool.Put(r.mem)
		*r = Suggestions{}
	}
}

// resultsPool recycles the memory of Suggest's rankings.
var resultsPool = sync.Pool{New: func() any { return new(matching.Results) }}

// SuggestInput asks for suggestions without storing anything.
type SuggestInput struct {
	Topics          []string
	Near            *geo.Point // default: the founder profile's location
	RadiusKm        int        // default 50
	Modes           []string
	IndependentOnly bool
	Limit           int
}

// Suggest ranks mentors for the caller, reading only memory. The items carry
// no Explanation: the caller appends the notes it shows with AppendNote, and
// may Release the answer once done with it.
func (s *Service) Suggest(p accounts.Principal, in SuggestInput) (Suggestions, error) {
	if !p.Has(accounts.RoleFounder) {
		return Suggestions{}, apperr.New(apperr.Forbidden, "forbidden", "match suggestions are for founders")
	}
	var v apperr.Validation
	s.checkTopics(&v, in.Topics)
	radius := checkRadius(&v, in.RadiusKm)
	modes := checkModes(&v, in.Modes)
	brief, hasBrief := s.profiles.Founder(p.UserID)
	origin := brief.Location.Point
	if in.Near != nil {
		origin = *in.Near
	} else if !hasBrief {
		v.Add("near", "is required until you have a founder profile with a location")
	}
	limit := in.Limit
	if limit == 0 {
		limit = SuggestionsShown
	}
	v.Check(limit >= 1 && limit <= 50, "limit", "must be between 1 and 50")
	if err := v.Err(); err != nil {
		return Suggestions{}, err
	}
	req := matching.Request{
		FounderID: p.UserID, Topics: in.Topics, Origin: origin, RadiusKm: float64(radius), Modes: modeSet(modes),
		IndependentOnly: in.IndependentOnly, Company: brief.CompanyFolded, Industry: brief.IndustryFolded,
	}
	mem := resultsPool.Get().(*matching.Results)
	out := s.rankInto(mem, req, limit, p.Locale)
	out.mem = mem
	return out, nil
}

// rank ranks mentors for req and explains the best k in the caller's language.
func (s *Service) rank(req matching.Request, k int, lang string) Suggestions {
	out := s.rankOnly(req, k, lang)
	out.Explain()
	return out
}

// rankOnly ranks mentors for req, leaving the explanations to AppendNote.
func (s *Service) rankOnly(req matching.Request, k int, lang string) Suggestions {
	return s.rankInto(new(matching.Results), req, k, lang)
}

// rankInto is rankOnly with the items in mem (see matching.RankInto).
func (s *Service) rankInto(mem *matching.Results, req matching.Request, k int, lang string) Suggestions {
	items, total := matching.RankInto(mem, s.index, req, k)
	names := s.namesEn
	if lang == "ja" {
		names = s.namesJa
	}
	return NewSuggestions(req, items, total, lang, names)
}

// NewSuggestions wraps ranked items for req, to be explained in lang with
// topic names from names (by Explain or AppendNote).
func NewSuggestions(req matching.Request, items []Ranked, candidates int, lang string, names matching.Names) Suggestions {
	return Suggestions{Candidates: candidates, Items: items, req: req, lang: lang, names: names}
}

// Explain fills every item's Explanation.
func (r *Suggestions) Explain() {
	for i := range r.Items {
		r.Items[i].Explanation = matching.Explain(&r.req, &r.Items[i].Suggestion, r.names.Text, r.lang)
	}
}

func (s *Service) topicJa(slug string) string {
	t, _ := s.topics.Get(slug)
	return t.Ja
}

func (s *Service) topicEn(slug string) string {
	t, _ := s.topics.Get(slug)
	return t.En
}

// AppendNote appends the text of one part of item i's explanation in the
// caller's language: what Items[i].Explanation holds when it was filled.
func (r *Suggestions) AppendNote(dst []byte, i int, part matching.Part) []byte {
	return matching.AppendNote(dst, &r.req, &r.Items[i].Suggestion, r.names.Text, r.lang, part)
}

// AppendNoteJSON appends that text as the inside of a JSON string.
func (r *Suggestions) AppendNoteJSON(dst []byte, i int, part matching.Part) []byte {
	return matching.AppendNoteJSON(dst, &r.req, &r.Items[i].Suggestion, r.names.JSON, r.lang, part)
}

// RequestInput creates a match request.
type RequestInput struct {
	Topics          []string
	Location        *profiles.LocationInput // default: the founder profile's
	RadiusKm        int
	Modes           []string
	Message         string
	IndependentOnly bool
}

// CreateRequest stores a founder's request and returns it with its top suggestions.
func (s *Service) CreateRequest(ctx context.Context, p accounts.Principal, in RequestInput) (MatchRequest, Suggestions, error) {
	if !p.Has(accounts.RoleFounder) {
		return MatchRequest{}, Suggestions{}, apperr.New(apperr.Forbidden, "forbidden", "match requests are for founders")
	}
	var v apperr.Validation
	s.checkTopics(&v, in.Topics)
	radius := checkRadius(&v, in.RadiusKm)
	modes := checkModes(&v, in.Modes)
	message := strings.TrimSpace(in.Message)
	v.Check(utf8.RuneCountInString(message) <= maxMessage, "message", "must be at most 1000 characters")
	var loc profiles.Location
	if in.Location != nil {
		loc = s.profiles.ResolveLocation(&v, "location", in.Location)
	} else if brief, ok := s.profiles.Founder(p.UserID); ok {
		loc = brief.Location
	} else {
		v.Add("location", "is required until you have a founder profile with a location")
	}
	if err := v.Err(); err != nil {
		return MatchRequest{}, Suggestions{}, err
	}
	now := s.clock()
	r := MatchRequest{
		ID: bson.NewObjectID(), FounderID: p.UserID, Topics: in.Topics, Location: loc, RadiusKm: radius,
		Modes: modes, Message: message, IndependentOnly: in.IndependentOnly, Status: RequestOpen,
		CreatedAt: now, UpdatedAt: now,
	}
	if _, err := s.requests.InsertOne(ctx, r); err != nil {
		return MatchRequest{}, Suggestions{}, fmt.Errorf("insert match request: %w", err)
	}
	return r, s.rank(s.matchingRequest(r), SuggestionsShown, p.Locale), nil
}

// matchingRequest turns a stored request into a matching query, with the
// founder's current company and industry for stake conflicts.
func (s *Service) matchingRequest(r MatchRequest) matching.Request {
	brief, _ := s.profiles.Founder(r.FounderID)
	return matching.Request{
		FounderID: r.FounderID, Topics: r.Topics, Origin: r.Location.Point, RadiusKm: float64(r.RadiusKm),
		Modes: modeSet(r.Modes), IndependentOnly: r.IndependentOnly,
		Company: brief.CompanyFolded, Industry: brief.IndustryFolded,
	}
}

// GetRequest returns the caller's request with fresh suggestions (none once
// the request is no longer open). Someone else's request is not found.
func (s *Service) GetRequest(ctx context.Context, p accounts.Principal, id bson.ObjectID) (MatchRequest, Suggestions, error) {
	r, err := s.ownRequest(ctx, p, id)
	if err != nil {
		return MatchRequest{}, Suggestions{}, err
	}
	if r.Status != RequestOpen {
		return r, Suggestions{Items: []Ranked{}}, nil
	}
	return r, s.rank(s.matchingRequest(r), SuggestionsShown, p.Locale), nil
}

// ListRequests returns the caller's requests, newest first.
func (s *Service) ListRequests(ctx context.Context, p accounts.Principal, limit int, cursor string) ([]MatchRequest, string, error) {
	return mongodb.FindPage(ctx, s.requests, bson.D{{Key: "founderId", Value: p.UserID}}, cursor, limit, func(r MatchRequest) bson.ObjectID { return r.ID })
}

// CloseRequest closes an open request: the founder stops looking; its pending
// introductions are withdrawn.
func (s *Service) CloseRequest(ctx context.Context, p accounts.Principal, id bson.ObjectID) (MatchRequest, error) {
	if _, err := s.ownRequest(ctx, p, id); err != nil {
		return MatchRequest{}, err
	}
	// The outcome document arbitrates close against a racing accept.
	o, err := s.claimOutcome(ctx, id, outcome{ID: id, Outcome: RequestClosed, At: s.clock()})
	if err != nil {
		return MatchRequest{}, err
	}
	if o.Outcome != RequestClosed {
		return MatchRequest{}, ErrInvalidTransition // matched
	}
	if err := s.setRequestStatus(ctx, id, RequestOpen, RequestClosed, nil); err != nil {
		return MatchRequest{}, err
	}
	if err := s.withdrawPending(ctx, id, bson.NilObjectID, ReasonRequestClosed); err != nil {
		return MatchRequest{}, err
	}
	return s.ownRequest(ctx, p, id)
}

func (s *Service) ownRequest(ctx context.Context, p accounts.Principal, id bson.ObjectID) (MatchRequest, error) {
	var r MatchRequest
	err := s.requests.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&r)
	if mongodb.IsNotFound(err) || (err == nil && r.FounderID != p.UserID) {
		return MatchRequest{}, apperr.NotFoundf("no match request with id %s", id.Hex())
	}
	if err != nil {
		return MatchRequest{}, fmt.Errorf("find match request: %w", err)
	}
	return r, nil
}

// outcome ends a request: matched (with the accepted introduction) or closed.
type outcome struct {
	ID             bson.ObjectID `bson:"_id"` // the request
	Outcome        string        `bson:"outcome"`
	IntroductionID bson.ObjectID `bson:"introductionId,omitempty"`
	At             time.Time     `bson:"at"`
}

// claimOutcome inserts o unless the request already has an outcome, and
// returns the outcome that holds (o, or the one that was first).
func (s *Service) claimOutcome(ctx context.Context, requestID bson.ObjectID, o outcome) (outcome, error) {
	_, err := s.matches.InsertOne(ctx, o)
	if err == nil {
		return o, nil
	}
	if !mongodb.IsDuplicateKey(err) {
		return outcome{}, fmt.Errorf("claim request outcome: %w", err)
	}
	var existing outcome
	if err := s.matches.FindOne(ctx, bson.D{{Key: "_id", Value: requestID}}).Decode(&existing); err != nil {
		return outcome{}, fmt.Errorf("read request outcome: %w", err)
	}
	return existing, nil
}

// setRequestStatus moves a request from one status to another, under its lock
// and conditionally on the old status.
func (s *Service) setRequestStatus(ctx context.Context, id bson.ObjectID, from, to string, mentorship *bson.ObjectID) error {
	unlock := s.db.Lock(colRequests, id)
	defer unlock()
	set := bson.D{{Key: "status", Value: to}, {Key: "updatedAt", Value: s.clock()}}
	if mentorship != nil {
		set = append(set, bson.E{Key: "mentorshipId", Value: *mentorship})
	}
	_, err := s.requests.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "status", Value: from}}, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("update match request: %w", err)
	}
	return nil
}

func (s *Service) checkTopics(v *apperr.Validation, slugs []string) {
	seen := map[string]bool{}
	for _, t := range slugs {
		if _, ok := s.topics.Get(t); !ok {
			v.Add("topics", fmt.Sprintf("unknown topic %q; see GET /v1/topics", t))
			return
		}
		if seen[t] {
			v.Add("topics", fmt.Sprintf("topic %q is listed twice", t))
			return
		}
		seen[t] = true
	}
	v.Check(len(slugs) >= 1 && len(slugs) <= MaxRequestTopics, "topics", "give 1 to 5 topics, most important first")
}

func checkRadius(v *apperr.Validation, km int) int {
	if km == 0 {
		return DefaultRadiusKm
	}
	v.Check(km >= 1 && km <= MaxRadiusKm, "radiusKm", "must be between 1 and 500")
	return km
}

// checkModes validates the ways a founder accepts; none means all.
func checkModes(v *apperr.Validation, names []string) []string {
	if len(names) == 0 {
		return search.Mode(search.ModeInPerson | search.ModeOnline | search.ModePhone).Names()
	}
	var set search.Mode
	for _, n := range names {
		m, ok := search.ParseMode(n)
		if !ok {
			v.Add("modes", `each mode must be "in_person", "online" or "phone"`)
			return nil
		}
		set |= m
	}
	return set.Names()
}

func modeSet(names []string) search.Mode {
	var set search.Mode
	for _, n := range names {
		m, _ := search.ParseMode(n)
		set |= m
	}
	return set
}
