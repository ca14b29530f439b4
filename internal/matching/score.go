// Package matching ranks mentors for a founder's request and explains why.
//
// The scoring core (Eligibility, Score) is a pure function of a request and a
// mentor: no I/O, no clock. Rank runs it over the in-memory mentor index
// (package search) and keeps the best k in a bounded heap.
//
// A score is in [0,1] and is the weighted sum of four named components, each
// in [0,1] and returned so a person can see why a mentor ranks where it does.
package matching

import (
	"math"
	"math/bits"
	"strings"
	"sync"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/search"
)

// Component weights. They sum to 1.
const (
	// WeightTopic: covering what the founder asked for matters most; a mentor
	// who covers all requested topics from afar still beats a nearby mentor
	// who covers only the least important one.
	WeightTopic = 0.50
	// WeightDistance: the point of the platform is help nearby, so distance is
	// the second largest part: at equal fit, the nearby mentor ranks first.
	WeightDistance = 0.30
	// WeightAvailability: free places and a record of answering quickly spare
	// the founder introductions that go nowhere.
	WeightAvailability = 0.10
	// WeightTrust: organizer verification and declared independence (the
	// honest adviser with no stake) tip the balance between similar mentors.
	WeightTrust = 0.10
)

// Distance scoring.
const (
	// DecayKm: beyond reach, the distance score falls as exp(-(d-reach)/DecayKm),
	// so it halves about every 35 km.
	DecayKm = 50.0
	// RemoteFloor: a mentor who can meet online or by phone keeps at least
	// this distance score however far away, so remote help is still offered.
	RemoteFloor = 0.35
)

// floorBandKm is how far past the reach the decay stays above RemoteFloor
// (DecayKm·ln(1/RemoteFloor), about 52 km): beyond it a remote mentor's
// distance score is exactly the floor, so Rank needs no arithmetic there.
var floorBandKm = DecayKm * math.Log(1/RemoteFloor)

// Availability scoring.
const (
	// NewMentorResponsiveness is assumed for mentors with no answered or
	// expired introductions yet: a fair middle, neither rewarded nor punished.
	NewMentorResponsiveness = 0.75
	// PromptAnswerHours: answering within a day counts as fully prompt; slower
	// answers count less (96 h -> 0.5).
	PromptAnswerHours = 24.0
	slowAnswerScaleHr = 72.0
)

// Trust scoring: verification counts more than a self-declaration.
const (
	trustVerified    = 0.6
	trustIndependent = 0.4
)

// Request is what a founder asks for.
type Request struct {
	FounderID       bson.ObjectID
	Topics          []string // slugs, most important first
	Origin          geo.Point
	RadiusKm        float64     // how far the founder will travel
	Modes           search.Mode // ways the founder accepts; 0 means any
	IndependentOnly bool
	// Folded (textnorm.Fold) company name and industry of the founder, for
	// stake conflicts.
	Company  string
	Industry string
}

// prepared is a Request with its topics as bit masks, computed once per query
// so scoring a mentor is a few additions.
type prepared struct {
	Request
	mask uint64 // bits of the requested topics
	// topicBits[i] is the bit of Topics[i] (0 for a topic the index does
	// not know), in topicBitsOwn when they fit (requests ask for at most 5).
	topicBits    []uint64
	topicBitsOwn [5]uint64
	weights      [64]float64 // per bit: the topic's share of topicScore
	modes        search.Mode // accepted modes, 0 resolved to all
	radius2      float64     // geo.ChordSquared(RadiusKm)
	floor2       float64     // geo.ChordSquared(RadiusKm + floorBandKm)
}

// prepare computes the masks of req with the index's taxonomy: the i-th of n
// requested topics weighs n-i (the founder's first topic counts most),
// normalized so that covering every requested topic scores 1.
func prepare(ix *search.Index, req Request) *prepared {
	p := new(prepared)
	prepareInto(p, ix, req)
	return p
}

// preparedPool recycles the requests Rank prepares (most of one is weights,
// 512 bytes): garbage the collector would chase through a heap that holds
// the index.
var preparedPool = sync.Pool{New: func() any { return new(prepared) }}

// prepareInto is prepare into p.
func prepareInto(p *prepared, ix *search.Index, req Request) {
	*p = prepared{
		Request: req, mask: ix.TopicMask(req.Topics), modes: req.Modes,
		radius2: geo.ChordSquared(req.RadiusKm), floor2: geo.ChordSquared(req.RadiusKm + floorBandKm),
	}
	if p.modes == 0 {
		p.modes = search.ModeInPerson | search.ModeOnline | search.ModePhone
	}
	n := len(req.Topics)
	total := float64(n*(n+1)) / 2
	if n <= len(p.topicBitsOwn) {
		p.topicBits = p.topicBitsOwn[:n]
	} else {
		p.topicBits = make([]uint64, n)
	}
	for i, t := range req.Topics {
		if bit := ix.TopicMask([]string{t}); bit != 0 {
			p.topicBits[i] = bit
			p.weights[bits.TrailingZeros64(bit)] = float64(n-i) / total
		}
	}
}

// Reason says why a mentor is not a candidate; empty when they are.
type Reason string

// Reasons a mentor is not a candidate for a request.
const (
	Eligible       Reason = ""
	NotAccepting   Reason = "not_accepting"
	CapacityFull   Reason = "capacity_full"
	StakeConflict  Reason = "stake_conflict"
	NotIndependent Reason = "not_independent"
	TopicMismatch  Reason = "topic_mismatch"
	ModeMismatch   Reason = "mode_mismatch"
	OutOfReach     Reason = "out_of_reach"
	SelfMatch      Reason = "self_match"
	Suspended      Reason = "mentor_suspended"
)

