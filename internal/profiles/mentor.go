package profiles

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/textnorm"
)

// Bounds of a mentor profile.
const (
	MaxMentorTopics  = 10
	MaxCapacity      = 20
	MaxTravelKm      = 500
	maxHeadline      = 120
	maxBio           = 2000
	maxListItems     = 10
	maxStakes        = 20
	maxTagLen        = 30
	maxIndustryLen   = 50
	maxStakeLen      = 100
	maxYearsOfCareer = 80
)

// MentorProfile is what a mentor tells founders about themself.
type MentorProfile struct {
	UserID            bson.ObjectID `bson:"_id"`
	Headline          string        `bson:"headline"`
	Bio               string        `bson:"bio"`
	Topics            []string      `bson:"topics"` // taxonomy slugs, most important first
	Tags              []string      `bson:"tags"`   // free tags beside the taxonomy
	Industries        []string      `bson:"industries"`
	Location          Location      `bson:"location"`
	TravelKm          int           `bson:"travelKm"` // how far they go to meet in person
	Modes             []string      `bson:"modes"`    // in_person, online, phone
	Languages         []string      `bson:"languages"`
	Capacity          int           `bson:"capacity"` // concurrent mentees
	AcceptingRequests bool          `bson:"acceptingRequests"`
	YearsExperience   int           `bson:"yearsExperience"`
	// Companies or industries in which the mentor has a financial interest.
	// Private: shown to the mentor and to organizers, used by matching.
	Stakes      []string  `bson:"stakes"`
	Independent bool      `bson:"independent"` // declares no stake at all
	Verified    bool      `bson:"verified"`    // by an organizer or admin
	Version     int64     `bson:"version"`
	CreatedAt   time.Time `bson:"createdAt"`
	UpdatedAt   time.Time `bson:"updatedAt"`
}

// MentorInput is a full replacement of the mentor-editable fields.
type MentorInput struct {
	Headline          string
	Bio               string
	Topics            []string
	Tags              []string
	Industries        []string
	Location          *LocationInput
	TravelKm          int
	Modes             []string
	Languages         []string
	Capacity          int
	AcceptingRequests bool
	YearsExperience   int
	Stakes            []string
	Independent       bool
}

// StakesVisibleTo reports whether p may see the stakes mentors declare:
// organizers and admins weigh conflicts of interest; other members see only
// whether a mentor is independent.
func StakesVisibleTo(p accounts.Principal) bool {
	return p.Has(accounts.RoleOrganizer) || p.Has(accounts.RoleAdmin)
}

// GetMentor returns a mentor's profile.
func (s *Service) GetMentor(ctx context.Context, id bson.ObjectID) (MentorProfile, error) {
	return mongodb.FindOne[MentorProfile](ctx, s.mentors, bson.D{{Key: "_id", Value: id}},
		apperr.NotFoundf("no mentor profile for user %s", id.Hex()))
}

// PutMentor creates or replaces the caller's mentor profile. The caller must
// hold the mentor role (checked here, not only by the HTTP layer).
func (s *Service) PutMentor(ctx context.Context, p accounts.Principal, in MentorInput, pre *Precondition) (MentorProfile, bool, error) {
	if !p.Has(accounts.RoleMentor) {
		return MentorProfile{}, false, apperr.New(apperr.Forbidden, "forbidden", "only mentors have a mentor profile")
	}
	fields, err := s.validateMentor(in)
	if err != nil {
		return MentorProfile{}, false, err
	}
	created, err := s.put(ctx, s.mentors, p.UserID, pre, fields)
	if err != nil {
		return MentorProfile{}, false, err
	}
	mp, err := s.refreshMentor(ctx, p.UserID)
	return mp, created, err
}

// SetVerified records an organizer's (or admin's) verification of a mentor,
// or withdraws it.
func (s *Service) SetVerified(ctx context.Context, p accounts.Principal, mentorID bson.ObjectID, verified bool) (MentorProfile, error) {
	if !p.Has(accounts.RoleOrganizer) && !p.Has(accounts.RoleAdmin) {
		return MentorProfile{}, apperr.New(apperr.Forbidden, "forbidden", "mentors are verified by organizers and admins")
	}
	return s.patchMentor(ctx, mentorID, bson.D{{Key: "verified", Value: verified}})
}

// PauseMentor stops a mentor from receiving new requests.
func (s *Service) PauseMentor(ctx context.Context, mentorID bson.ObjectID) (MentorProfile, error) {
	return s.patchMentor(ctx, mentorID, bson.D{{Key: "acceptingRequests", Value: false}})
}

