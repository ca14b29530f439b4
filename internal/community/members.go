package community

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/cursor"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Member is a membership with the member's account and activity.
type Member struct {
	Membership
	User   accounts.User
	Lapsed bool
}

// MemberFilter selects a page of a community's members.
type MemberFilter struct {
	Status string // "", "active" or "lapsed"
	Limit  int
	Cursor string // nextCursor of the previous page
}

// Members lists a community's active members for its organizers (or admins),
// least recently active first: all, or only those active within
// KIZUNA_LAPSED_DAYS, or only the lapsed ones (whom to invite back). Pages
// follow the index of memberships by activity, so a page costs the same in a
// community of ten members or of ten thousand. Activity is what was last
// written (every few seconds, see accounts.FlushActivity), except that a
// member who has come back since is never shown as lapsed. Suspended
// accounts are left out, so a page may hold fewer than Limit.
func (s *Service) Members(ctx context.Context, p accounts.Principal, communityID bson.ObjectID, f MemberFilter) ([]Member, string, error) {
	c, err := s.Get(ctx, communityID)
	if err != nil {
		return nil, "", err
	}
	if err := s.mayOrganize(p, c); err != nil {
		return nil, "", err
	}
	var v apperr.Validation
	if f.Status != "" && f.Status != "active" && f.Status != "lapsed" {
		v.Add("status", "must be active or lapsed")
	}
	filter := bson.D{{Key: "communityId", Value: communityID}, {Key: "status", Value: StatusActive}}
	cutoff := s.clock().Add(-s.lapsedAfter)
	switch f.Status {
	case "active":
		filter = append(filter, bson.E{Key: "activeAt", Value: bson.D{{Key: "$gte", Value: cutoff}}})
	case "lapsed":
		filter = append(filter, bson.E{Key: "activeAt", Value: bson.D{{Key: "$lt", Value: cutoff}}})
	}
	if f.Cursor != "" {
		at, id, ok := decodeMemberCursor(f.Cursor)
		if !ok {
			v.Add("cursor", "is not a cursor returned by this endpoint")
		}
		// After (activeAt, _id) in the order activeAt, _id.
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "activeAt", Value: bson.D{{Key: "$gt", Value: at}}}},
			bson.D{{Key: "activeAt", Value: at}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: id}}}},
		}})
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	cur, err := s.members.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "activeAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(f.Limit+1)))
	if err != nil {
		return nil, "", fmt.Errorf("find members: %w", err)
	}
	var ms []Membership
	if err := cur.All(ctx, &ms); err != nil {
		return nil, "", fmt.Errorf("find members: %w", err)
	}
	next := ""
	if len(ms) > f.Limit {
		ms = ms[:f.Limit]
		last := ms[len(ms)-1]
		next = cursor.Encode(memberKey{At: last.ActiveAt.UnixMilli(), ID: last.ID})
	}
	members, err := s.withAccounts(ctx, ms, cutoff)
	if err != nil {
		return nil, "", err
	}
	if f.Status == "lapsed" {
		members = slices.DeleteFunc(members, func(m Member) bool { return !m.Lapsed })
	}
	return members, next, nil
}

// lapsedMembers returns every lapsed member of a community.
func (s *Service) lapsedMembers(ctx context.Context, communityID bson.ObjectID) ([]Member, error) {
	cutoff := s.clock().Add(-s.lapsedAfter)
	cur, err := s.members.Find(ctx, bson.D{
		{Key: "communityId", Value: communityID}, {Key: "status", Value: StatusActive},
		{Key: "activeAt", Value: bson.D{{Key: "$lt", Value: cutoff}}},
	})
	if err != nil {
		return nil, fmt.Errorf("find members: %w", err)
	}
	var ms []Membership
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("find members: %w", err)
	}
	members, err := s.withAccounts(ctx, ms, cutoff)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(members, func(m Member) bool { return !m.Lapsed }), nil
}

// withAccounts adds each member's account, leaving suspended ones out, and
// tells who is lapsed by the account's own activity (newer than the
// membership's when the member came back since the last write).
func (s *Service) withAccounts(ctx context.Context, ms []Membership, cutoff time.Time) ([]Member, error) {
	ids := make([]bson.ObjectID, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	users, err := s.users.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(ms))
	for _, m := range ms {
		u, ok := users[m.UserID]
		if !ok || u.Suspended {
			continue
		}
		out = append(out, Member{Membership: m, User: u, Lapsed: u.ActiveAt().Before(cutoff)})
	}
	return out, nil
}

// activeAt is a user's last activity, for a new membership.
func (s *Service) activeAt(ctx context.Context, userID bson.ObjectID) (time.Time, error) {
	u, err := s.users.Get(ctx, userID)
	if err != nil {
		return time.Time{}, err
	}
	return u.ActiveAt(), nil
}

// memberKey is a membership's position: least recently active first (at,
// in Unix milliseconds, as stored), then by id.
type memberKey struct {
	At int64         `json:"t"`
	ID bson.ObjectID `json:"i"`
}

