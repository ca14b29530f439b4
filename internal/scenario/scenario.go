// Package scenario writes "a year of a 2,000-member community" into a
// database, at a scale factor, for measuring how the per-user reads grow with
// everyone's data (scripts/scenario, scripts/bench/report.sh).
//
// Documents are inserted directly (InsertMany in batches), not through the
// services: at 25 times the community that is 1.6 million documents, and the
// embedded server costs milliseconds a write. They are the services' own
// types where those are exported, and otherwise documents with the field
// names of the services' unexported structs, so the API reads them as its
// own. The indexes are created first by the services' constructors, as the
// API does at start, so unique indexes check the generated data as it lands.
//
// Per 1×: 2,000 users (founders, mentors and one organizer per community,
// with profiles across Hokkaido), 2 communities with memberships, 10,000
// notifications, 2,000 posts, 200 events with 5,000 RSVPs (and their places),
// 2,000 match requests, 4,000 introductions (with their decisions, pending
// slots and the requests' outcomes), 1,000 mentorships (with seats, closures
// and touchpoints) and 20,000 refresh tokens. Everything is multiplied by the
// scale. The same seed and scale give the same data relative to Config.Now.
package scenario

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/notifications"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// Config says what to generate.
type Config struct {
	Scale    float64   // 1 is a year of a 2,000-member community
	Seed     uint64    // default 1
	Now      time.Time // the end of the year; zero: time.Now()
	Password string    // every user's; default DefaultPassword
	Batch    int       // documents per InsertMany; default 500
	Fresh    int       // users listed in the manifest for freshprobe; default 200
	Progress io.Writer // progress lines; nil: none
}

// DefaultPassword is every generated user's password unless configured.
const DefaultPassword = "kizuna-scenario-2026"

// ManifestFile is the manifest's name in the data directory.
const ManifestFile = "scenario.json"

// Subject is a user the probes sign in as.
type Subject struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	// What they own, so a probe's answer can be judged.
	Notifications int `json:"notifications"`
	Requests      int `json:"requests"`
	Introductions int `json:"introductions"`
	Mentorships   int `json:"mentorships"`
}

// Manifest lists probe subjects, so the probes need no database access.
type Manifest struct {
	Scale       float64        `json:"scale"`
	Seed        uint64         `json:"seed"`
	GeneratedAt time.Time      `json:"generatedAt"`
	Seconds     float64        `json:"seconds"` // generation time
	Password    string         `json:"password"`
	Founder     Subject        `json:"founder"`   // ~30 notifications, requests, introductions, mentorships
	Mentor      Subject        `json:"mentor"`    // introductions waiting and decided
	Organizer   Subject        `json:"organizer"` // organizes CommunityID
	CommunityID string         `json:"communityId"`
	Members     int64          `json:"communityMembers"` // CommunityID's active members
	EventID     string         `json:"eventId"`          // upcoming, in CommunityID, with free places
	Near        string         `json:"near"`             // the founder's municipality code
	FreshEmails []string       `json:"freshEmails"`      // users no probe signs in as otherwise
	Counts      map[string]int `json:"counts"`           // documents by collection
}

// WriteManifest writes m to dir/ManifestFile.
func WriteManifest(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'), 0o644)
}

// ReadManifest reads a manifest written by WriteManifest (a file path).
func ReadManifest(path string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	err = json.Unmarshal(b, &m)
	return m, err
}

// EnsureIndexes creates the indexes of the collections the scenario writes
// by constructing their services, exactly as the API does at start, so the
// first start after generation finds them built and the unique ones check
// the data as it is inserted.
func EnsureIndexes(ctx context.Context, db *mongodb.DB) error {
	catalog, err := areas.Load()
	if err != nil {
		return err
	}
	taxonomy := topics.New()
	ix := search.New(taxonomy)
	// The secret only signs tokens of this throwaway service.
	acc, err := accounts.New(ctx, db, accounts.Config{JWTSecret: []byte("scenario-index-builder-secret-0123456789")})
	if err != nil {
		return err
	}
	prof, err := profiles.New(ctx, db, catalog, taxonomy, acc, ix, profiles.Config{})
	if err != nil {
		return err
	}
	notif, err := notifications.New(ctx, db, notifications.Config{})
	if err != nil {
		return err
	}
	if _, err := community.New(ctx, db, catalog, acc, notif, community.Config{}); err != nil {
		return err
	}
	_, err = mentorships.New(ctx, db, ix, prof, acc, notif, taxonomy, mentorships.Config{})
	return err
}