// patchMentor changes fields the mentor does not edit themself, bumping the
// version (the representation changed, so the ETag must change too).
func (s *Service) patchMentor(ctx context.Context, id bson.ObjectID, set bson.D) (MentorProfile, error) {
	unlock := s.db.Lock(colMentors, id)
	set = append(set, bson.E{Key: "updatedAt", Value: s.clock()})
	res, err := s.mentors.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
	unlock()
	if err != nil {
		return MentorProfile{}, fmt.Errorf("update mentor profile: %w", err)
	}
	if res.MatchedCount == 0 {
		return MentorProfile{}, apperr.NotFoundf("no mentor profile for user %s", id.Hex())
	}
	return s.refreshMentor(ctx, id)
}

// refreshMentor re-reads a profile and its account and puts it in the index.
func (s *Service) refreshMentor(ctx context.Context, id bson.ObjectID) (MentorProfile, error) {
	mp, err := s.GetMentor(ctx, id)
	if err != nil {
		return MentorProfile{}, err
	}
	u, err := s.users.Get(ctx, id)
	if err != nil {
		return MentorProfile{}, err
	}
	s.index.Upsert(IndexEntry(mp, u))
	return mp, nil
}

func (s *Service) validateMentor(in MentorInput) (bson.D, error) {
	var v apperr.Validation
	headline := strings.TrimSpace(in.Headline)
	checkText(&v, "headline", headline, 1, maxHeadline)
	bio := strings.TrimSpace(in.Bio)
	checkText(&v, "bio", bio, 0, maxBio)
	topicSlugs := s.checkTopics(&v, "topics", in.Topics, 1, MaxMentorTopics)
	tags := cleanList(&v, "tags", in.Tags, maxListItems, maxTagLen)
	industries := cleanList(&v, "industries", in.Industries, maxListItems, maxIndustryLen)
	loc := s.ResolveLocation(&v, "location", in.Location)
	v.Check(in.TravelKm >= 0 && in.TravelKm <= MaxTravelKm, "travelKm", fmt.Sprintf("must be between 0 and %d", MaxTravelKm))
	modes := checkModes(&v, "modes", in.Modes)
	languages := checkLanguages(&v, "languages", in.Languages)
	v.Check(in.Capacity >= 0 && in.Capacity <= MaxCapacity, "capacity", fmt.Sprintf("must be between 0 and %d", MaxCapacity))
	v.Check(in.YearsExperience >= 0 && in.YearsExperience <= maxYearsOfCareer, "yearsExperience", "must be between 0 and 80")
	stakes := cleanList(&v, "stakes", in.Stakes, maxStakes, maxStakeLen)
	if in.Independent && len(stakes) > 0 {
		v.Add("independent", "cannot be true while stakes are declared")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return bson.D{
		{Key: "headline", Value: headline},
		{Key: "bio", Value: bio},
		{Key: "topics", Value: topicSlugs},
		{Key: "tags", Value: tags},
		{Key: "industries", Value: industries},
		{Key: "location", Value: loc},
		{Key: "travelKm", Value: in.TravelKm},
		{Key: "modes", Value: modes},
		{Key: "languages", Value: languages},
		{Key: "capacity", Value: in.Capacity},
		{Key: "acceptingRequests", Value: in.AcceptingRequests},
		{Key: "yearsExperience", Value: in.YearsExperience},
		{Key: "stakes", Value: stakes},
		{Key: "independent", Value: in.Independent},
	}, nil
}

// IndexEntry is what the search index keeps of a profile and its account.
func IndexEntry(p MentorProfile, u accounts.User) search.Mentor {
	var modes search.Mode
	for _, name := range p.Modes {
		m, _ := search.ParseMode(name)
		modes |= m
	}
	stakes := make([]string, len(p.Stakes))
	for i, st := range p.Stakes {
		stakes[i] = textnorm.Fold(st)
	}
	return search.Mentor{
		ID:               p.UserID,
		DisplayName:      u.DisplayName,
		Headline:         p.Headline,
		Topics:           p.Topics,
		Tags:             p.Tags,
		Industries:       p.Industries,
		MunicipalityCode: p.Location.MunicipalityCode,
		PrefectureCode:   p.Location.PrefectureCode,
		Point:            p.Location.Point,
		TravelKm:         float64(p.TravelKm),
		Modes:            modes,
		Languages:        p.Languages,
		Capacity:         p.Capacity,
		Accepting:        p.AcceptingRequests,
		YearsExperience:  p.YearsExperience,
		Verified:         p.Verified,
		Independent:      p.Independent,
		Stakes:           stakes,
		ProfileVersion:   p.Version,
		Unlisted:         u.Suspended || !u.EmailVerified, // suspended or unconfirmed mentors are not listed
	}
}

// LoadIndex fills the mentor index and the founder briefs from every profile.
// Called once at start.
func (s *Service) LoadIndex(ctx context.Context) error {
	started := s.now()
	if err := s.syncMentors(ctx, time.Time{}); err != nil {
		return err
	}
	// Loaded in the database's order; renumbered by place, a ranking
	// reads neighbours' facts from neighbouring memory.
	s.index.Compact()
	if err := s.syncFounders(ctx, time.Time{}); err != nil {
		return err
	}
	s.sync.caughtUp(started)
	s.erasedMark.Saw(started) // what was deleted before is not in what was read
	return nil
}

// syncMentors indexes the profiles updated at or after since, with their
// accounts.
func (s *Service) syncMentors(ctx context.Context, since time.Time) error {
	if since.IsZero() {
		return s.loadMentors(ctx)
	}
	cur, err := s.mentors.Find(ctx, bson.D{{Key: "updatedAt", Value: bson.D{{Key: "$gte", Value: since}}}},
		options.Find().SetProjection(bson.D{{Key: "bio", Value: 0}}))
	if err != nil {
		return fmt.Errorf("load mentor profiles: %w", err)
	}
	var ps []MentorProfile
	if err := cur.All(ctx, &ps); err != nil {
		return fmt.Errorf("load mentor profiles: %w", err)
	}
	if len(ps) == 0 {
		return nil
	}
	users, err := s.accountsOf(ctx, ps)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if u, ok := users[p.UserID]; ok {
			s.index.Upsert(IndexEntry(p, u))
		}
		s.sync.saw(p.UpdatedAt)
	}
	return nil
}

