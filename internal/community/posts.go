package community

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/cursor"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// Post is a message in a community.
type Post struct {
	ID          bson.ObjectID  `bson:"_id"`
	CommunityID bson.ObjectID  `bson:"communityId"`
	AuthorID    bson.ObjectID  `bson:"authorId"`
	Body        string         `bson:"body"`
	Pinned      int            `bson:"pinned"` // 1 pinned, 0 not: sorts pinned first
	Removed     bool           `bson:"removed"`
	RemovedBy   *bson.ObjectID `bson:"removedBy,omitempty"`
	EditedAt    *time.Time     `bson:"editedAt,omitempty"`
	CreatedAt   time.Time      `bson:"createdAt"`
	UpdatedAt   time.Time      `bson:"updatedAt"`
}

const maxPostLen = 4000

// mayRead lets members, organizers and admins read a community's posts.
func (s *Service) mayRead(ctx context.Context, p accounts.Principal, c Community) error {
	if p.Has(accounts.RoleAdmin) || c.IsOrganizer(p.UserID) {
		return nil
	}
	ok, err := s.IsMember(ctx, c.ID, p.UserID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotMember
	}
	return nil
}

// CreatePost posts to a community the caller is a member of.
func (s *Service) CreatePost(ctx context.Context, p accounts.Principal, communityID bson.ObjectID, body string) (Post, error) {
	c, err := s.Get(ctx, communityID)
	if err != nil {
		return Post{}, err
	}
	body, err = checkBody(body)
	if err != nil {
		return Post{}, err
	}
	if err := s.mayRead(ctx, p, c); err != nil {
		return Post{}, err
	}
	if !p.EmailVerified {
		return Post{}, accounts.ErrEmailUnverified
	}
	now := s.clock()
	post := Post{ID: bson.NewObjectID(), CommunityID: c.ID, AuthorID: p.UserID, Body: body, CreatedAt: now, UpdatedAt: now}
	if _, err := s.posts.InsertOne(ctx, post); err != nil {
		return Post{}, fmt.Errorf("insert post: %w", err)
	}
	return post, nil
}

// ListPosts returns a page of a community's posts: pinned first, then newest
// first. Removed posts are left out.
func (s *Service) ListPosts(ctx context.Context, p accounts.Principal, communityID bson.ObjectID, limit int, after string) ([]Post, string, error) {
	c, err := s.Get(ctx, communityID)
	if err != nil {
		return nil, "", err
	}
	if err := s.mayRead(ctx, p, c); err != nil {
		return nil, "", err
	}
	filter := bson.D{{Key: "communityId", Value: c.ID}, {Key: "removed", Value: false}}
	if after != "" {
		pinned, id, ok := decodePostCursor(after)
		if !ok {
			var v apperr.Validation
			v.Add("cursor", "is not a cursor returned by this endpoint")
			return nil, "", v.Err()
		}
		// After (pinned, id) in the order pinned desc, _id desc.
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "pinned", Value: pinned}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: id}}}},
			bson.D{{Key: "pinned", Value: bson.D{{Key: "$lt", Value: pinned}}}},
		}})
	}
	cur, err := s.posts.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "pinned", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit+1)))
	if err != nil {
		return nil, "", fmt.Errorf("find posts: %w", err)
	}
	var posts []Post
	if err := cur.All(ctx, &posts); err != nil {
		return nil, "", fmt.Errorf("find posts: %w", err)
	}
	next := ""
	if len(posts) > limit {
		posts = posts[:limit]
		last := posts[limit-1]
		next = cursor.Encode(postKey{Pinned: last.Pinned, ID: last.ID})
	}
	return posts, next, nil
}

// postKey is a post's position: pinned first, then newest first.
type postKey struct {
	Pinned int           `json:"p"`
	ID     bson.ObjectID `json:"i"`
}

