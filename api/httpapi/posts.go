package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/community"
)

// PostRequest writes a post.
type PostRequest struct {
	// 1 to 4,000 characters.
	Body string `json:"body" example:"来月、帯広で販路開拓の勉強会をします。初めての方も歓迎です。" validate:"max=4000" binding:"required"`
}

// PostView is a post.
type PostView struct {
	ID          string     `json:"id" example:"673f0c2b9d1e8a0012ab3700"`
	CommunityID string     `json:"communityId" example:"673f0c2b9d1e8a0012ab3600"`
	Author      PersonRef  `json:"author"`
	Body        string     `json:"body" example:"来月、帯広で販路開拓の勉強会をします。"`
	Pinned      bool       `json:"pinned" example:"false"`
	EditedAt    *time.Time `json:"editedAt,omitempty" example:"2026-11-23T11:00:00Z"`
	CreatedAt   time.Time  `json:"createdAt" example:"2026-11-23T10:00:00Z"`
}

// PostList is a page of posts: pinned first, then newest first.
type PostList struct {
	Items []PostView `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
}

func (s *Server) postViews(c *gin.Context, posts []community.Post) []PostView {
	var ids []bson.ObjectID
	for _, p := range posts {
		ids = append(ids, p.AuthorID)
	}
	names := s.people(c, ids...)
	out := make([]PostView, len(posts))
	for i, p := range posts {
		out[i] = PostView{ID: p.ID.Hex(), CommunityID: p.CommunityID.Hex(), Author: PersonRef{ID: p.AuthorID.Hex(), DisplayName: names[p.AuthorID]},
			Body: p.Body, Pinned: p.Pinned == 1, EditedAt: p.EditedAt, CreatedAt: p.CreatedAt}
	}
	return out
}

// listPosts godoc
//
//	@Summary	A community's posts (members)
//	@ID			listPosts
//	@Tags		community
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Community id"
//	@Param		limit	query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param		cursor	query		string	false	"nextCursor of the previous page"
//	@Success	200		{object}	PostList
//	@Failure	400		{object}	Problem	"validation_failed, cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem	"not_a_member"
//	@Failure	404		{object}	Problem	"not_found"
//	@Failure	500		{object}	Problem
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/communities/{id}/posts [get]
func (s *Server) listPosts(c *gin.Context) {
	id, ok := pathID(c, "community")
	if !ok {
		return
	}
	q := newQuery(c)
	limit, cursor := q.limit(), q.cursor()
	if failIf(c, q.err()) {
		return
	}
	posts, next, err := s.community.ListPosts(c, principal(c), id, limit, cursor)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, PostList{Items: s.postViews(c, posts), NextCursor: q.nextCursor(next)})
}

// createPost godoc
//
//	@Summary		Post to a community (members)
//	@Description	Members with a confirmed e-mail address only: an unconfirmed one gets 403 email_unverified.
//	@ID				createPost
//	@Tags			community
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string		true	"Community id"
//	@Param			body			body		PostRequest	true	"The post"
//	@Param			Idempotency-Key	header		string		false	"Makes retries safe: the same key (1-255 printable ASCII) with the same request within 24 hours answers the first response again (with Idempotent-Replayed: true) and creates nothing new"
//	@Success		201				{object}	PostView
//	@Failure		400				{object}	Problem	"validation_failed"
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem	"not_a_member, email_unverified (confirm your e-mail address first)"
//	@Failure		404				{object}	Problem	"not_found"
//	@Failure		409				{object}	Problem	"idempotency_in_progress (a request with this Idempotency-Key still runs after 10 s)"
//	@Failure		413				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem		"idempotency_key_reuse (this Idempotency-Key was sent with a different request)"
//	@Failure		429				{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429				{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500				{object}	Problem
//	@Failure		503				{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/communities/{id}/posts [post]
func (s *Server) createPost(c *gin.Context) {
	id, ok := pathID(c, "community")
	if !ok {
		return
	}
	var req PostRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	post, err := s.community.CreatePost(c, principal(c), id, req.Body)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusCreated, s.postViews(c, []community.Post{post})[0])
}

// editPost godoc
//
//	@Summary	Edit your post
//	@ID			editPost
//	@Tags		community
//	@Accept		json
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string		true	"Post id"
//	@Param		body	body		PostRequest	true	"The new text"
//	@Success	200		{object}	PostView
//	@Failure	400		{object}	Problem	"validation_failed"
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem	"forbidden: not the author"
//	@Failure	404		{object}	Problem	"not_found"
//	@Failure	413		{object}	Problem
//	@Failure	415		{object}	Problem
//	@Failure	429		{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500		{object}	Problem
//	@Failure	503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/posts/{id} [patch]
func (s *Server) editPost(c *gin.Context) {
	id, ok := pathID(c, "post")
	if !ok {
		return
	}
	var req PostRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	post, err := s.community.EditPost(c, principal(c), id, req.Body)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.postViews(c, []community.Post{post})[0])
}

// deletePost godoc
//
//	@Summary		Delete a post
//	@Description	The author deletes their own; the community's organizers remove any (moderation).
//	@ID				deletePost
//	@Tags			community
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path	string	true	"Post id"
//	@Success		204
//	@Failure		400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem		"forbidden"
//	@Failure		404	{object}	Problem		"not_found"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/posts/{id} [delete]
func (s *Server) deletePost(c *gin.Context) {
	id, ok := pathID(c, "post")
	if !ok {
		return
	}
	if failIf(c, s.community.DeletePost(c, principal(c), id)) {
		return
	}
	c.Status(http.StatusNoContent)
}

// pinPost godoc
//
//	@Summary	Pin a post (the community's organizers)
//	@ID			pinPost
//	@Tags		community
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Post id"
//	@Success	200	{object}	PostView
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem		"forbidden"
//	@Failure	404	{object}	Problem		"not_found"
//	@Failure	429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/posts/{id}/pin [post]
func (s *Server) pinPost(c *gin.Context) { s.setPinned(c, true) }

// unpinPost godoc
//
//	@Summary	Unpin a post (the community's organizers)
//	@ID			unpinPost
//	@Tags		community
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Post id"
//	@Success	200	{object}	PostView
//	@Failure	400	{object}	Problem	"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem		"forbidden"
//	@Failure	404	{object}	Problem		"not_found"
//	@Failure	429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header		429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure	500	{object}	Problem
//	@Failure	503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router		/v1/posts/{id}/unpin [post]
func (s *Server) unpinPost(c *gin.Context) { s.setPinned(c, false) }

func (s *Server) setPinned(c *gin.Context, pinned bool) {
	id, ok := pathID(c, "post")
	if !ok {
		return
	}
	post, err := s.community.PinPost(c, principal(c), id, pinned)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, s.postViews(c, []community.Post{post})[0])
}