// Components are the parts of a score, each in [0,1].
type Components struct {
	Topic        float64
	Distance     float64
	Availability float64
	Trust        float64
}

// Total is the weighted sum of the components.
func (c Components) Total() float64 {
	return WeightTopic*c.Topic + WeightDistance*c.Distance + WeightAvailability*c.Availability + WeightTrust*c.Trust
}

// withinReach reports whether the two are close enough to meet in person:
// either side may make the trip, so the reach is the larger of the founder's
// radius and the mentor's travel distance. Compared as squared chords
// (monotonic in distance), so no trigonometry per mentor.
func withinReach(req *prepared, chord2, travelChord2 float64) bool {
	return chord2 <= max(req.radius2, travelChord2)
}

// eligibility decides whether a mentor is a candidate for req; within says
// whether they are within reach (see withinReach).
func eligibility(req *prepared, f *search.Facts, within bool) Reason {
	switch {
	case f.ID == req.FounderID:
		return SelfMatch
	case f.Unlisted:
		return Suspended
	case !f.Accepting:
		return NotAccepting
	case f.Free() <= 0:
		return CapacityFull
	case req.IndependentOnly && !f.Independent:
		return NotIndependent
	case f.HasStakes() && hasStakeConflict(f.Stakes, req.Company, req.Industry):
		return StakeConflict
	case f.TopicMask&req.mask == 0:
		return TopicMismatch
	}
	common := f.Modes & req.modes
	if common == 0 {
		return ModeMismatch
	}
	if !common.Remote() && !within {
		return OutOfReach
	}
	return Eligible
}

// score computes the components for an eligible mentor at distance d (km).
func score(req *prepared, f *search.Facts, d float64, within bool) Components {
	c := partialScore(req, f)
	c.Distance = distanceScore(d, max(req.RadiusKm, f.TravelKm), within, (f.Modes & req.modes).Remote())
	return c
}

// partialScore is every component but distance, which alone needs the
// (costlier) distance in km.
func partialScore(req *prepared, f *search.Facts) Components {
	return Components{
		Topic:        topicScore(f.TopicMask&req.mask, &req.weights),
		Availability: availabilityScore(f),
		Trust:        trustScore(f),
	}
}

// topicScore is the weighted share of requested topics covered: the sum of
// the weights of the shared bits.
func topicScore(shared uint64, w *[64]float64) float64 {
	s := 0.0
	for shared != 0 {
		s += w[bits.TrailingZeros64(shared)]
		shared &= shared - 1
	}
	return s
}

// distanceScore: full marks within reach; beyond, decaying with the distance
// past the reach, floored for mentors who meet online or by phone.
func distanceScore(d, reachKm float64, within, remote bool) float64 {
	if within {
		return 1
	}
	s := math.Exp(-(d - reachKm) / DecayKm)
	if remote {
		s = max(s, RemoteFloor)
	}
	return s
}

func availabilityScore(f *search.Facts) float64 {
	capacity := 0.0
	if f.Capacity > 0 {
		capacity = float64(f.Free()) / float64(f.Capacity)
	}
	return 0.5*capacity + 0.5*responsiveness(f)
}

// responsiveness is the share of recent introductions answered, scaled down
// when the typical answer is slow.
func responsiveness(f *search.Facts) float64 {
	if f.Introductions == 0 {
		return NewMentorResponsiveness
	}
	// Clamped: the score promises [0,1] whatever the stats say.
	share := min(float64(f.Answered)/float64(f.Introductions), 1)
	speed := 1.0
	if f.Answered > 0 && f.MedianAnswerHr > PromptAnswerHours {
		speed = 1 / (1 + (f.MedianAnswerHr-PromptAnswerHours)/slowAnswerScaleHr)
	}
	return share * speed
}

func trustScore(f *search.Facts) float64 {
	s := 0.0
	if f.Verified {
		s += trustVerified
	}
	if f.Independent {
		s += trustIndependent
	}
	return s
}

// hasStakeConflict reports whether a declared stake names the founder's
// company or industry (folded text; either containing the other).
func hasStakeConflict(stakes []string, company, industry string) bool {
	for _, st := range stakes {
		if names(st, company) || names(st, industry) {
			return true
		}
	}
	return false
}

// names reports whether a stake and a founder's name or industry refer to the
// same thing: one contains the other (both at least two characters, so a
// stray letter does not match everything).
func names(stake, x string) bool {
	if utf8.RuneCountInString(x) < 2 || utf8.RuneCountInString(stake) < 2 {
		return false
	}
	return strings.Contains(stake, x) || strings.Contains(x, stake)
}

// appendMatchedTopics appends to buf the requested topics a mentor with
// topic bits mask covers, in request order, and returns buf and what it
// appended (never nil: the API shows an empty list), capped so that an
// append to it cannot write into buf: a ranking lists every suggestion's
// topics in one array.
func appendMatchedTopics(buf []string, p *prepared, mask uint64) (all, matched []string) {
	if buf == nil {
		buf = make([]string, 0, bits.OnesCount64(mask&p.mask))
	}
	start := len(buf)
	for i, b := range p.topicBits {
		if mask&b != 0 {
			buf = append(buf, p.Topics[i])
		}
	}
	return buf, buf[start:len(buf):len(buf)]
}