// Generate writes the scenario into db (which should be empty) and returns
// its manifest. It creates the indexes first (EnsureIndexes).
func Generate(ctx context.Context, db *mongodb.DB, cfg Config) (Manifest, error) {
	start := time.Now()
	if cfg.Scale <= 0 {
		return Manifest{}, fmt.Errorf("scenario: scale must be positive, got %v", cfg.Scale)
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	cfg.Now = cfg.Now.UTC().Truncate(time.Millisecond)
	if cfg.Password == "" {
		cfg.Password = DefaultPassword
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	if cfg.Fresh <= 0 {
		cfg.Fresh = 200
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	catalog, err := areas.Load()
	if err != nil {
		return Manifest{}, err
	}
	t0 := time.Now()
	if err := EnsureIndexes(ctx, db); err != nil {
		return Manifest{}, fmt.Errorf("scenario: indexes: %w", err)
	}
	fmt.Fprintf(cfg.Progress, "indexes created in %s\n", time.Since(t0).Round(time.Millisecond))
	// One hash for everyone: argon2id costs tens of milliseconds a call.
	hash, err := accounts.HashPassword(cfg.Password)
	if err != nil {
		return Manifest{}, err
	}
	g := &gen{
		cfg: cfg, db: db, ctx: ctx, now: cfg.Now, hash: hash,
		r:      rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		counts: map[string]int{},
		topics: topics.New().All(),
	}
	for _, m := range catalog.Municipalities("01") {
		if m.Kind != areas.KindDesignatedCity { // its wards stand for it
			g.munis = append(g.munis, m)
		}
	}
	g.subprefs = catalog.Subprefectures("01")
	g.byCode = map[string]areas.Municipality{}
	for _, m := range g.munis {
		g.byCode[m.Code] = m
	}
	m, err := g.run()
	if err != nil {
		return Manifest{}, fmt.Errorf("scenario: %w", err)
	}
	m.Seconds = math.Round(time.Since(start).Seconds()*10) / 10
	return m, nil
}

// n scales a 1× count (at least 1).
func (g *gen) n(base int) int {
	return max(1, int(math.Round(float64(base)*g.cfg.Scale)))
}

type gen struct {
	cfg    Config
	db     *mongodb.DB
	ctx    context.Context
	now    time.Time
	hash   string
	r      *rand.Rand
	counts map[string]int

	topics   []topics.Topic
	munis    []areas.Municipality
	subprefs []areas.Subprefecture
	byCode   map[string]areas.Municipality

	users   []person
	comms   []commPlan
	lastAct []time.Time // latest activity per user, from what they did
	index   map[bson.ObjectID]int
}

// person is a generated user before insertion (activity is only known at
// the end).
type person struct {
	user    accounts.User
	founder bool
	mentor  bool
	loc     profiles.Location
	needs   []string // founder's topics
	cap     int      // mentor's capacity
	active  int      // mentor's active mentorships
	alumni  bool
	notifs  int
}

type commPlan struct {
	c       community.Community
	codes   map[string]bool
	members []int // user indexes, active or not
}

// oid is an ObjectID whose time is t (pages sort by _id, newest first) and
// whose other eight bytes come from the seeded source.
func (g *gen) oid(t time.Time) bson.ObjectID {
	var id bson.ObjectID
	binary.BigEndian.PutUint32(id[:4], uint32(t.Unix()))
	binary.BigEndian.PutUint64(id[4:], g.r.Uint64())
	return id
}

// ago is a time between lo and hi days before now.
func (g *gen) ago(lo, hi float64) time.Time {
	d := lo + g.r.Float64()*(hi-lo)
	return g.now.Add(-time.Duration(d * 24 * float64(time.Hour))).Truncate(time.Millisecond)
}

// between is a time in [a, b] (a when b is not after a).
func (g *gen) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(g.r.Int64N(int64(b.Sub(a))))).Truncate(time.Millisecond)
}

func (g *gen) touch(i int, t time.Time) {
	if t.After(g.lastAct[i]) && !t.After(g.now) {
		g.lastAct[i] = t
	}
}

// sink inserts documents of one collection in batches.
type sink struct {
	g     *gen
	coll  string
	buf   []any
	n     int
	start time.Time
}

func (g *gen) sink(coll string) *sink {
	return &sink{g: g, coll: coll, start: time.Now()}
}

func (s *sink) add(doc any) error {
	s.buf = append(s.buf, doc)
	if len(s.buf) >= s.g.cfg.Batch {
		return s.flush()
	}
	return nil
}

func (s *sink) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	if _, err := s.g.db.Collection(s.coll).InsertMany(s.g.ctx, s.buf); err != nil {
		return fmt.Errorf("insert %s: %w", s.coll, err)
	}
	s.n += len(s.buf)
	s.buf = s.buf[:0]
	return nil
}

func (s *sink) close() error {
	if err := s.flush(); err != nil {
		return err
	}
	s.g.counts[s.coll] += s.n
	// Collections of one stage are written interleaved (an introduction
	// with its decision and mentorship), so the time is the stage's so far.
	fmt.Fprintf(s.g.cfg.Progress, "%-24s %8d documents, stage time so far %s\n", s.coll, s.n, time.Since(s.start).Round(time.Millisecond))
	return nil
}

// Subject user indexes (organizers of communities come first, at 0..C-1).
const (
	organizerSubject = 0
)