// loadMentors indexes every profile, with its account: the mentors' accounts
// (names, suspensions) and their profiles are read at the same time, and the
// profiles decoded by loadWorkers goroutines as they are read, so a start-up
// holds a few profiles at a time besides the index and keeps every core
// busy. A profile whose account has not been read yet waits for it.
func (s *Service) loadMentors(ctx context.Context) error {
	badges := newBadgeBoard()
	badgesRead := make(chan error, 1)
	go func() {
		err := s.users.EachBadgeWithRole(ctx, accounts.RoleMentor, badges.put)
		badges.finish()
		badgesRead <- err
	}()
	raws := make(chan []byte, 256)
	errs := make(chan error, loadWorkers)
	var wg sync.WaitGroup
	for range loadWorkers {
		wg.Go(func() {
			for raw := range raws {
				var p MentorProfile
				if !decodeMentorProfile(raw, &p) {
					p = MentorProfile{}
					if err := bson.Unmarshal(raw, &p); err != nil {
						errs <- err
						for range raws { // let the reader finish
						}
						return
					}
				}
				if b, ok := badges.get(p.UserID); ok {
					s.index.Upsert(IndexEntry(p, accounts.User{ID: b.ID, DisplayName: b.DisplayName, Suspended: b.Suspended, EmailVerified: b.EmailVerified}))
				}
				s.sync.saw(p.UpdatedAt)
			}
		})
	}
	err := s.mentors.Each(ctx, bson.D{}, func(raw bson.Raw) error {
		raws <- bytes.Clone(raw)
		return nil
	}, options.Find().SetProjection(bson.D{{Key: "bio", Value: 0}}))
	close(raws)
	wg.Wait()
	close(errs)
	if err == nil {
		err = <-errs
	}
	if berr := <-badgesRead; err == nil && berr != nil {
		return berr
	}
	if err != nil {
		return fmt.Errorf("load mentor profiles: %w", err)
	}
	return nil
}

// badgeBoard collects the mentors' accounts as they are read, for the
// profile decoders that need them.
type badgeBoard struct {
	mu     sync.Mutex
	added  *sync.Cond
	badges map[bson.ObjectID]accounts.Badge
	done   bool // every account read (or the read failed)
}

func newBadgeBoard() *badgeBoard {
	b := &badgeBoard{badges: map[bson.ObjectID]accounts.Badge{}}
	b.added = sync.NewCond(&b.mu)
	return b
}

func (b *badgeBoard) put(badge accounts.Badge) {
	b.mu.Lock()
	b.badges[badge.ID] = badge
	b.mu.Unlock()
	b.added.Broadcast()
}

// finish says no more accounts will come: get stops waiting.
func (b *badgeBoard) finish() {
	b.mu.Lock()
	b.done = true
	b.mu.Unlock()
	b.added.Broadcast()
}

// get returns the account of a mentor, waiting while it may still be read;
// false when it never came (no such mentor account).
func (b *badgeBoard) get(id bson.ObjectID) (accounts.Badge, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		if badge, ok := b.badges[id]; ok {
			return badge, true
		}
		if b.done {
			return accounts.Badge{}, false
		}
		b.added.Wait()
	}
}

// loadWorkers decode profiles at start while the database is read.
const loadWorkers = 2

