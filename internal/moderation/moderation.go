// Package moderation takes code-of-conduct reports about people or posts and
// lets those responsible resolve them: admins for everything, organizers for
// reports about their own communities.
//
// Error contract: validation_failed, forbidden, not_found, invalid_transition.
package moderation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Reasons a report may give.
var Reasons = []string{"harassment", "spam", "undisclosed_stake", "inappropriate", "other"}

// Outcomes of a resolution.
var Actions = []string{"none", "warned", "post_removed", "suspended"}

// Report statuses.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
)

// Report is a code-of-conduct report.
type Report struct {
	ID            bson.ObjectID  `bson:"_id"`
	ReporterID    bson.ObjectID  `bson:"reporterId"`
	SubjectUserID *bson.ObjectID `bson:"subjectUserId,omitempty"`
	PostID        *bson.ObjectID `bson:"postId,omitempty"`
	CommunityID   *bson.ObjectID `bson:"communityId,omitempty"` // where it happened, if known
	Reason        string         `bson:"reason"`
	Detail        string         `bson:"detail"`
	Status        string         `bson:"status"`
	Resolution    string         `bson:"resolution,omitempty"`
	Action        string         `bson:"action,omitempty"`
	ResolvedBy    *bson.ObjectID `bson:"resolvedBy,omitempty"`
	ResolvedAt    *time.Time     `bson:"resolvedAt,omitempty"`
	CreatedAt     time.Time      `bson:"createdAt"`
}

// Communities is what moderation needs of the community package.
type Communities interface {
	PostCommunity(ctx context.Context, postID bson.ObjectID) (bson.ObjectID, error)
	OrganizedBy(ctx context.Context, userID bson.ObjectID) ([]bson.ObjectID, error)
}

// Users checks that a reported user exists.
type Users interface {
	Get(ctx context.Context, id bson.ObjectID) (accounts.User, error)
}

// Service is the moderation domain.
type Service struct {
	db          *mongodb.DB
	reports     *mongodb.Collection
	communities Communities
	users       Users
	now         func() time.Time
}

const colReports = "conduct_reports"

// New returns the service.
func New(ctx context.Context, db *mongodb.DB, communities Communities, users Users, now func() time.Time) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	s := &Service{db: db, reports: db.Collection(colReports), communities: communities, users: users, now: now}
	if err := s.reports.EnsureIndexes(ctx, mongodb.Index("status", "-_id"), mongodb.Index("communityId")); err != nil {
		return nil, err
	}
	return s, nil
}

// ReportInput files a report about a user or a post (at least one).
type ReportInput struct {
	SubjectUserID *bson.ObjectID
	PostID        *bson.ObjectID
	CommunityID   *bson.ObjectID // optional context for a report about a user
	Reason        string
	Detail        string
}

// File records a report from any signed-in user.
func (s *Service) File(ctx context.Context, p accounts.Principal, in ReportInput) (Report, error) {
	var v apperr.Validation
	if in.SubjectUserID == nil && in.PostID == nil {
		v.Add("subjectUserId", "give subjectUserId or postId")
	}
	if in.SubjectUserID != nil && *in.SubjectUserID == p.UserID {
		v.Add("subjectUserId", "you cannot report yourself")
	}
	v.Check(slices.Contains(Reasons, in.Reason), "reason", "must be one of "+strings.Join(Reasons, ", "))
	detail := strings.TrimSpace(in.Detail)
	v.Check(utf8.RuneCountInString(detail) <= 4000, "detail", "must be at most 4000 characters")
	if err := v.Err(); err != nil {
		return Report{}, err
	}
	r := Report{
		ID: bson.NewObjectID(), ReporterID: p.UserID, SubjectUserID: in.SubjectUserID, PostID: in.PostID,
		CommunityID: in.CommunityID, Reason: in.Reason, Detail: detail, Status: StatusOpen,
		CreatedAt: s.now().UTC().Truncate(time.Millisecond),
	}
	if in.SubjectUserID != nil {
		if _, err := s.users.Get(ctx, *in.SubjectUserID); err != nil {
			return Report{}, err
		}
	}
	if in.PostID != nil {
		cid, err := s.communities.PostCommunity(ctx, *in.PostID)
		if err != nil {
			return Report{}, err
		}
		r.CommunityID = &cid
	}
	if _, err := s.reports.InsertOne(ctx, r); err != nil {
		return Report{}, fmt.Errorf("insert report: %w", err)
	}
	return r, nil
}

// List returns reports the caller may handle: all for admins, those about
// their communities for organizers; newest first.
func (s *Service) List(ctx context.Context, p accounts.Principal, status string, limit int, cursor string) ([]Report, string, error) {
	filter := bson.D{}
	switch status {
	case "":
	case StatusOpen, StatusResolved:
		filter = append(filter, bson.E{Key: "status", Value: status})
	default:
		var v apperr.Validation
		v.Add("status", "must be open or resolved")
		return nil, "", v.Err()
	}
	if !p.Has(accounts.RoleAdmin) {
		if !p.Has(accounts.RoleOrganizer) {
			return nil, "", apperr.New(apperr.Forbidden, "forbidden", "reports are handled by organizers and admins")
		}
		mine, err := s.communities.OrganizedBy(ctx, p.UserID)
		if err != nil {
			return nil, "", err
		}
		filter = append(filter, bson.E{Key: "communityId", Value: bson.D{{Key: "$in", Value: mine}}})
	}
	return mongodb.FindPage(ctx, s.reports, filter, cursor, limit, func(r Report) bson.ObjectID { return r.ID })
}

// Resolve closes an open report with a resolution.
func (s *Service) Resolve(ctx context.Context, p accounts.Principal, id bson.ObjectID, resolution, action string) (Report, error) {
	r, err := mongodb.FindByID[Report](ctx, s.reports, id, "report")
	if err != nil {
		return Report{}, err
	}
	if !p.Has(accounts.RoleAdmin) {
		mine, err := s.communities.OrganizedBy(ctx, p.UserID)
		if err != nil {
			return Report{}, err
		}
		if !p.Has(accounts.RoleOrganizer) || r.CommunityID == nil || !slices.Contains(mine, *r.CommunityID) {
			return Report{}, apperr.NotFoundf("no report with id %s", id.Hex())
		}
	}
	var v apperr.Validation
	resolution = strings.TrimSpace(resolution)
	v.Check(utf8.RuneCountInString(resolution) >= 1 && utf8.RuneCountInString(resolution) <= 2000, "resolution", "write 1 to 2000 characters")
	v.Check(slices.Contains(Actions, action), "action", "must be one of "+strings.Join(Actions, ", "))
	if err := v.Err(); err != nil {
		return Report{}, err
	}
	unlock := s.db.Lock(colReports, id)
	defer unlock()
	now := s.now().UTC().Truncate(time.Millisecond)
	err = s.reports.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}, {Key: "status", Value: StatusOpen}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "status", Value: StatusResolved}, {Key: "resolution", Value: resolution}, {Key: "action", Value: action},
			{Key: "resolvedBy", Value: p.UserID}, {Key: "resolvedAt", Value: now},
		}}}, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&r)
	if mongodb.IsNotFound(err) {
		return Report{}, apperr.New(apperr.Conflict, "invalid_transition", "the report is already resolved")
	}
	if err != nil {
		return Report{}, fmt.Errorf("resolve report: %w", err)
	}
	return r, nil
}