func decodePostCursor(s string) (int, bson.ObjectID, bool) {
	var k postKey
	if !cursor.Decode(s, &k) || (k.Pinned != 0 && k.Pinned != 1) {
		return 0, bson.ObjectID{}, false
	}
	return k.Pinned, k.ID, true
}

func (s *Service) findPost(ctx context.Context, id bson.ObjectID) (Post, Community, error) {
	post, err := mongodb.FindOne[Post](ctx, s.posts, bson.D{{Key: "_id", Value: id}, {Key: "removed", Value: false}},
		apperr.NotFoundf("no post with id %s", id.Hex()))
	if err != nil {
		return Post{}, Community{}, err
	}
	c, err := s.Get(ctx, post.CommunityID)
	return post, c, err
}

// GetPost returns a post to those who may read its community.
func (s *Service) GetPost(ctx context.Context, p accounts.Principal, id bson.ObjectID) (Post, error) {
	post, c, err := s.findPost(ctx, id)
	if err != nil {
		return Post{}, err
	}
	if err := s.mayRead(ctx, p, c); err != nil {
		return Post{}, apperr.NotFoundf("no post with id %s", id.Hex())
	}
	return post, nil
}

// EditPost changes the caller's own post.
func (s *Service) EditPost(ctx context.Context, p accounts.Principal, id bson.ObjectID, body string) (Post, error) {
	post, err := s.GetPost(ctx, p, id)
	if err != nil {
		return Post{}, err
	}
	if post.AuthorID != p.UserID {
		return Post{}, apperr.New(apperr.Forbidden, "forbidden", "only the author can edit a post")
	}
	body, err = checkBody(body)
	if err != nil {
		return Post{}, err
	}
	now := s.clock()
	return s.updatePost(ctx, id, bson.D{{Key: "body", Value: body}, {Key: "editedAt", Value: now}})
}

// DeletePost removes the caller's own post, or any post for its
// community's organizers (moderation).
func (s *Service) DeletePost(ctx context.Context, p accounts.Principal, id bson.ObjectID) error {
	post, c, err := s.findPost(ctx, id)
	if err != nil {
		return err
	}
	if post.AuthorID != p.UserID {
		if err := s.mayOrganize(p, c); err != nil {
			return apperr.New(apperr.Forbidden, "forbidden", "only the author or the community's organizers can remove a post")
		}
	}
	_, err = s.updatePost(ctx, id, bson.D{{Key: "removed", Value: true}, {Key: "removedBy", Value: p.UserID}})
	return err
}

// PinPost pins or unpins a post (organizers).
func (s *Service) PinPost(ctx context.Context, p accounts.Principal, id bson.ObjectID, pinned bool) (Post, error) {
	_, c, err := s.findPost(ctx, id)
	if err != nil {
		return Post{}, err
	}
	if err := s.mayOrganize(p, c); err != nil {
		return Post{}, err
	}
	pin := 0
	if pinned {
		pin = 1
	}
	return s.updatePost(ctx, id, bson.D{{Key: "pinned", Value: pin}})
}

func (s *Service) updatePost(ctx context.Context, id bson.ObjectID, set bson.D) (Post, error) {
	unlock := s.db.Lock(colPosts, id)
	defer unlock()
	set = append(set, bson.E{Key: "updatedAt", Value: s.clock()})
	var post Post
	err := s.posts.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}, {Key: "removed", Value: false}}, bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&post)
	if mongodb.IsNotFound(err) {
		return Post{}, apperr.NotFoundf("no post with id %s", id.Hex())
	}
	if err != nil {
		return Post{}, fmt.Errorf("update post: %w", err)
	}
	return post, nil
}

// PostCommunity returns the community of a post (for reports).
func (s *Service) PostCommunity(ctx context.Context, postID bson.ObjectID) (bson.ObjectID, error) {
	post, err := mongodb.FindByID[Post](ctx, s.posts, postID, "post")
	return post.CommunityID, err
}

func checkBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	var v apperr.Validation
	checkLen(&v, "body", body, 1, maxPostLen)
	return body, v.Err()
}
