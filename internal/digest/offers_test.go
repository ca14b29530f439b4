package digest

import (
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/geo"
)

var (
	obihiro = geo.Point{Lat: 42.9236, Lon: 143.1966}
	otofuke = geo.Point{Lat: 42.9916, Lon: 143.2003} // ~8 km from 帯広
	kushiro = geo.Point{Lat: 42.9849, Lon: 144.3820} // ~97 km
	sapporo = geo.Point{Lat: 43.0642, Lon: 141.3469} // ~150 km
)

func TestChooseEvents(t *testing.T) {
	now := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	comm, other := bson.NewObjectID(), bson.NewObjectID()
	member := Member{Point: obihiro, HasPoint: true, Communities: []bson.ObjectID{comm}}
	ev := func(title string, in time.Duration, mins int, online bool, at geo.Point, free bool) Event {
		e := Event{ID: bson.NewObjectID(), CommunityID: comm, Title: title, StartsAt: now.Add(in), EndsAt: now.Add(in + time.Duration(mins)*time.Minute), Online: online, Free: free}
		if !online {
			e.Venue = &at
		}
		return e
	}
	day := 24 * time.Hour
	online := ev("online short free", 9*day, 45, true, geo.Point{}, true)
	nearShort := ev("near short", 4*day, 30, false, otofuke, false)
	nearLong := ev("near long free", 3*day, 120, false, obihiro, true)
	longPaid := ev("near long paid", 2*day, 120, false, obihiro, false)
	far := ev("far short free", 2*day, 30, false, kushiro, true)
	past := ev("past", -day, 30, true, geo.Point{}, true)
	late := ev("too far ahead", 60*day, 30, true, geo.Point{}, true)
	full := ev("full", 5*day, 30, true, geo.Point{}, true)
	full.Full = true
	foreign := ev("another community", 5*day, 30, true, geo.Point{}, true)
	foreign.CommunityID = other
	all := []Event{online, nearShort, nearLong, longPaid, far, past, late, full, foreign}

	tests := []struct {
		name   string
		member Member
		want   []string
	}{
		{"near member: online first (three hurdles), then the nearer of equals; paid and long is no offer", member, []string{"online short free", "near long free", "near short"}},
		{"no known place: online only", Member{Communities: []bson.ObjectID{comm}}, []string{"online short free"}},
		{"member of no community of theirs: nothing", Member{Point: obihiro, HasPoint: true, Communities: []bson.ObjectID{bson.NewObjectID()}}, nil},
		{"far from every venue: online only", Member{Point: sapporo, HasPoint: true, Communities: []bson.ObjectID{comm}}, []string{"online short free"}},
		{"events already answered are not offered", Member{Point: obihiro, HasPoint: true, Communities: []bson.ObjectID{comm}, Answered: map[bson.ObjectID]bool{online.ID: true, nearShort.ID: true}}, []string{"near long free"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, o := range ChooseEvents(tt.member, all, now) {
				got = append(got, o.Title)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	o := ChooseEvents(member, []Event{nearShort}, now)[0]
	if o.DistanceKm == nil || *o.DistanceKm < 6 || *o.DistanceKm > 10 || o.ReasonJa == "" || o.ReasonEn == "" {
		t.Fatalf("offer %+v", o)
	}
}

func TestChooseMentors(t *testing.T) {
	lastSeen := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	newer, older := lastSeen.Add(30*24*time.Hour), lastSeen.Add(-24*time.Hour)
	self := bson.NewObjectID()
	member := Member{UserID: self, Point: obihiro, HasPoint: true, Topics: []string{"sales", "fundraising"}, ReachKm: 50, Remote: true, ActiveAt: lastSeen}
	mt := func(name string, at geo.Point, travel float64, remote bool, listed time.Time, topics ...string) Mentor {
		return Mentor{ID: bson.NewObjectID(), Name: name, Topics: topics, Point: at, TravelKm: travel, Remote: remote, Free: 1, ListedAt: listed}
	}
	both := mt("near, both topics", otofuke, 0, false, newer, "fundraising", "sales")
	near := mt("near, one topic", obihiro, 0, false, newer, "sales")
	travels := mt("travels from 釧路", kushiro, 120, false, newer, "sales")
	remote := mt("remote in 札幌", sapporo, 0, true, newer, "fundraising")
	farInPerson := mt("札幌, in person only", sapporo, 20, false, newer, "sales")
	old := mt("listed before", otofuke, 0, false, older, "sales")
	offTopic := mt("other topic", otofuke, 0, false, newer, "legal")
	fullUp := mt("no place left", otofuke, 0, false, newer, "sales")
	fullUp.Free = 0
	me := mt("the member", otofuke, 0, false, newer, "sales")
	me.ID = self
	all := []Mentor{remote, farInPerson, travels, near, both, old, offTopic, fullUp, me}

	tests := []struct {
		name   string
		member Member
		want   []string
	}{
		{"topics first, then nearest; remote and travelling mentors reach", member, []string{"near, both topics", "near, one topic", "travels from 釧路", "remote in 札幌"}},
		{"in person only: no remote mentors", func() Member { m := member; m.Remote = false; return m }(), []string{"near, both topics", "near, one topic", "travels from 釧路"}},
		{"never asked about anything: no mentors", func() Member { m := member; m.Topics = nil; return m }(), nil},
		{"active after they were listed: none is new", func() Member { m := member; m.ActiveAt = newer; return m }(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, o := range ChooseMentors(tt.member, all) {
				got = append(got, o.Title)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChooseMixesKinds(t *testing.T) {
	e := func(n string) Offer { return Offer{Kind: KindEvent, Title: n} }
	m := func(n string) Offer { return Offer{Kind: KindMentor, Title: n} }
	mix := func(es, ms []Offer) []string {
		var names []string
		for _, o := range interleave(es, ms) {
			names = append(names, o.Title)
		}
		return names
	}
	// Choose's rule, on offers already ranked.
	tests := []struct {
		es, ms []Offer
		want   []string
	}{
		{[]Offer{e("e1"), e("e2"), e("e3")}, []Offer{m("m1"), m("m2")}, []string{"e1", "m1", "e2"}},
		{[]Offer{e("e1")}, []Offer{m("m1"), m("m2"), m("m3")}, []string{"e1", "m1", "m2"}},
		{nil, []Offer{m("m1")}, []string{"m1"}},
		{nil, nil, nil},
	}
	for _, tt := range tests {
		if got := mix(tt.es, tt.ms); !slices.Equal(got, tt.want) {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	// And Choose itself caps at three from real candidates.
	comm := bson.NewObjectID()
	now := time.Now()
	var evs []Event
	for range 5 {
		evs = append(evs, Event{ID: bson.NewObjectID(), CommunityID: comm, Title: "x", StartsAt: now.Add(time.Hour), EndsAt: now.Add(2 * time.Hour), Online: true, Free: true})
	}
	if got := Choose(Member{Communities: []bson.ObjectID{comm}}, evs, nil, now); len(got) != MaxOffers {
		t.Fatalf("%d offers", len(got))
	}
}

func TestSkipReason(t *testing.T) {
	ok := State{Lapsed: true, Member: true, DigestOn: true, Verified: true, Offers: 2}
	with := func(f func(*State)) State { s := ok; f(&s); return s }
	tests := []struct {
		s    State
		want string
	}{
		{ok, ""},
		{with(func(s *State) { s.Lapsed = false }), SkipActive},
		{with(func(s *State) { s.Member = false }), SkipNotMember},
		{with(func(s *State) { s.DigestOn = false }), SkipOptedOut},
		{with(func(s *State) { s.Verified = false }), SkipUnverified},
		{with(func(s *State) { s.Suspended = true }), SkipSuspended},
		{with(func(s *State) { s.SentSinceActive = 2 }), ""},
		{with(func(s *State) { s.SentSinceActive = 3 }), SkipStopped},
		{with(func(s *State) { s.SentThisMonth = true }), SkipSentThisMonth},
		{with(func(s *State) { s.Offers = 0 }), SkipNoOffers},
	}
	for _, tt := range tests {
		if got := SkipReason(tt.s); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestMonthIsJST(t *testing.T) {
	// 2026-11-30 15:00 UTC is 2026-12-01 00:00 in Japan.
	if got := Month(time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)); got != "2026-12" {
		t.Fatal(got)
	}
	if got := Month(time.Date(2026, 11, 30, 14, 59, 0, 0, time.UTC)); got != "2026-11" {
		t.Fatal(got)
	}
}
