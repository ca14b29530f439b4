package digest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/jst"
)

// The offer choice: pure functions of what the service read, so the rules
// are tested on their own (offers_test.go).

// Rules of the choice.
const (
	// MaxOffers is how many offers a digest carries at most: a short mail.
	MaxOffers = 3
	// EventWindow: events starting within this are offered (a month ahead
	// is what someone plans; the next digest covers the rest).
	EventWindow = 45 * 24 * time.Hour
	// NearKm: an in-person event is near when its venue is within this of
	// the member (about an hour by car in the regions).
	NearKm = 60.0
	// DefaultReachKm is the reach of a member who never said how far they
	// travel (the match requests' default radius).
	DefaultReachKm = 50.0
)

// Member is what the choice knows of the recipient.
type Member struct {
	UserID bson.ObjectID
	// Point is where they are (their latest request's place, else their
	// profile's); HasPoint is false when they never said.
	Point    geo.Point
	HasPoint bool
	// Topics they once asked about (their match requests, newest first;
	// else their founder profile's needs). Empty: no mentor offers.
	Topics []string
	// ReachKm: how far they said they would travel (0: DefaultReachKm).
	ReachKm float64
	// Remote: they accept meeting online or by phone.
	Remote bool
	// ActiveAt is their last activity: mentors listed since are new to
	// them.
	ActiveAt time.Time
	// Communities they are a member of: only their events are offered.
	Communities []bson.ObjectID
	// Answered are the events they already answered (any RSVP): not
	// offered again.
	Answered map[bson.ObjectID]bool
}

// Event is an upcoming event of one of the member's communities.
type Event struct {
	ID, CommunityID   bson.ObjectID
	Title             string
	StartsAt, EndsAt  time.Time
	Online            bool
	Venue             *geo.Point // nil when online
	PlaceJa, PlaceEn  string     // the venue's municipality
	Free, Beginner    bool
	ShortTagged, Full bool // Full: no place left (a waitlist only)
}

// Mentor is a listed mentor who could take the member.
type Mentor struct {
	ID               bson.ObjectID
	Name             string
	Topics           []string
	TopicsJa         map[string]string // slug -> name, for the reasons
	TopicsEn         map[string]string
	Point            geo.Point
	PlaceJa, PlaceEn string
	TravelKm         float64
	Remote           bool // meets online or by phone
	Free             int  // places left
	ListedAt         time.Time
}

// Offer kinds.
const (
	KindEvent  = "event"
	KindMentor = "mentor"
)

// Offer is one thing a digest offers, with why it was chosen.
type Offer struct {
	Kind       string
	ID         bson.ObjectID
	Title      string // the event's title, or the mentor's name
	StartsAt   *time.Time
	Online     bool
	DistanceKm *float64
	Topics     []string // a mentor's topics the member asked about
	ReasonJa   string
	ReasonEn   string
}

// lowHurdle is how much an event lowers the hurdle to come back: one point
// each for free, short, online and beginners welcome. Zero: not offered.
func lowHurdle(e Event) int {
	short := e.ShortTagged || e.EndsAt.Sub(e.StartsAt) <= 60*time.Minute
	n := 0
	for _, b := range []bool{e.Free, short, e.Online, e.Beginner} {
		if b {
			n++
		}
	}
	return n
}

// ChooseEvents returns the events worth offering, best first: upcoming
// within EventWindow, in one of the member's communities, not answered by
// the member yet, not full, free or short or online or for beginners, and
// online or within NearKm of the member (online only when we do not know
// where they are). Better is more hurdles lowered, then nearer, then
// sooner.
func ChooseEvents(m Member, events []Event, now time.Time) []Offer {
	type scored struct {
		e     Event
		score int
		km    float64
	}
	var ok []scored
	for _, e := range events {
		if !e.StartsAt.After(now) || e.StartsAt.Sub(now) > EventWindow || e.Full || !slices.Contains(m.Communities, e.CommunityID) || m.Answered[e.ID] {
			continue
		}
		score := lowHurdle(e)
		if score == 0 {
			continue
		}
		km := 0.0
		if !e.Online {
			if !m.HasPoint || e.Venue == nil {
				continue
			}
			km = geo.DistanceKm(m.Point, *e.Venue)
			if km > NearKm {
				continue
			}
		}
		ok = append(ok, scored{e, score, km})
	}
	slices.SortFunc(ok, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(math.Round(a.km), math.Round(b.km)),
			a.e.StartsAt.Compare(b.e.StartsAt), strings.Compare(a.e.ID.Hex(), b.e.ID.Hex()))
	})
	out := make([]Offer, len(ok))
	for i, s := range ok {
		out[i] = eventOffer(s.e, s.km)
	}
	return out
}