func (g *gen) run() (Manifest, error) {
	nComms := g.n(2)
	nUsers := max(g.n(2000), nComms+8)
	founderSubject, mentorSubject := nComms, nComms+1
	g.planUsers(nUsers, nComms, founderSubject, mentorSubject)
	g.planCommunities(nComms, founderSubject, mentorSubject)

	// Streams written now; users, profiles, memberships and communities are
	// written last, when everyone's latest activity is known.
	event, err := g.writeEventsAndRSVPs(g.n(200), g.n(5000))
	if err != nil {
		return Manifest{}, err
	}
	if err := g.writePosts(g.n(2000)); err != nil {
		return Manifest{}, err
	}
	mentorIntros, founderStats, err := g.writeMentoring(g.n(2000), g.n(4000), g.n(1000), founderSubject, mentorSubject)
	if err != nil {
		return Manifest{}, err
	}
	if err := g.writeNotifications(g.n(10000), founderSubject); err != nil {
		return Manifest{}, err
	}
	if err := g.writeTokens(g.n(20000)); err != nil {
		return Manifest{}, err
	}
	if err := g.writeUsers(); err != nil {
		return Manifest{}, err
	}
	if err := g.writeCommunities(); err != nil {
		return Manifest{}, err
	}

	m := Manifest{
		Scale: g.cfg.Scale, Seed: g.cfg.Seed, GeneratedAt: g.now, Password: g.cfg.Password,
		CommunityID: g.comms[0].c.ID.Hex(), Members: g.comms[0].c.MemberCount, EventID: event.Hex(),
		Near:   g.users[founderSubject].loc.MunicipalityCode,
		Counts: g.counts,
	}
	subj := func(i int) Subject {
		return Subject{ID: g.users[i].user.ID.Hex(), Email: g.users[i].user.Email, Notifications: g.users[i].notifs}
	}
	m.Founder = subj(founderSubject)
	m.Founder.Requests, m.Founder.Introductions, m.Founder.Mentorships = founderStats[0], founderStats[1], founderStats[2]
	m.Mentor = subj(mentorSubject)
	m.Mentor.Introductions = mentorIntros
	m.Organizer = subj(organizerSubject)
	// Fresh users: spread over everyone else, none of them a subject.
	others := len(g.users) - (nComms + 2)
	fresh := min(g.cfg.Fresh, others)
	for k := range fresh {
		i := nComms + 2 + k*others/fresh
		m.FreshEmails = append(m.FreshEmails, g.users[i].user.Email)
	}
	return m, nil
}

var (
	familyNames = []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水"}
	givenNames  = []string{"健", "由紀", "翔太", "美咲", "大輔", "陽子", "拓也", "真由美", "誠", "優子", "亮", "恵", "直樹", "彩", "剛", "香織"}
	industries  = []string{"食品", "農業", "漁業", "観光", "IT", "製造", "小売", "林業", "福祉", "教育"}
	modesSets   = [][]string{{"in_person"}, {"online"}, {"in_person", "online"}, {"in_person", "online", "phone"}, {"online", "phone"}}
)

