// Package community is Kizuna's free regional community: communities anyone
// can join, their posts, low-hurdle events with RSVPs and waitlists, and the
// tools organizers use to bring lapsed members back.
//
// Invariants, on MongoDB and on the embedded server (whose updates of one
// document are not isolated while unique indexes are atomic):
//
//   - One membership per person and community: unique (communityId, userId).
//   - An event never has more people going than places: every "going" holds a
//     place, a document unique on (eventId, slot) with slot < capacity, and
//     unique on (eventId, userId). RSVPs of one event are also serialized in
//     this process, so waitlist promotion happens in order.
//   - An invitation back to an event reaches a member once: notification keys.
//
// Organizers act on their own communities only; admins on all.
//
// Error contract: validation_failed, forbidden, not_found, not_a_member,
// event_past, last_organizer, email_unverified (of accounts).
package community

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/notifications"
)

// Errors of this package.
var (
	ErrNotMember = apperr.New(apperr.Forbidden, "not_a_member", "join the community first (it is free)")
	ErrEventPast = apperr.New(apperr.Conflict, "event_past", "the event has already started")
)

// Users is what this package needs of accounts.
type Users interface {
	Get(ctx context.Context, id bson.ObjectID) (accounts.User, error)
	GetMany(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]accounts.User, error)
}

// Notifier delivers in-app notifications.
type Notifier interface {
	Notify(ctx context.Context, in notifications.Input) (bool, error)
}

// Config configures the service.
type Config struct {
	Now        func() time.Time
	Logger     *slog.Logger
	LapsedDays int // members inactive this long are lapsed
}

// Service is the community domain.
type Service struct {
	db          *mongodb.DB
	areas       *areas.Catalog
	users       Users
	notify      Notifier
	now         func() time.Time
	log         *slog.Logger
	lapsedAfter time.Duration

	communities *mongodb.Collection
	members     *mongodb.Collection
	posts       *mongodb.Collection
	events      *mongodb.Collection
	rsvps       *mongodb.Collection
	places      *mongodb.Collection

	sites communitySites
}

// communitySites are every community's id, center and prefectures, what a
// list sorts and filters on. None of them changes after a community is
// created, and communities are never deleted, so the set only grows: it is
// read again only when the number of communities is not the one it was read
// at (one was created, here or by another instance).
type communitySites struct {
	mu   sync.Mutex
	list []Community // id, center and prefecture codes only
}

const (
	colCommunities = "communities"
	colMembers     = "memberships"
	colPosts       = "posts"
	colEvents      = "events"
	colRSVPs       = "rsvps"
	colPlaces      = "event_places"
)