// bulkAccounts is the number of profiles above which their accounts are read
// by role in one scan rather than by id.
const bulkAccounts = 200

func (s *Service) accountsOf(ctx context.Context, ps []MentorProfile) (map[bson.ObjectID]accounts.User, error) {
	if len(ps) <= bulkAccounts {
		ids := make([]bson.ObjectID, len(ps))
		for i, p := range ps {
			ids[i] = p.UserID
		}
		return s.users.GetMany(ctx, ids)
	}
	out := map[bson.ObjectID]accounts.User{}
	err := s.users.EachBadgeWithRole(ctx, accounts.RoleMentor, func(b accounts.Badge) {
		out[b.ID] = accounts.User{ID: b.ID, DisplayName: b.DisplayName, Suspended: b.Suspended, EmailVerified: b.EmailVerified}
	})
	return out, err
}

// UserChanged brings an account change (name, suspension) into the index.
func (s *Service) UserChanged(u accounts.User) {
	s.index.SetUser(u.ID, u.DisplayName, u.Suspended || !u.EmailVerified)
}

func (s *Service) checkTopics(v *apperr.Validation, field string, slugs []string, minN, maxN int) []string {
	out := []string{}
	for _, slug := range slugs {
		if _, ok := s.topics.Get(slug); !ok {
			v.Add(field, fmt.Sprintf("unknown topic %q; see GET /v1/topics", slug))
			return out
		}
		if slices.Contains(out, slug) {
			v.Add(field, fmt.Sprintf("topic %q is listed twice", slug))
			return out
		}
		out = append(out, slug)
	}
	switch {
	case len(out) < minN:
		v.Add(field, fmt.Sprintf("give at least %d topic", minN))
	case len(out) > maxN:
		v.Add(field, fmt.Sprintf("give at most %d topics", maxN))
	}
	return out
}

func checkText(v *apperr.Validation, field, s string, minLen, maxLen int) {
	n := utf8.RuneCountInString(s)
	switch {
	case n < minLen && minLen == 1:
		v.Add(field, "is required")
	case n < minLen:
		v.Add(field, fmt.Sprintf("must be at least %d characters", minLen))
	case n > maxLen:
		v.Add(field, fmt.Sprintf("must be at most %d characters", maxLen))
	}
}

// cleanList trims items, drops duplicates (ignoring case and width) and checks
// bounds.
func cleanList(v *apperr.Validation, field string, items []string, maxItems, maxLen int) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, it := range items {
		it = strings.TrimSpace(it)
		n := utf8.RuneCountInString(it)
		if n == 0 || n > maxLen {
			v.Add(field, fmt.Sprintf("each item must be 1 to %d characters", maxLen))
			return out
		}
		if k := textnorm.Fold(it); !seen[k] {
			seen[k] = true
			out = append(out, it)
		}
	}
	if len(out) > maxItems {
		v.Add(field, fmt.Sprintf("at most %d items", maxItems))
	}
	return out
}

func checkModes(v *apperr.Validation, field string, modes []string) []string {
	var set search.Mode
	for _, name := range modes {
		m, ok := search.ParseMode(name)
		if !ok {
			v.Add(field, `each mode must be "in_person", "online" or "phone"`)
			return nil
		}
		set |= m
	}
	if set == 0 {
		v.Add(field, "give at least one way to meet")
		return nil
	}
	return set.Names()
}

// checkLanguages accepts ISO 639-1 codes; none given means Japanese.
func checkLanguages(v *apperr.Validation, field string, langs []string) []string {
	if len(langs) == 0 {
		return []string{"ja"}
	}
	out := []string{}
	for _, l := range langs {
		l = strings.ToLower(strings.TrimSpace(l))
		if len(l) != 2 || l[0] < 'a' || l[0] > 'z' || l[1] < 'a' || l[1] > 'z' {
			v.Add(field, `each language must be a two-letter ISO 639-1 code such as "ja" or "en"`)
			return nil
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) > maxListItems {
		v.Add(field, "at most 10 languages")
	}
	return out
}

// MentorsSince returns the ids and first-listing times of the mentor
// profiles created at or after since (the "new mentors" of the digest).
func (s *Service) MentorsSince(ctx context.Context, since time.Time) (map[bson.ObjectID]time.Time, error) {
	cur, err := s.mentors.Find(ctx, bson.D{{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: since}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "createdAt", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find new mentors: %w", err)
	}
	var ps []MentorProfile
	if err := cur.All(ctx, &ps); err != nil {
		return nil, fmt.Errorf("find new mentors: %w", err)
	}
	out := make(map[bson.ObjectID]time.Time, len(ps))
	for _, p := range ps {
		out[p.UserID] = p.CreatedAt
	}
	return out, nil
}