func (g *gen) pickTopics(k int) []string {
	var out []string
	for len(out) < k {
		s := g.topics[g.r.IntN(len(g.topics))].Slug
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (g *gen) location() profiles.Location {
	m := g.munis[g.r.IntN(len(g.munis))]
	return profiles.Location{MunicipalityCode: m.Code, PrefectureCode: m.PrefectureCode, Point: m.Location}
}

func (g *gen) planUsers(n, nComms, founderSubject, mentorSubject int) {
	g.users = make([]person, n)
	g.lastAct = make([]time.Time, n)
	g.index = make(map[bson.ObjectID]int, n)
	for i := range n {
		created := g.ago(1, 365)
		p := person{}
		switch {
		case i < nComms: // organizers: mentors who run a community
			p.mentor = true
			created = g.ago(360, 365)
		case i == founderSubject:
			p.founder = true
			created = g.ago(350, 355)
		case i == mentorSubject:
			p.mentor = true
			created = g.ago(350, 355)
		default:
			switch x := g.r.IntN(100); {
			case x < 55:
				p.founder = true
			case x < 95:
				p.mentor = true
			default:
				p.founder, p.mentor = true, true
			}
		}
		var roles []accounts.Role
		if p.founder {
			roles = append(roles, accounts.RoleFounder)
		}
		if p.mentor {
			roles = append(roles, accounts.RoleMentor)
			p.cap = 2 + g.r.IntN(4)
		}
		if i < nComms {
			roles = append(roles, accounts.RoleOrganizer)
		}
		slices.Sort(roles)
		email := fmt.Sprintf("user%06d@scenario.kizuna.example", i)
		switch {
		case i == organizerSubject:
			email = "organizer@scenario.kizuna.example"
		case i == founderSubject:
			email = "founder@scenario.kizuna.example"
		case i == mentorSubject:
			email = "mentor@scenario.kizuna.example"
		}
		p.user = accounts.User{
			ID: g.oid(created), Email: email, PasswordHash: g.hash,
			DisplayName: familyNames[g.r.IntN(len(familyNames))] + " " + givenNames[g.r.IntN(len(givenNames))],
			Roles:       roles, Locale: accounts.LocaleJa, EmailVerified: true,
			Preferences: accounts.Preferences{Invitations: g.r.IntN(10) > 0, Reminders: g.r.IntN(10) > 0},
			CreatedAt:   created, UpdatedAt: created,
		}
		if g.r.IntN(20) == 0 {
			p.user.Locale = accounts.LocaleEn
		}
		p.loc = g.location()
		if p.founder {
			p.needs = g.pickTopics(1 + g.r.IntN(3))
		}
		g.users[i] = p
		g.lastAct[i] = created
		g.index[p.user.ID] = i
	}
}

func (g *gen) planCommunities(nComms, founderSubject, mentorSubject int) {
	g.comms = make([]commPlan, nComms)
	for k := range nComms {
		sp := g.subprefs[k%len(g.subprefs)]
		name := sp.NameJa + " 創業者コミュニティ"
		nameEn := sp.NameEn + " founders"
		if k >= len(g.subprefs) {
			name += fmt.Sprintf(" %d", k/len(g.subprefs)+1)
			nameEn += fmt.Sprintf(" %d", k/len(g.subprefs)+1)
		}
		var lat, lon float64
		codes := map[string]bool{}
		var list []string
		for _, c := range sp.MunicipalityCodes {
			m, ok := g.byCode[c]
			if !ok {
				continue
			}
			codes[c] = true
			list = append(list, c)
			lat += m.Location.Lat
			lon += m.Location.Lon
		}
		created := g.users[k].user.CreatedAt.Add(time.Hour)
		g.comms[k] = commPlan{codes: codes, c: community.Community{
			ID: g.oid(created), Name: name, NameEn: nameEn,
			Description:       sp.NameJa + "で創業する人と支える人の、無料で気軽なコミュニティです。",
			PrefectureCodes:   []string{"01"},
			MunicipalityCodes: list,
			OrganizerIDs:      []bson.ObjectID{g.users[k].user.ID},
			Center:            geo.Point{Lat: lat / float64(max(1, len(list))), Lon: lon / float64(max(1, len(list)))},
			CreatedBy:         g.users[k].user.ID, CreatedAt: created, UpdatedAt: created,
		}}
		g.comms[k].members = append(g.comms[k].members, k)
	}
	// Everyone joins the community of their area (or one at random), a
	// quarter a second one too. The subjects are members of community 0.
	for i := nComms; i < len(g.users); i++ {
		home := -1
		for k := range g.comms {
			if g.comms[k].codes[g.users[i].loc.MunicipalityCode] {
				home = k
				break
			}
		}
		if home < 0 || i == founderSubject || i == mentorSubject {
			home = g.r.IntN(nComms)
			if i == founderSubject || i == mentorSubject {
				home = 0
			}
		}
		g.comms[home].members = append(g.comms[home].members, i)
		if nComms > 1 && g.r.IntN(4) == 0 {
			other := (home + 1 + g.r.IntN(nComms-1)) % nComms
			g.comms[other].members = append(g.comms[other].members, i)
		}
	}
}

// writeEventsAndRSVPs writes events, their RSVPs and the places of those
// going, and returns the probe event: upcoming, in community 0, with room.
func (g *gen) writeEventsAndRSVPs(nEvents, nRSVPs int) (bson.ObjectID, error) {
	events, rsvps, places := g.sink("events"), g.sink("rsvps"), g.sink("event_places")
	var probe bson.ObjectID
	perEvent := nRSVPs / nEvents
	extra := nRSVPs % nEvents
	for e := range nEvents {
		k := e % len(g.comms)
		cp := g.comms[k]
		// Spread over the year and the coming six weeks; event 0 is the probe.
		starts := g.ago(-45, 330)
		capacity := 10 + g.r.IntN(51)
		if e == 0 {
			starts = g.now.Add(21 * 24 * time.Hour).Truncate(time.Hour)
			capacity = 60
		}
		minutes := []int{45, 60, 90, 120, 180}[g.r.IntN(5)]
		online := g.r.IntN(10) < 3
		tags := []string{}
		if g.r.IntN(2) == 0 {
			tags = append(tags, community.TagFree)
		}
		if online {
			tags = append(tags, community.TagOnline)
		}
		if minutes <= 60 {
			tags = append(tags, community.TagShort)
		}
		if g.r.IntN(3) == 0 {
			tags = append(tags, community.TagBeginner)
		}
		created := starts.Add(-time.Duration(7+g.r.IntN(30)) * 24 * time.Hour)
		if created.After(g.now) {
			created = g.now.Add(-time.Hour)
		}
		if created.Before(cp.c.CreatedAt) {
			created = cp.c.CreatedAt
		}
		ev := community.Event{
			ID: g.oid(created), CommunityID: cp.c.ID,
			Title:       fmt.Sprintf("%s もくもく会 #%d", cp.c.Name, e+1),
			Description: "創業の悩みを気軽に話せる集まりです。初めての方も歓迎します。",
			StartsAt:    starts, EndsAt: starts.Add(time.Duration(minutes) * time.Minute),
			Online: online, Capacity: capacity, Tags: tags,
			CreatedBy: cp.c.OrganizerIDs[0], CreatedAt: created,
		}
		if !online {
			code := cp.c.MunicipalityCodes[g.r.IntN(len(cp.c.MunicipalityCodes))]
			m := g.byCode[code]
			ev.Venue = &community.Venue{MunicipalityCode: code, Address: m.NameJa + " 市民交流センター", Point: m.Location}
		}
		if e == 0 {
			probe = ev.ID
		}
		if err := events.add(ev); err != nil {
			return probe, err
		}
		g.touch(g.indexOf(ev.CreatedBy), created)
		want := perEvent
		if e < extra {
			want++
		}
		if e == 0 {
			want = min(want, capacity/2) // room left for the probe's RSVPs
		}
		// Distinct members of the community, not the organizer of the
		// probe event (the RSVP probe answers as them).
		order := g.r.Perm(len(cp.members))
		slot := 0
		for _, j := range order {
			if want == 0 {
				break
			}
			u := cp.members[j]
			if u == organizerSubject && e == 0 {
				continue
			}
			want--
			at := g.between(maxTime(created, g.users[u].user.CreatedAt), minTime(starts, g.now))
			status := community.RSVPGoing
			switch x := g.r.IntN(10); {
			case x == 0:
				status = community.RSVPNotGoing
			case x == 1:
				status = community.RSVPMaybe
			}
			if status == community.RSVPGoing && slot >= capacity {
				status = community.RSVPWaitlisted
			}
			r := community.RSVP{ID: ev.ID.Hex() + ":" + g.users[u].user.ID.Hex(), EventID: ev.ID, UserID: g.users[u].user.ID,
				Status: status, Queue: g.oid(at), UpdatedAt: at}
			if err := rsvps.add(r); err != nil {
				return probe, err
			}
			g.touch(u, at)
			if status == community.RSVPGoing {
				if err := places.add(bson.D{{Key: "_id", Value: g.oid(at)}, {Key: "eventId", Value: ev.ID}, {Key: "slot", Value: slot}, {Key: "userId", Value: r.UserID}}); err != nil {
					return probe, err
				}
				slot++
			}
		}
	}
	for _, s := range []*sink{events, rsvps, places} {
		if err := s.close(); err != nil {
			return probe, err
		}
	}
	return probe, nil
}

func (g *gen) indexOf(id bson.ObjectID) int {
	if i, ok := g.index[id]; ok {
		return i
	}
	return -1
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

var postBodies = []string{
	"今週の販路開拓の相談会、参加してよかったです。",
	"採用でお困りの方、経験を共有できます。",
	"補助金の申請書類、誰か見てもらえませんか？",
	"道外の展示会に出展しました。学びを共有します。",
	"冬の物流コストについて情報交換したいです。",
}

func (g *gen) writePosts(n int) error {
	posts := g.sink("posts")
	for p := range n {
		cp := g.comms[p%len(g.comms)]
		u := cp.members[g.r.IntN(len(cp.members))]
		at := g.between(maxTime(cp.c.CreatedAt, g.users[u].user.CreatedAt), g.now)
		post := community.Post{
			ID: g.oid(at), CommunityID: cp.c.ID, AuthorID: g.users[u].user.ID,
			Body: postBodies[g.r.IntN(len(postBodies))], CreatedAt: at, UpdatedAt: at,
		}
		if p < len(g.comms) { // one pinned post per community
			post.Pinned = 1
		}
		if g.r.IntN(50) == 0 {
			post.Removed = true
			by := cp.c.OrganizerIDs[0]
			post.RemovedBy = &by
		}
		if err := posts.add(post); err != nil {
			return err
		}
		g.touch(u, at)
	}
	return posts.close()
}

// writeMentoring writes requests, introductions (with decisions, pending
// slots and outcomes), mentorships (with seats, closures and touchpoints).
// It returns the mentor subject's introductions and the founder subject's
// requests, introductions and mentorships.
func (g *gen) writeMentoring(nReq, nIntro, nMent, founderSubject, mentorSubject int) (int, [3]int, error) {
	var founderStats [3]int
	mentorIntros := 0
	var founders, mentors []int
	for i, p := range g.users {
		if p.founder {
			founders = append(founders, i)
		}
		if p.mentor {
			mentors = append(mentors, i)
		}
	}
	nMent = min(nMent, nReq)
	reqs, intros := g.sink("match_requests"), g.sink("introductions")
	decisions, slots, outcomes := g.sink("introduction_decisions"), g.sink("introduction_slots"), g.sink("request_outcomes")
	ments, seats, closures, touches := g.sink("mentorships"), g.sink("mentor_seats"), g.sink("mentorship_closures"), g.sink("touchpoints")

	// Introductions per request: two for a matched one (the accepted and
	// one other), the rest spread over the others, at most four a request.
	perReq := make([]int, nReq)
	left := nIntro
	for q := range nMent {
		perReq[q] = min(2, left)
		left -= perReq[q]
	}
	for round := 0; left > 0 && round < 4; round++ {
		for q := range nReq {
			if left == 0 {
				break
			}
			if perReq[q] < 4 && (q >= nMent || round >= 2) {
				perReq[q]++
				left--
			}
		}
	}
	// The founder subject asks three times, one of which (the first) is
	// matched; the mentor subject is among the mentors of the first 15.
	founderReqs := map[int]bool{0: true, nMent: true}
	if nReq > nMent+1 {
		founderReqs[nMent+1] = true
	}
	for q := range nReq {
		matched := q < nMent
		f := founders[g.r.IntN(len(founders))]
		if founderReqs[q] {
			f = founderSubject
		}
		fp := &g.users[f]
		var created time.Time
		status := mentorships.RequestClosed
		switch {
		case matched:
			created = g.between(fp.user.CreatedAt, g.now.Add(-20*24*time.Hour))
			status = mentorships.RequestMatched
		case g.r.IntN(10) < 4 || founderReqs[q]:
			// Open requests are recent: their pending introductions have not expired.
			created = g.between(maxTime(fp.user.CreatedAt, g.now.Add(-9*24*time.Hour)), g.now.Add(-time.Hour))
			status = mentorships.RequestOpen
		default:
			created = g.between(fp.user.CreatedAt, g.now.Add(-30*24*time.Hour))
		}
		req := mentorships.MatchRequest{
			ID: g.oid(created), FounderID: fp.user.ID, Topics: fp.needs, Location: fp.loc,
			RadiusKm: []int{30, 50, 100, 150}[g.r.IntN(4)], Modes: modesSets[g.r.IntN(len(modesSets))],
			Message: "地域で事業を続けたいので、経験のある方に相談したいです。", Status: status,
			CreatedAt: created, UpdatedAt: created,
		}
		g.touch(f, created)
		if f == founderSubject {
			founderStats[0]++
		}
		// Distinct mentors, none of them the founder.
		var chosen []int
		if q < 15 && f != mentorSubject {
			chosen = append(chosen, mentorSubject)
		}
		for len(chosen) < perReq[q] {
			m := mentors[g.r.IntN(len(mentors))]
			if m != f && !slices.Contains(chosen, m) {
				chosen = append(chosen, m)
			}
			if len(mentors) <= perReq[q] { // tiny scales
				break
			}
		}
		chosen = chosen[:min(len(chosen), perReq[q])]
		if matched && len(chosen) > 0 {
			// The accepted one: a mentor with a free seat if the mentorship
			// is to stay active.
			for k, m := range chosen {
				if g.users[m].active < g.users[m].cap {
					chosen[0], chosen[k] = chosen[k], chosen[0]
					break
				}
			}
		}
		pendingSlot := 0
		for k, m := range chosen {
			mp := &g.users[m]
			at := g.between(created, minTime(created.Add(3*24*time.Hour), g.now))
			in := mentorships.Introduction{
				ID: g.oid(at), RequestID: req.ID, FounderID: fp.user.ID, MentorID: mp.user.ID, Topics: req.Topics,
				Message: "ぜひお話を伺いたいです。", CreatedAt: at, ExpiresAt: at.Add(14 * 24 * time.Hour), UpdatedAt: at,
			}
			var d bson.D
			decidedAt := g.between(at, minTime(at.Add(10*24*time.Hour), g.now))
			switch {
			case matched && k == 0:
				in.Status = mentorships.IntroAccepted
				d = bson.D{{Key: "by", Value: mp.user.ID}}
			case matched || status == mentorships.RequestClosed && g.r.IntN(3) == 0:
				in.Status, in.Reason = mentorships.IntroWithdrawn, mentorships.ReasonMatchedElsewhere
				if !matched {
					in.Reason = mentorships.ReasonRequestClosed
				}
			case status == mentorships.RequestOpen && pendingSlot < mentorships.MaxPendingPerRequest && g.r.IntN(3) > 0:
				in.Status = mentorships.IntroPending
			case status == mentorships.RequestOpen || g.r.IntN(2) == 0:
				in.Status = mentorships.IntroDeclined
				in.Reason = []string{mentorships.ReasonNoCapacity, mentorships.ReasonTopicMismatch, mentorships.ReasonTooFar, mentorships.ReasonOther}[g.r.IntN(4)]
				in.ResponseMessage = "今は時間が取れずごめんなさい。"
				d = bson.D{{Key: "by", Value: mp.user.ID}, {Key: "reason", Value: in.Reason}, {Key: "message", Value: in.ResponseMessage}}
			default:
				in.Status, in.Reason = mentorships.IntroExpired, mentorships.ReasonUnanswered
				decidedAt = in.ExpiresAt
			}
			if in.Status == mentorships.IntroPending {
				if err := slots.add(bson.D{{Key: "_id", Value: g.oid(at)}, {Key: "requestId", Value: req.ID}, {Key: "slot", Value: pendingSlot}, {Key: "introductionId", Value: in.ID}}); err != nil {
					return 0, founderStats, err
				}
				pendingSlot++
			} else {
				if in.Status == mentorships.IntroWithdrawn && in.Reason == mentorships.ReasonRequestClosed {
					d = bson.D{{Key: "by", Value: fp.user.ID}}
				}
				dt := decidedAt
				in.DecidedAt, in.UpdatedAt = &dt, dt
				doc := bson.D{{Key: "_id", Value: in.ID}, {Key: "status", Value: in.Status}}
				for _, e := range d {
					if e.Key == "by" {
						doc = append(doc, e)
					}
				}
				if in.Reason != "" {
					doc = append(doc, bson.E{Key: "reason", Value: in.Reason})
				}
				if in.ResponseMessage != "" {
					doc = append(doc, bson.E{Key: "message", Value: in.ResponseMessage})
				}
				doc = append(doc, bson.E{Key: "at", Value: dt})
				if err := decisions.add(doc); err != nil {
					return 0, founderStats, err
				}
				if in.Status == mentorships.IntroAccepted || in.Status == mentorships.IntroDeclined {
					g.touch(m, dt)
				}
			}
			if m == mentorSubject {
				mentorIntros++
			}
			if f == founderSubject {
				founderStats[1]++
			}
			if in.Status == mentorships.IntroAccepted {
				mid := in.ID // a mentorship has its introduction's id
				in.MentorshipID = &mid
				req.MentorshipID = &mid
				req.UpdatedAt = *in.DecidedAt
				if err := outcomes.add(bson.D{{Key: "_id", Value: req.ID}, {Key: "outcome", Value: mentorships.RequestMatched}, {Key: "introductionId", Value: in.ID}, {Key: "at", Value: *in.DecidedAt}}); err != nil {
					return 0, founderStats, err
				}
				if err := g.writeMentorship(in, f, m, ments, seats, closures, touches); err != nil {
					return 0, founderStats, err
				}
				if f == founderSubject {
					founderStats[2]++
				}
			}
			g.touch(f, at)
			if err := intros.add(in); err != nil {
				return 0, founderStats, err
			}
		}
		if status == mentorships.RequestClosed {
			closedAt := g.between(created.Add(24*time.Hour), minTime(created.Add(30*24*time.Hour), g.now))
			req.UpdatedAt = closedAt
			if err := outcomes.add(bson.D{{Key: "_id", Value: req.ID}, {Key: "outcome", Value: mentorships.RequestClosed}, {Key: "at", Value: closedAt}}); err != nil {
				return 0, founderStats, err
			}
		}
		if err := reqs.add(req); err != nil {
			return 0, founderStats, err
		}
	}
	for _, s := range []*sink{reqs, intros, decisions, slots, outcomes, ments, seats, closures, touches} {
		if err := s.close(); err != nil {
			return 0, founderStats, err
		}
	}
	return mentorIntros, founderStats, nil
}

var touchKinds = []string{"call", "meeting", "online", "message", "event"}

func (g *gen) writeMentorship(in mentorships.Introduction, f, m int, ments, seats, closures, touches *sink) error {
	mp := &g.users[m]
	started := *in.DecidedAt
	ms := mentorships.Mentorship{
		ID: in.ID, RequestID: in.RequestID, MentorID: in.MentorID, FounderID: in.FounderID, Topics: in.Topics,
		Status: mentorships.MentorshipActive, StartedAt: started, UpdatedAt: started,
	}
	x := g.r.IntN(100)
	switch {
	case x < 40 && mp.active < mp.cap:
		mp.active++
		if err := seats.add(bson.D{{Key: "_id", Value: g.oid(started)}, {Key: "mentorId", Value: in.MentorID}, {Key: "slot", Value: mp.active - 1}, {Key: "mentorshipId", Value: ms.ID}, {Key: "at", Value: started}}); err != nil {
			return err
		}
	case x < 85: // also those whose mentor has no seat left
		ms.Status = mentorships.MentorshipCompleted
		mp.alumni, g.users[f].alumni = true, true
	default:
		ms.Status = mentorships.MentorshipEnded
		ms.EndReason = "時間が合わなくなりました"
	}
	until := g.now
	if ms.Status != mentorships.MentorshipActive {
		ended := g.between(started.Add(7*24*time.Hour), minTime(started.Add(120*24*time.Hour), g.now))
		by := in.FounderID
		if g.r.IntN(2) == 0 {
			by = in.MentorID
		}
		ms.EndedAt, ms.ClosedBy, ms.UpdatedAt = &ended, &by, ended
		until = ended
		if err := closures.add(bson.D{{Key: "_id", Value: ms.ID}, {Key: "status", Value: ms.Status}, {Key: "by", Value: by}, {Key: "at", Value: ended}}); err != nil {
			return err
		}
		g.touch(g.indexOf(by), ended)
	}
	for range 1 + g.r.IntN(6) {
		at := g.between(started, until)
		author, who := in.MentorID, m
		if g.r.IntN(2) == 0 {
			author, who = in.FounderID, f
		}
		tp := mentorships.Touchpoint{
			ID: g.oid(at), MentorshipID: ms.ID, AuthorID: author, Kind: touchKinds[g.r.IntN(len(touchKinds))],
			At: at, DurationMinutes: []int{15, 30, 45, 60, 90}[g.r.IntN(5)], Summary: "販路と採用の進め方を相談しました。", CreatedAt: at,
		}
		if err := touches.add(tp); err != nil {
			return err
		}
		g.touch(who, at)
	}
	return ments.add(ms)
}

var notificationKinds = []notifications.Kind{
	notifications.KindIntroductionReceived, notifications.KindIntroductionAccepted, notifications.KindIntroductionDeclined,
	notifications.KindIntroductionExpired, notifications.KindMentorshipCompleted, notifications.KindEventInvitation,
	notifications.KindEventPlaceConfirmed, notifications.KindKeepInTouch,
}

// writeNotifications gives the founder subject 30 and spreads the rest.
func (g *gen) writeNotifications(n, founderSubject int) error {
	items := g.sink("notifications")
	for k := range n {
		u := founderSubject
		if k >= 30 {
			for u == founderSubject {
				u = g.r.IntN(len(g.users))
			}
		}
		p := &g.users[u]
		at := g.between(p.user.CreatedAt, g.now)
		kind := notificationKinds[g.r.IntN(len(notificationKinds))]
		nt := notifications.Notification{
			ID: g.oid(at), UserID: p.user.ID, Kind: kind,
			TextJa: "新しいお知らせがあります", TextEn: "You have a new notification",
			Refs: notifications.Refs{CommunityID: g.comms[g.r.IntN(len(g.comms))].c.ID}, CreatedAt: at,
			Key: fmt.Sprintf("scenario:%s:%d", kind, k),
		}
		// Older ones are mostly read.
		if g.r.Float64() < 0.8*float64(g.now.Sub(at))/float64(365*24*time.Hour)+0.1 {
			readAt := g.between(at, g.now)
			nt.Read, nt.ReadAt = true, &readAt
		}
		if err := items.add(nt); err != nil {
			return err
		}
		p.notifs++
	}
	return items.close()
}

// writeTokens writes refresh tokens (stored by hash, in families of one
// sign-in), issued over the year: most have expired.
func (g *gen) writeTokens(n int) error {
	tokens := g.sink("refresh_tokens")
	var b [32]byte
	for k := range n {
		u := g.r.IntN(len(g.users))
		issued := g.between(g.users[u].user.CreatedAt, g.now)
		binary.BigEndian.PutUint64(b[:], g.r.Uint64())
		binary.BigEndian.PutUint64(b[8:], uint64(k))
		sum := sha256.Sum256(b[:])
		fam := make([]byte, 16) // as accounts' randomToken(16)
		binary.BigEndian.PutUint64(fam, g.r.Uint64())
		binary.BigEndian.PutUint64(fam[8:], g.r.Uint64())
		doc := bson.D{
			{Key: "_id", Value: hex.EncodeToString(sum[:])},
			{Key: "familyId", Value: base64.RawURLEncoding.EncodeToString(fam)},
			{Key: "userId", Value: g.users[u].user.ID},
			{Key: "issuedAt", Value: issued},
			{Key: "expiresAt", Value: issued.Add(accounts.RefreshTokenTTL)},
		}
		if err := tokens.add(doc); err != nil {
			return err
		}
		g.touch(u, issued)
	}
	return tokens.close()
}

// writeUsers writes users and profiles. A user's last activity is what they
// did, or, for most, a later visit; a fifth have not been back since.
func (g *gen) writeUsers() error {
	users, mentorsS, foundersS := g.sink("users"), g.sink("mentor_profiles"), g.sink("founder_profiles")
	for i := range g.users {
		p := &g.users[i]
		last := g.lastAct[i]
		if g.r.IntN(5) > 0 {
			last = g.between(last, g.now)
		}
		if i < len(g.comms)+2 { // subjects and organizers were here lately
			last = g.now.Add(-time.Hour)
		}
		if last.After(p.user.CreatedAt) {
			p.user.LastActiveAt = last
		}
		if err := users.add(p.user); err != nil {
			return err
		}
		at := p.user.CreatedAt
		if p.mentor {
			mp := profiles.MentorProfile{
				UserID: p.user.ID, Headline: "地域の創業を支えます", Bio: "道内で20年、事業づくりに関わってきました。",
				Topics: g.pickTopics(1 + g.r.IntN(4)), Tags: []string{}, Industries: []string{industries[g.r.IntN(len(industries))]},
				Location: p.loc, TravelKm: 20 + g.r.IntN(150), Modes: modesSets[g.r.IntN(len(modesSets))], Languages: []string{"ja"},
				Capacity: p.cap, AcceptingRequests: g.r.IntN(10) > 0, YearsExperience: 3 + g.r.IntN(35),
				Stakes: []string{}, Independent: g.r.IntN(2) == 0, Verified: g.r.IntN(3) == 0,
				Version: 1, CreatedAt: at, UpdatedAt: at,
			}
			if err := mentorsS.add(mp); err != nil {
				return err
			}
		}
		if p.founder {
			fp := profiles.FounderProfile{
				UserID: p.user.ID, CompanyName: fmt.Sprintf("%s工房", g.byCode[p.loc.MunicipalityCode].NameJa),
				Stage: profiles.Stages[g.r.IntN(len(profiles.Stages))], Industry: industries[g.r.IntN(len(industries))],
				Location: p.loc, TopicsNeeded: p.needs, Bio: "地元で事業を育てています。", Website: "",
				Version: 1, CreatedAt: at, UpdatedAt: at,
			}
			if err := foundersS.add(fp); err != nil {
				return err
			}
		}
	}
	for _, s := range []*sink{users, mentorsS, foundersS} {
		if err := s.close(); err != nil {
			return err
		}
	}
	return nil
}

// writeCommunities writes memberships, whose activeAt is the member's
// latest activity as written (User.ActiveAt), and the communities with
// memberCount = their active members.
func (g *gen) writeCommunities() error {
	members, comms := g.sink("memberships"), g.sink("communities")
	for k := range g.comms {
		cp := &g.comms[k]
		active := int64(0)
		for j, u := range cp.members {
			p := g.users[u]
			joined := g.between(maxTime(cp.c.CreatedAt, p.user.CreatedAt), p.user.ActiveAt())
			ms := community.Membership{
				ID: g.oid(joined), CommunityID: cp.c.ID, UserID: p.user.ID,
				Role: community.RoleMember, Source: community.SourceJoined, Alumni: p.alumni,
				Status: community.StatusActive, JoinedAt: joined, UpdatedAt: joined, ActiveAt: p.user.ActiveAt(),
			}
			if j == 0 { // the organizer, who created it
				ms.Role, ms.Source = community.RoleOrganizer, community.SourceCreated
			} else if g.r.IntN(16) == 0 && u >= len(g.comms)+2 {
				ms.Status = community.StatusLeft
				ms.UpdatedAt = g.between(joined, g.now)
			}
			if ms.Status == community.StatusActive {
				active++
			}
			if err := members.add(ms); err != nil {
				return err
			}
		}
		cp.c.MemberCount = active
		if err := comms.add(cp.c); err != nil {
			return err
		}
	}
	if err := members.close(); err != nil {
		return err
	}
	return comms.close()
}
