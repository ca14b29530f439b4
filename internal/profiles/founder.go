package profiles

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/textnorm"
)

// Stages of a founder's business.
var Stages = []string{"idea", "pre_seed", "seed", "growth", "established", "succession"}

// FounderProfile is what a founder tells mentors about their business.
type FounderProfile struct {
	UserID       bson.ObjectID `bson:"_id"`
	CompanyName  string        `bson:"companyName"`
	Stage        string        `bson:"stage"`
	Industry     string        `bson:"industry"`
	Location     Location      `bson:"location"`
	TopicsNeeded []string      `bson:"topicsNeeded"`
	Bio          string        `bson:"bio"`
	Website      string        `bson:"website"`
	Version      int64         `bson:"version"`
	CreatedAt    time.Time     `bson:"createdAt"`
	UpdatedAt    time.Time     `bson:"updatedAt"`
}

// FounderInput is a full replacement of a founder profile.
type FounderInput struct {
	CompanyName  string
	Stage        string
	Industry     string
	Location     *LocationInput
	TopicsNeeded []string
	Bio          string
	Website      string
}

// GetFounder returns a founder's profile.
func (s *Service) GetFounder(ctx context.Context, id bson.ObjectID) (FounderProfile, error) {
	return mongodb.FindOne[FounderProfile](ctx, s.founders, bson.D{{Key: "_id", Value: id}},
		apperr.NotFoundf("no founder profile for user %s", id.Hex()))
}

// PutFounder creates or replaces the caller's founder profile.
func (s *Service) PutFounder(ctx context.Context, p accounts.Principal, in FounderInput, pre *Precondition) (FounderProfile, bool, error) {
	if !p.Has(accounts.RoleFounder) {
		return FounderProfile{}, false, apperr.New(apperr.Forbidden, "forbidden", "only founders have a founder profile")
	}
	var v apperr.Validation
	company := strings.TrimSpace(in.CompanyName)
	checkText(&v, "companyName", company, 0, 100)
	stageOK := false
	for _, st := range Stages {
		stageOK = stageOK || st == in.Stage
	}
	v.Check(stageOK, "stage", "must be one of idea, pre_seed, seed, growth, established, succession")
	industry := strings.TrimSpace(in.Industry)
	checkText(&v, "industry", industry, 0, maxIndustryLen)
	loc := s.ResolveLocation(&v, "location", in.Location)
	topics := s.checkTopics(&v, "topicsNeeded", in.TopicsNeeded, 0, MaxMentorTopics)
	bio := strings.TrimSpace(in.Bio)
	checkText(&v, "bio", bio, 0, maxBio)
	website := strings.TrimSpace(in.Website)
	if website != "" {
		u, err := url.Parse(website)
		v.Check(err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(website) <= 200,
			"website", "must be an http or https URL of at most 200 characters")
	}
	if err := v.Err(); err != nil {
		return FounderProfile{}, false, err
	}
	created, err := s.put(ctx, s.founders, p.UserID, pre, bson.D{
		{Key: "companyName", Value: company},
		{Key: "stage", Value: in.Stage},
		{Key: "industry", Value: industry},
		{Key: "location", Value: loc},
		{Key: "topicsNeeded", Value: topics},
		{Key: "bio", Value: bio},
		{Key: "website", Value: website},
	})
	if err != nil {
		return FounderProfile{}, false, err
	}
	fp, err := s.GetFounder(ctx, p.UserID)
	if err == nil {
		s.putBrief(fp)
	}
	return fp, created, err
}

// FounderBrief is what matching needs of a founder, kept in memory so a
// suggestion request reads no database: where they are and what their
// company and industry are (folded, for stake conflicts).
type FounderBrief struct {
	UserID         bson.ObjectID
	CompanyName    string
	Stage          string
	Industry       string
	Location       Location
	CompanyFolded  string
	IndustryFolded string
	TopicsNeeded   []string
	Version        int64
}

// Founder returns the in-memory brief of a founder's profile.
func (s *Service) Founder(id bson.ObjectID) (FounderBrief, bool) {
	s.founderMu.RLock()
	defer s.founderMu.RUnlock()
	b, ok := s.briefs[id]
	return b, ok
}

func (s *Service) putBrief(p FounderProfile) {
	b := FounderBrief{
		UserID: p.UserID, CompanyName: p.CompanyName, Stage: p.Stage, Industry: p.Industry,
		Location: p.Location, CompanyFolded: textnorm.Fold(p.CompanyName),
		IndustryFolded: textnorm.Fold(p.Industry), TopicsNeeded: p.TopicsNeeded, Version: p.Version,
	}
	s.founderMu.Lock()
	defer s.founderMu.Unlock()
	if old, ok := s.briefs[p.UserID]; ok && old.Version > b.Version {
		return
	}
	s.briefs[p.UserID] = b
}

// syncFounders loads the founder profiles updated at or after since.
func (s *Service) syncFounders(ctx context.Context, since time.Time) error {
	err := s.founders.Each(ctx, bson.D{{Key: "updatedAt", Value: bson.D{{Key: "$gte", Value: since}}}}, func(raw bson.Raw) error {
		var p FounderProfile
		if err := bson.Unmarshal(raw, &p); err != nil {
			return err
		}
		s.putBrief(p)
		s.sync.sawFounder(p.UpdatedAt)
		return nil
	}, options.Find().SetProjection(bson.D{{Key: "bio", Value: 0}}))
	if err != nil {
		return fmt.Errorf("load founder profiles: %w", err)
	}
	return nil
}