// New returns the service, creating its indexes.
func New(ctx context.Context, db *mongodb.DB, ac *areas.Catalog, users Users, notify Notifier, cfg Config) (*Service, error) {
	s := &Service{
		db: db, areas: ac, users: users, notify: notify, now: cfg.Now, log: cfg.Logger,
		lapsedAfter: time.Duration(cfg.LapsedDays) * 24 * time.Hour,
		communities: db.Collection(colCommunities),
		members:     db.Collection(colMembers),
		posts:       db.Collection(colPosts),
		events:      db.Collection(colEvents),
		rsvps:       db.Collection(colRSVPs),
		places:      db.Collection(colPlaces),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.lapsedAfter <= 0 {
		s.lapsedAfter = 90 * 24 * time.Hour
	}
	for coll, specs := range map[*mongodb.Collection][]mongodb.IndexSpec{
		s.communities: {mongodb.Index("prefectureCodes").OnArrays(), mongodb.Index("organizerIds").OnArrays()},
		s.members:     {mongodb.UniqueIndex("communityId", "userId"), mongodb.Index("userId"), mongodb.Index("communityId", "status", "activeAt", "_id").Times("activeAt")},
		s.posts:       {mongodb.Index("communityId", "pinned", "_id").Flags("pinned")},
		s.events:      {mongodb.Index("startsAt").Times("startsAt"), mongodb.Index("communityId")},
		s.rsvps:       {mongodb.UniqueIndex("eventId", "userId"), mongodb.Index("eventId", "status", "queue")},
		s.places:      {mongodb.UniqueIndex("eventId", "slot"), mongodb.UniqueIndex("eventId", "userId")},
	} {
		if err := coll.EnsureIndexes(ctx, specs...); err != nil {
			return nil, err
		}
	}
	if err := s.backfillActiveAt(ctx); err != nil {
		return nil, err
	}
	if _, err := s.RecountMembers(ctx, true); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Community is a free regional community.
type Community struct {
	ID                bson.ObjectID   `bson:"_id"`
	Name              string          `bson:"name"`
	NameEn            string          `bson:"nameEn"`
	Description       string          `bson:"description"`
	PrefectureCodes   []string        `bson:"prefectureCodes"`
	MunicipalityCodes []string        `bson:"municipalityCodes"`
	OrganizerIDs      []bson.ObjectID `bson:"organizerIds"`
	Center            geo.Point       `bson:"center"` // mean of its municipalities (or prefectural offices)
	CreatedBy         bson.ObjectID   `bson:"createdBy"`
	CreatedAt         time.Time       `bson:"createdAt"`
	UpdatedAt         time.Time       `bson:"updatedAt"`
	// MemberCount is the number of active members, kept by joins and
	// leaves (and recounted by RecountMembers), so a list of communities
	// costs no count of each one's members.
	MemberCount int64 `bson:"memberCount"`
}

// IsOrganizer reports whether userID organizes the community.
func (c Community) IsOrganizer(userID bson.ObjectID) bool {
	return slices.Contains(c.OrganizerIDs, userID)
}

// CommunityInput creates a community.
type CommunityInput struct {
	Name              string
	NameEn            string
	Description       string
	PrefectureCodes   []string
	MunicipalityCodes []string
}

// Create makes a community; the creator (an organizer or admin) organizes it.
func (s *Service) Create(ctx context.Context, p accounts.Principal, in CommunityInput) (Community, error) {
	if !p.Has(accounts.RoleOrganizer) && !p.Has(accounts.RoleAdmin) {
		return Community{}, apperr.New(apperr.Forbidden, "forbidden", "creating a community needs the organizer role")
	}
	var v apperr.Validation
	name := strings.TrimSpace(in.Name)
	nameEn := strings.TrimSpace(in.NameEn)
	desc := strings.TrimSpace(in.Description)
	checkLen(&v, "name", name, 1, 80)
	checkLen(&v, "nameEn", nameEn, 0, 80)
	checkLen(&v, "description", desc, 0, 4000)
	var points []geo.Point
	prefs := dedupe(in.PrefectureCodes)
	if len(prefs) == 0 || len(prefs) > 47 {
		v.Add("prefectureCodes", "give 1 to 47 prefecture codes")
	}
	for _, code := range prefs {
		p, ok := s.areas.Prefecture(code)
		if !ok {
			v.Add("prefectureCodes", fmt.Sprintf("unknown prefecture code %q", code))
			break
		}
		points = append(points, p.Location)
	}
	munis := dedupe(in.MunicipalityCodes)
	v.Check(len(munis) <= 500, "municipalityCodes", "at most 500 municipalities")
	var muniPoints []geo.Point
	for _, code := range munis {
		m, ok := s.areas.Municipality(code)
		if !ok || !slices.Contains(prefs, m.PrefectureCode) {
			v.Add("municipalityCodes", fmt.Sprintf("%q is not a municipality of the given prefectures", code))
			break
		}
		muniPoints = append(muniPoints, m.Location)
	}
	if err := v.Err(); err != nil {
		return Community{}, err
	}
	if len(muniPoints) > 0 {
		points = muniPoints
	}
	now := s.clock()
	c := Community{
		ID: bson.NewObjectID(), Name: name, NameEn: nameEn, Description: desc, PrefectureCodes: prefs, MunicipalityCodes: munis,
		OrganizerIDs: []bson.ObjectID{p.UserID}, Center: mean(points), CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now,
	}
	if _, err := s.communities.InsertOne(ctx, c); err != nil {
		return Community{}, fmt.Errorf("insert community: %w", err)
	}
	if _, err := s.join(ctx, c.ID, p.UserID, RoleOrganizer, SourceCreated); err != nil {
		return Community{}, err
	}
	c.MemberCount = 1
	return c, nil
}

// Get returns a community.
func (s *Service) Get(ctx context.Context, id bson.ObjectID) (Community, error) {
	return mongodb.FindByID[Community](ctx, s.communities, id, "community")
}

// CommunityFilter selects communities.
type CommunityFilter struct {
	Prefecture string     // only communities covering it
	Near       *geo.Point // nearest first (by the community's center)
	Limit      int
	Offset     int
}

// Listed is a community with its distance from the filter's point.
type Listed struct {
	Community
	DistanceKm *float64
}

// List returns communities, nearest first with Near, else newest first. The
// set is small (communities are regions), so it is sorted in memory, from
// each community's id, center and prefectures kept in memory (see
// communitySites); only the page's communities are read, so a page costs the
// same however many communities exist.
func (s *Service) List(ctx context.Context, f CommunityFilter) ([]Listed, bool, error) {
	if f.Prefecture != "" {
		if _, ok := s.areas.Prefecture(f.Prefecture); !ok {
			var v apperr.Validation
			v.Add("prefecture", "unknown prefecture code")
			return nil, false, v.Err()
		}
	}
	sites, err := s.communitySites(ctx)
	if err != nil {
		return nil, false, err
	}
	page := make([]Listed, 0, len(sites))
	for _, c := range sites {
		if f.Prefecture != "" && !slices.Contains(c.PrefectureCodes, f.Prefecture) {
			continue
		}
		l := Listed{Community: c}
		if f.Near != nil {
			d := geo.DistanceKm(*f.Near, c.Center)
			l.DistanceKm = &d
		}
		page = append(page, l)
	}
	slices.SortFunc(page, func(a, b Listed) int {
		if a.DistanceKm != nil && b.DistanceKm != nil && *a.DistanceKm != *b.DistanceKm {
			if *a.DistanceKm < *b.DistanceKm {
				return -1
			}
			return 1
		}
		return -strings.Compare(a.ID.Hex(), b.ID.Hex()) // newest first
	})
	if f.Offset >= len(page) {
		return []Listed{}, false, nil
	}
	page = page[f.Offset:]
	more := len(page) > f.Limit
	page = page[:min(f.Limit, len(page))]
	ids := make([]bson.ObjectID, len(page))
	for i, l := range page {
		ids[i] = l.ID
	}
	cur, err := s.communities.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, false, fmt.Errorf("find communities: %w", err)
	}
	var whole []Community
	if err := cur.All(ctx, &whole); err != nil {
		return nil, false, fmt.Errorf("find communities: %w", err)
	}
	byID := make(map[bson.ObjectID]Community, len(whole))
	for _, c := range whole {
		byID[c.ID] = c
	}
	out := page[:0]
	for _, l := range page {
		if c, ok := byID[l.ID]; ok { // (always: no community is deleted)
			l.Community = c
			out = append(out, l)
		}
	}
	return out, more, nil
}

// communitySites returns every community's id, center and prefecture codes
// (see communitySites), shared: not to be modified.
func (s *Service) communitySites(ctx context.Context) ([]Community, error) {
	n, err := s.communities.CountDocuments(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("count communities: %w", err)
	}
	s.sites.mu.Lock()
	defer s.sites.mu.Unlock()
	if int64(len(s.sites.list)) == n {
		return s.sites.list, nil
	}
	cur, err := s.communities.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "center", Value: 1}, {Key: "prefectureCodes", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find communities: %w", err)
	}
	var list []Community
	if err := cur.All(ctx, &list); err != nil {
		return nil, fmt.Errorf("find communities: %w", err)
	}
	s.sites.list = list
	return list, nil
}