func decodeMemberCursor(s string) (time.Time, bson.ObjectID, bool) {
	var k memberKey
	if !cursor.Decode(s, &k) || k.At < 0 {
		return time.Time{}, bson.ObjectID{}, false
	}
	return time.UnixMilli(k.At).UTC(), k.ID, true
}

// NoteActivity records users' latest activity (as written to their accounts)
// in their memberships. $max keeps the latest whatever the order of writers.
func (s *Service) NoteActivity(ctx context.Context, seen map[bson.ObjectID]time.Time) error {
	if len(seen) == 0 {
		return nil
	}
	ms, err := s.memberRefs(ctx, bson.D{{Key: "userId", Value: bson.D{{Key: "$in", Value: slices.Collect(maps.Keys(seen))}}}})
	if err != nil {
		return err
	}
	return s.setActiveAt(ctx, ms, func(m Membership) time.Time { return seen[m.UserID] })
}

// memberRefs returns the memberships matching filter with their ids and
// members only.
func (s *Service) memberRefs(ctx context.Context, filter bson.D) ([]Membership, error) {
	cur, err := s.members.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "userId", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find memberships: %w", err)
	}
	var ms []Membership
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("find memberships: %w", err)
	}
	return ms, nil
}

// setActiveAt raises each membership's activeAt to at(m), in batches.
func (s *Service) setActiveAt(ctx context.Context, ms []Membership, at func(Membership) time.Time) error {
	for batch := range slices.Chunk(ms, mongodb.WriteBatch) {
		models := make([]mongo.WriteModel, len(batch))
		for i, m := range batch {
			models[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: m.ID}}).
				SetUpdate(bson.D{{Key: "$max", Value: bson.D{{Key: "activeAt", Value: at(m)}}}})
		}
		if _, err := s.members.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return fmt.Errorf("record member activity: %w", err)
		}
	}
	return nil
}

// backfillActiveAt gives memberships written before activeAt existed their
// member's activity (once, at the first start after an upgrade).
func (s *Service) backfillActiveAt(ctx context.Context) error {
	ms, err := s.memberRefs(ctx, bson.D{{Key: "activeAt", Value: bson.D{{Key: "$exists", Value: false}}}})
	if err != nil {
		return err
	}
	for batch := range slices.Chunk(ms, 1000) {
		ids := make([]bson.ObjectID, len(batch))
		for i, m := range batch {
			ids[i] = m.UserID
		}
		users, err := s.users.GetMany(ctx, ids)
		if err != nil {
			return err
		}
		if err := s.setActiveAt(ctx, batch, func(m Membership) time.Time { return users[m.UserID].ActiveAt() }); err != nil {
			return err
		}
	}
	if len(ms) > 0 {
		s.log.InfoContext(ctx, "memberships given their members' activity", "memberships", len(ms))
	}
	return nil
}

// countMembers adds delta to a community's member count. A membership
// written without its count (a crash between the two) is repaired by
// RecountMembers.
func (s *Service) countMembers(ctx context.Context, communityID bson.ObjectID, delta int64) error {
	// The lock keeps RecountMembers' conditional set from landing between
	// (on MongoDB the $inc and the condition are atomic anyway).
	unlock := s.db.Lock(colCommunities, communityID)
	defer unlock()
	_, err := s.communities.UpdateOne(ctx, bson.D{{Key: "_id", Value: communityID}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "memberCount", Value: delta}}}})
	if err != nil {
		return fmt.Errorf("count members: %w", err)
	}
	return nil
}

// RecountMembers sets every community's member count to its count of active
// memberships where they differ (a periodic repair), or only the counts of
// communities that have none (at start, after an upgrade), and returns how
// many it set.
func (s *Service) RecountMembers(ctx context.Context, onlyMissing bool) (int, error) {
	filter := bson.D{}
	if onlyMissing {
		filter = bson.D{{Key: "memberCount", Value: bson.D{{Key: "$exists", Value: false}}}}
	}
	cur, err := s.communities.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "memberCount", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("find communities: %w", err)
	}
	var cs []Community
	if err := cur.All(ctx, &cs); err != nil {
		return 0, fmt.Errorf("find communities: %w", err)
	}
	set := 0
	for _, c := range cs {
		n, err := s.members.CountDocuments(ctx, bson.D{{Key: "communityId", Value: c.ID}, {Key: "status", Value: StatusActive}})
		if err != nil {
			return set, fmt.Errorf("count members: %w", err)
		}
		if n == c.MemberCount && !onlyMissing {
			continue
		}
		// Conditional on the count read, so that a join or leave meanwhile
		// is not undone (the next repair sees it).
		cond := bson.E{Key: "memberCount", Value: c.MemberCount}
		if onlyMissing {
			cond = bson.E{Key: "memberCount", Value: bson.D{{Key: "$exists", Value: false}}}
		}
		unlock := s.db.Lock(colCommunities, c.ID)
		res, err := s.communities.UpdateOne(ctx, bson.D{{Key: "_id", Value: c.ID}, cond},
			bson.D{{Key: "$set", Value: bson.D{{Key: "memberCount", Value: n}}}})
		unlock()
		if err != nil {
			return set, fmt.Errorf("recount members: %w", err)
		}
		set += int(res.ModifiedCount)
	}
	return set, nil
}