func eventOffer(e Event, km float64) Offer {
	start := e.StartsAt
	o := Offer{Kind: KindEvent, ID: e.ID, Title: e.Title, StartsAt: &start, Online: e.Online}
	local := e.StartsAt.In(jst.Zone)
	mins := int(e.EndsAt.Sub(e.StartsAt).Minutes())
	ja := []string{fmt.Sprintf("%d月%d日(%s) %s", local.Month(), local.Day(), weekdayJa[local.Weekday()], local.Format("15:04"))}
	en := []string{local.Format("Mon Jan 2, 15:04 JST")}
	if e.Online {
		ja, en = append(ja, "オンライン"), append(en, "online")
	} else {
		d := math.Round(km)
		o.DistanceKm = &d
		pj, pe := nearby(d)
		ja = append(ja, e.PlaceJa+"（"+pj+"）")
		en = append(en, "in "+e.PlaceEn+" ("+pe+")")
	}
	if e.Free {
		ja, en = append(ja, "参加無料"), append(en, "free")
	}
	ja, en = append(ja, fmt.Sprintf("%d分", mins)), append(en, fmt.Sprintf("%d minutes", mins))
	if e.Beginner {
		ja, en = append(ja, "初めての方も歓迎"), append(en, "newcomers welcome")
	}
	o.ReasonJa, o.ReasonEn = strings.Join(ja, "・"), strings.Join(en, ", ")
	return o
}

// nearby says how far, in words: "about 8 km", or "close by" under 1 km.
func nearby(km float64) (ja, en string) {
	if km < 1 {
		return "すぐ近く", "close by"
	}
	return fmt.Sprintf("約%.0fkm", km), fmt.Sprintf("about %.0f km away", km)
}

var weekdayJa = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// ChooseMentors returns the mentors worth offering, best first: listed
// since the member was last active (new to them), with a free place,
// covering a topic the member asked about, and within reach: within the
// member's reach or the mentor's travel distance, or meeting remotely when
// the member accepts that. Better is more of the member's topics, then
// nearer, then newer.
func ChooseMentors(m Member, mentors []Mentor) []Offer {
	if len(m.Topics) == 0 {
		return nil
	}
	reach := m.ReachKm
	if reach <= 0 {
		reach = DefaultReachKm
	}
	type scored struct {
		mt      Mentor
		matched []string
		km      *float64
	}
	var ok []scored
	for _, mt := range mentors {
		if mt.ID == m.UserID || mt.Free <= 0 || !mt.ListedAt.After(m.ActiveAt) {
			continue
		}
		var matched []string
		for _, t := range m.Topics {
			if slices.Contains(mt.Topics, t) {
				matched = append(matched, t)
			}
		}
		if len(matched) == 0 {
			continue
		}
		var km *float64
		if m.HasPoint {
			d := math.Round(geo.DistanceKm(m.Point, mt.Point))
			km = &d
		}
		near := km != nil && (*km <= reach || *km <= mt.TravelKm)
		if !near && !(mt.Remote && m.Remote) {
			continue
		}
		ok = append(ok, scored{mt, matched, km})
	}
	far := func(s scored) float64 {
		if s.km == nil {
			return math.MaxFloat64
		}
		return *s.km
	}
	slices.SortFunc(ok, func(a, b scored) int {
		return cmp.Or(cmp.Compare(len(b.matched), len(a.matched)), cmp.Compare(far(a), far(b)),
			b.mt.ListedAt.Compare(a.mt.ListedAt), strings.Compare(a.mt.ID.Hex(), b.mt.ID.Hex()))
	})
	out := make([]Offer, len(ok))
	for i, s := range ok {
		out[i] = mentorOffer(s.mt, s.matched, s.km, reach)
	}
	return out
}