// Membership roles and sources.
const (
	RoleMember    = "member"
	RoleOrganizer = "organizer"

	SourceJoined  = "joined"
	SourceCreated = "created"
	SourceAlumni  = "alumni" // kept after a completed mentorship
	SourceEvent   = "event"  // joined by going to one of its events
)

// Membership statuses.
const (
	StatusActive = "active"
	StatusLeft   = "left"
)

// Membership ties a person to a community.
type Membership struct {
	ID          bson.ObjectID `bson:"_id"`
	CommunityID bson.ObjectID `bson:"communityId"`
	UserID      bson.ObjectID `bson:"userId"`
	Role        string        `bson:"role"`
	Source      string        `bson:"source"`
	Alumni      bool          `bson:"alumni"` // has completed a mentorship
	Status      string        `bson:"status"`
	JoinedAt    time.Time     `bson:"joinedAt"`
	UpdatedAt   time.Time     `bson:"updatedAt"`
	// ActiveAt is the member's last activity as last written (see
	// NoteActivity), so members are listed by activity from an index.
	ActiveAt time.Time `bson:"activeAt"`
}

// Join makes the caller a member (free, for anyone signed in). Joining again
// is harmless; a member who left rejoins.
func (s *Service) Join(ctx context.Context, p accounts.Principal, communityID bson.ObjectID) (Membership, error) {
	if _, err := s.Get(ctx, communityID); err != nil {
		return Membership{}, err
	}
	return s.join(ctx, communityID, p.UserID, RoleMember, SourceJoined)
}

