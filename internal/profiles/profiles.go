// Package profiles owns mentor and founder profiles, and keeps the in-memory
// mentor index (package search) in step with the mentor profiles.
//
// Profile writes use optimistic concurrency: every profile has a version, and a
// write that names the version it read (If-Match) fails with
// precondition_failed when the profile changed since. The check and the write
// run under the profile's write lock and the update is conditional on the
// version, so two racing writers never both succeed, on the embedded server and
// on MongoDB alike.
//
// Error contract: validation_failed, precondition_failed, not_found,
// forbidden (a profile of a role the caller does not hold; verification by
// anyone but organizers and admins).
package profiles

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/geo"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// Location is where a person is: a municipality, or explicit coordinates with
// the municipality nearest to them filled in.
type Location struct {
	MunicipalityCode string    `bson:"municipalityCode"`
	PrefectureCode   string    `bson:"prefectureCode"`
	Point            geo.Point `bson:"point"`
	Explicit         bool      `bson:"explicit"` // given as coordinates, not as a municipality
}

// LocationInput is a location as a client gives it: a municipality code, or
// latitude and longitude.
type LocationInput struct {
	MunicipalityCode string
	Lat, Lon         *float64
}

// Users is what profiles needs of accounts.
type Users interface {
	Get(ctx context.Context, id bson.ObjectID) (accounts.User, error)
	GetMany(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]accounts.User, error)
	EachBadgeWithRole(ctx context.Context, role accounts.Role, fn func(accounts.Badge)) error
	ChangedSince(ctx context.Context, t time.Time) ([]accounts.User, error)
	ErasedSince(ctx context.Context, t time.Time) (map[string]bool, time.Time, error)
}

// Precondition is a write's If-Match: nil means unconditional.
type Precondition struct {
	Any     bool  // If-Match: * (the profile must exist)
	Version int64 // If-Match: "<version>"
}

// Config configures the service.
type Config struct {
	Now    func() time.Time
	Logger *slog.Logger
}

// Service is the profiles domain.
type Service struct {
	db       *mongodb.DB
	mentors  *mongodb.Collection
	founders *mongodb.Collection
	areas    *areas.Catalog
	topics   *topics.Taxonomy
	users    Users
	index    *search.Index
	now      func() time.Time
	log      *slog.Logger
	sync     syncState
	// erasedMark: how far SyncIndex has read deleted accounts.
	erasedMark accounts.ErasedMark
	founderMu  sync.RWMutex
	briefs     map[bson.ObjectID]FounderBrief
}

const (
	colMentors  = "mentor_profiles"
	colFounders = "founder_profiles"
)

// MentorProfilesCollection names the collection of MentorProfile
// documents, for tools that seed profiles in bulk without the service (see
// benchdata).
const MentorProfilesCollection = colMentors

// New returns the service, creating its indexes. Call LoadIndex before serving.
func New(ctx context.Context, db *mongodb.DB, ac *areas.Catalog, tx *topics.Taxonomy, users Users, index *search.Index, cfg Config) (*Service, error) {
	s := &Service{
		db:       db,
		mentors:  db.Collection(colMentors),
		founders: db.Collection(colFounders),
		areas:    ac,
		topics:   tx,
		users:    users,
		index:    index,
		now:      cfg.Now,
		log:      cfg.Logger,
		briefs:   map[bson.ObjectID]FounderBrief{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, c := range []*mongodb.Collection{s.mentors, s.founders} {
		if err := c.EnsureIndexes(ctx, mongodb.Index("updatedAt").Times("updatedAt")); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// ResolveLocation validates a location input and fills in codes and
// coordinates, recording problems in v under field.
func (s *Service) ResolveLocation(v *apperr.Validation, field string, in *LocationInput) Location {
	if in == nil {
		v.Add(field, "is required: give municipalityCode, or lat and lon")
		return Location{}
	}
	hasCode := in.MunicipalityCode != ""
	hasPoint := in.Lat != nil || in.Lon != nil
	switch {
	case hasCode && hasPoint:
		v.Add(field, "give municipalityCode or lat and lon, not both")
	case hasCode:
		m, ok := s.areas.Municipality(in.MunicipalityCode)
		if !ok {
			v.Add(field+".municipalityCode", "unknown municipality code; see GET /v1/areas/municipalities?q=")
			return Location{}
		}
		return Location{MunicipalityCode: m.Code, PrefectureCode: m.PrefectureCode, Point: m.Location}
	case in.Lat == nil || in.Lon == nil:
		v.Add(field, "give municipalityCode, or both lat and lon")
	default:
		p := geo.Point{Lat: *in.Lat, Lon: *in.Lon}
		m, km := s.areas.Nearest(p)
		if !p.Valid() || km > maxKmFromMunicipality {
			v.Add(field, "must be a point in Japan")
			return Location{}
		}
		return Location{MunicipalityCode: m.Code, PrefectureCode: m.PrefectureCode, Point: p, Explicit: true}
	}
	return Location{}
}

// maxKmFromMunicipality bounds how far explicit coordinates may be from the
// nearest municipal office and still count as "in Japan" (remote islands are
// within this of their office).
const maxKmFromMunicipality = 80

// put runs an optimistic-concurrency write of one profile document: under the
// profile's lock, it checks the precondition against the stored version and
// inserts (version 1) or replaces the fields (version+1) conditionally on the
// version it read. On MongoDB another instance may win between the read and the
// write; an unconditional write then retries, a conditional one fails.
func (s *Service) put(ctx context.Context, coll *mongodb.Collection, id bson.ObjectID, pre *Precondition, fields bson.D) (created bool, err error) {
	unlock := s.db.Lock(coll.Name(), id)
	defer unlock()
	for attempt := 0; attempt < 5; attempt++ {
		var cur struct {
			Version int64 `bson:"version"`
		}
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})).Decode(&cur)
		exists := err == nil
		if err != nil && !mongodb.IsNotFound(err) {
			return false, fmt.Errorf("read %s: %w", coll.Name(), err)
		}
		if pre != nil && (!exists || (!pre.Any && pre.Version != cur.Version)) {
			return false, apperr.ErrStale
		}
		now := s.clock()
		if !exists {
			doc := append(bson.D{{Key: "_id", Value: id}, {Key: "version", Value: int64(1)}, {Key: "createdAt", Value: now}, {Key: "updatedAt", Value: now}}, fields...)
			_, err := coll.InsertOne(ctx, doc)
			if mongodb.IsDuplicateKey(err) {
				continue // created concurrently elsewhere: retry as an update
			}
			if err != nil {
				return false, fmt.Errorf("insert %s: %w", coll.Name(), err)
			}
			return true, nil
		}
		set := append(bson.D{{Key: "version", Value: cur.Version + 1}, {Key: "updatedAt", Value: now}}, fields...)
		res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: cur.Version}}, bson.D{{Key: "$set", Value: set}})
		if err != nil {
			return false, fmt.Errorf("update %s: %w", coll.Name(), err)
		}
		if res.MatchedCount == 1 {
			return false, nil
		}
		if pre != nil {
			return false, apperr.ErrStale
		}
	}
	return false, apperr.ErrStale
}