func mentorOffer(mt Mentor, matched []string, km *float64, reach float64) Offer {
	o := Offer{Kind: KindMentor, ID: mt.ID, Title: mt.Name, Topics: matched, DistanceKm: km}
	ja, en := make([]string, len(matched)), make([]string, len(matched))
	for i, t := range matched {
		ja[i], en[i] = cmp.Or(mt.TopicsJa[t], t), cmp.Or(mt.TopicsEn[t], t)
	}
	o.ReasonJa = "新しく加わったメンター。" + strings.Join(ja, "・") + "の相談に乗れます"
	o.ReasonEn = "A new mentor who can help with " + strings.Join(en, ", ")
	if km != nil && (*km <= reach || *km <= mt.TravelKm) {
		pj, pe := nearby(*km)
		o.ReasonJa += "（" + mt.PlaceJa + "、" + pj + "）"
		o.ReasonEn += " (" + mt.PlaceEn + ", " + pe + ")"
	} else {
		o.ReasonJa += "（オンライン・電話で）"
		o.ReasonEn += " (online or by phone)"
	}
	return o
}

// Choose makes a digest's offers: at most MaxOffers, alternating the best
// event and the best mentor so that one kind does not crowd out the other,
// the rest filled from whichever kind has more.
func Choose(m Member, events []Event, mentors []Mentor, now time.Time) []Offer {
	return interleave(ChooseEvents(m, events, now), ChooseMentors(m, mentors))
}

// interleave takes the best event, the best mentor, the next event, and so
// on, up to MaxOffers.
func interleave(es, ms []Offer) []Offer {
	out := make([]Offer, 0, MaxOffers)
	for i := 0; len(out) < MaxOffers && (i < len(es) || i < len(ms)); i++ {
		if i < len(es) {
			out = append(out, es[i])
		}
		if i < len(ms) && len(out) < MaxOffers {
			out = append(out, ms[i])
		}
	}
	return out
}

// Skip reasons: why a member gets no digest now.
const (
	SkipActive        = "active"              // not lapsed
	SkipNotMember     = "not_a_member"        // of no community
	SkipOptedOut      = "digest_off"          // digest preference off (or unsubscribed)
	SkipUnverified    = "email_unverified"    // no proven address to write to
	SkipSuspended     = "suspended"           // the account is suspended
	SkipStopped       = "stopped_after_three" // three digests with no sign of life
	SkipSentThisMonth = "already_sent_this_month"
	SkipNoOffers      = "no_offers" // nothing worth writing about
)

// MaxUnanswered is how many digests in a row go without a sign of life
// before they stop (until the member is active again).
const MaxUnanswered = 3

// State is what decides whether a member gets a digest.
type State struct {
	Lapsed, Member, DigestOn, Verified, Suspended bool
	// SentSinceActive: digests sent since the member was last active.
	SentSinceActive int
	SentThisMonth   bool
	Offers          int
}

// SkipReason returns why no digest goes, or "" when one goes. The order is
// the order of the checks a person would ask about first.
func SkipReason(s State) string {
	switch {
	case s.Suspended:
		return SkipSuspended
	case !s.Member:
		return SkipNotMember
	case !s.Lapsed:
		return SkipActive
	case !s.DigestOn:
		return SkipOptedOut
	case !s.Verified:
		return SkipUnverified
	case s.SentThisMonth:
		return SkipSentThisMonth
	case s.SentSinceActive >= MaxUnanswered:
		return SkipStopped
	case s.Offers == 0:
		return SkipNoOffers
	}
	return ""
}

// Month names the JST month of t ("2026-12"): a member gets at most one
// digest per month.
func Month(t time.Time) string { return t.In(jst.Zone).Format("2006-01") }