func (s *Service) join(ctx context.Context, communityID, userID bson.ObjectID, role, source string) (Membership, error) {
	now := s.clock()
	activeAt, err := s.activeAt(ctx, userID)
	if err != nil {
		return Membership{}, err
	}
	m := Membership{ID: bson.NewObjectID(), CommunityID: communityID, UserID: userID, Role: role, Source: source, Status: StatusActive, JoinedAt: now, UpdatedAt: now, ActiveAt: activeAt}
	_, err = s.members.InsertOne(ctx, m)
	if err == nil {
		return m, s.countMembers(ctx, communityID, 1)
	}
	if !mongodb.IsDuplicateKey(err) {
		return Membership{}, fmt.Errorf("insert membership: %w", err)
	}
	existing, err := s.membership(ctx, communityID, userID)
	if err != nil {
		return Membership{}, err
	}
	if existing.Status == StatusActive {
		return existing, nil
	}
	m, changed, err := s.moveMembership(ctx, existing, StatusLeft, bson.D{{Key: "status", Value: StatusActive}, {Key: "joinedAt", Value: now}, {Key: "activeAt", Value: activeAt}})
	if err != nil || !changed {
		return m, err // !changed: a concurrent join brought them back and counted them
	}
	return m, s.countMembers(ctx, communityID, 1)
}

// Leave ends the caller's membership. Organizers cannot leave a community
// they are the last organizer of.
func (s *Service) Leave(ctx context.Context, p accounts.Principal, communityID bson.ObjectID) error {
	c, err := s.Get(ctx, communityID)
	if err != nil {
		return err
	}
	m, err := s.membership(ctx, communityID, p.UserID)
	if apperr.KindOf(err) == apperr.NotFound || (err == nil && m.Status == StatusLeft) {
		return nil // not a member: nothing to leave
	}
	if err != nil {
		return err
	}
	if c.IsOrganizer(p.UserID) && len(c.OrganizerIDs) == 1 {
		return apperr.New(apperr.Conflict, "last_organizer", "a community needs an organizer; hand it over before leaving")
	}
	_, changed, err := s.moveMembership(ctx, m, StatusActive, bson.D{{Key: "status", Value: StatusLeft}})
	if err != nil || !changed {
		return err // !changed: a concurrent leave uncounted them
	}
	return s.countMembers(ctx, communityID, -1)
}

func (s *Service) membership(ctx context.Context, communityID, userID bson.ObjectID) (Membership, error) {
	return mongodb.FindOne[Membership](ctx, s.members, bson.D{{Key: "communityId", Value: communityID}, {Key: "userId", Value: userID}},
		apperr.NotFoundf("not a member"))
}

// IsMember reports whether userID is an active member.
func (s *Service) IsMember(ctx context.Context, communityID, userID bson.ObjectID) (bool, error) {
	m, err := s.membership(ctx, communityID, userID)
	if apperr.KindOf(err) == apperr.NotFound {
		return false, nil
	}
	return err == nil && m.Status == StatusActive, err
}

func (s *Service) setMembership(ctx context.Context, m Membership, set bson.D) (Membership, error) {
	unlock := s.db.Lock(colMembers, m.ID)
	defer unlock()
	set = append(set, bson.E{Key: "updatedAt", Value: s.clock()})
	var out Membership
	err := s.members.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: m.ID}}, bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&out)
	if err != nil {
		return Membership{}, fmt.Errorf("update membership: %w", err)
	}
	return out, nil
}

// moveMembership applies set to a membership whose status is from, under
// its lock and conditionally on that status (atomic on MongoDB), so of
// concurrent joins (or leaves) exactly one changes it and counts. changed is
// false, with the membership as it is, when it was not in status from.
func (s *Service) moveMembership(ctx context.Context, m Membership, from string, set bson.D) (out Membership, changed bool, err error) {
	unlock := s.db.Lock(colMembers, m.ID)
	defer unlock()
	set = append(set, bson.E{Key: "updatedAt", Value: s.clock()})
	err = s.members.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: m.ID}, {Key: "status", Value: from}}, bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&out)
	if mongodb.IsNotFound(err) {
		out, err = mongodb.FindByID[Membership](ctx, s.members, m.ID, "membership")
		return out, false, err
	}
	if err != nil {
		return Membership{}, false, fmt.Errorf("update membership: %w", err)
	}
	return out, true, nil
}

// MyMemberships returns the caller's active memberships by community.
func (s *Service) MyMemberships(ctx context.Context, userID bson.ObjectID) (map[bson.ObjectID]Membership, error) {
	cur, err := s.members.Find(ctx, bson.D{{Key: "userId", Value: userID}, {Key: "status", Value: StatusActive}})
	if err != nil {
		return nil, fmt.Errorf("find memberships: %w", err)
	}
	var ms []Membership
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("find memberships: %w", err)
	}
	out := make(map[bson.ObjectID]Membership, len(ms))
	for _, m := range ms {
		out[m.CommunityID] = m
	}
	return out, nil
}

// KeepAlumni records that two people completed a mentorship: they stay (or
// become) members of the communities covering the founder's area, marked as
// alumni. Someone who left a community is not brought back.
func (s *Service) KeepAlumni(ctx context.Context, userIDs []bson.ObjectID, prefectureCode, municipalityCode string) error {
	cur, err := s.communities.Find(ctx, bson.D{{Key: "prefectureCodes", Value: prefectureCode}})
	if err != nil {
		return fmt.Errorf("find communities: %w", err)
	}
	var cs []Community
	if err := cur.All(ctx, &cs); err != nil {
		return fmt.Errorf("find communities: %w", err)
	}
	for _, c := range cs {
		if len(c.MunicipalityCodes) > 0 && !slices.Contains(c.MunicipalityCodes, municipalityCode) {
			continue
		}
		for _, id := range userIDs {
			m, err := s.membership(ctx, c.ID, id)
			switch {
			case apperr.KindOf(err) == apperr.NotFound:
				m, err = s.join(ctx, c.ID, id, RoleMember, SourceAlumni)
				if err != nil {
					return err
				}
			case err != nil:
				return err
			}
			if m.Status == StatusActive && !m.Alumni {
				if _, err := s.setMembership(ctx, m, bson.D{{Key: "alumni", Value: true}}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// mayOrganize checks that p organizes c (or is an admin).
func (s *Service) mayOrganize(p accounts.Principal, c Community) error {
	if p.Has(accounts.RoleAdmin) || (p.Has(accounts.RoleOrganizer) && c.IsOrganizer(p.UserID)) {
		return nil
	}
	return apperr.New(apperr.Forbidden, "forbidden", "only this community's organizers can do this")
}

// OrganizedBy returns the ids of the communities p organizes.
func (s *Service) OrganizedBy(ctx context.Context, userID bson.ObjectID) ([]bson.ObjectID, error) {
	cur, err := s.communities.Find(ctx, bson.D{{Key: "organizerIds", Value: userID}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find organized communities: %w", err)
	}
	var cs []struct {
		ID bson.ObjectID `bson:"_id"`
	}
	if err := cur.All(ctx, &cs); err != nil {
		return nil, err
	}
	out := make([]bson.ObjectID, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out, nil
}

func checkLen(v *apperr.Validation, field, s string, lo, hi int) {
	n := utf8.RuneCountInString(s)
	switch {
	case n < lo && lo == 1:
		v.Add(field, "is required")
	case n < lo || n > hi:
		v.Add(field, fmt.Sprintf("must be %d to %d characters", lo, hi))
	}
}

func dedupe(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func mean(ps []geo.Point) geo.Point {
	var m geo.Point
	for _, p := range ps {
		m.Lat += p.Lat / float64(len(ps))
		m.Lon += p.Lon / float64(len(ps))
	}
	return m
}
