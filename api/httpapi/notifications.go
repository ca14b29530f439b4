package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/notifications"
)

// NotificationView is one entry of the caller's inbox.
type NotificationView struct {
	ID string `json:"id" example:"6741a3f09d1e8a0012ab34ef"`
	// What happened. mentorship_completed asks the other party for their reflection.
	Kind   string           `json:"kind" enums:"introduction_received,introduction_accepted,introduction_declined,introduction_withdrawn,introduction_expired,introduction_reminder,mentor_paused,mentorship_completed,mentorship_ended,event_invitation,event_place_confirmed,keep_in_touch,event_reminder" example:"introduction_received"`
	TextJa string           `json:"textJa" example:"佐藤 由紀さんから紹介の依頼が届きました"`
	TextEn string           `json:"textEn" example:"Yuki Sato asked you for an introduction"`
	Refs   NotificationRefs `json:"refs"`
	Read   bool             `json:"read" example:"false"`
	// When the notification was first marked read; absent while unread.
	ReadAt    *time.Time `json:"readAt,omitempty" example:"2026-11-23T11:30:00Z"`
	CreatedAt time.Time  `json:"createdAt" example:"2026-11-23T10:00:00Z"`
}

// NotificationRefs are the ids a client follows from a notification; each is
// present only when the notification is about such an object.
type NotificationRefs struct {
	RequestID      string `json:"requestId,omitempty" example:"6741a1c29d1e8a0012ab3401"`
	IntroductionID string `json:"introductionId,omitempty" example:"6741a1d59d1e8a0012ab3402"`
	MentorshipID   string `json:"mentorshipId,omitempty" example:"6741a2019d1e8a0012ab3403"`
	CommunityID    string `json:"communityId,omitempty" example:"6741a2149d1e8a0012ab3404"`
	EventID        string `json:"eventId,omitempty" example:"6741a2279d1e8a0012ab3405"`
	// The other person the notification is about.
	UserID string `json:"userId,omitempty" example:"673f0c2b9d1e8a0012ab34cd"`
}

// NotificationListResponse is a page of the caller's inbox.
type NotificationListResponse struct {
	Items []NotificationView `json:"items"`
	// Pass as cursor= for the next page; absent on the last page.
	NextCursor string `json:"nextCursor,omitempty" example:"Xk3v9QbA.1eyJpIjoiNjczZjBjMmI5ZDFlOGEwMDEyYWIzNzAwIn0"`
	// All of the caller's unread notifications, whatever the filter and page.
	UnreadCount int64 `json:"unreadCount" example:"3"`
}

// MarkAllReadResponse says how many notifications were marked read.
type MarkAllReadResponse struct {
	Updated int64 `json:"updated" example:"3"`
}

func notificationView(n notifications.Notification) NotificationView {
	return NotificationView{
		ID:     n.ID.Hex(),
		Kind:   string(n.Kind),
		TextJa: n.TextJa,
		TextEn: n.TextEn,
		Refs: NotificationRefs{
			RequestID:      hexOrEmpty(n.Refs.RequestID),
			IntroductionID: hexOrEmpty(n.Refs.IntroductionID),
			MentorshipID:   hexOrEmpty(n.Refs.MentorshipID),
			CommunityID:    hexOrEmpty(n.Refs.CommunityID),
			EventID:        hexOrEmpty(n.Refs.EventID),
			UserID:         hexOrEmpty(n.Refs.UserID),
		},
		Read:      n.Read,
		ReadAt:    n.ReadAt,
		CreatedAt: n.CreatedAt,
	}
}

// hexOrEmpty renders an optional id: "" for the zero id.
func hexOrEmpty(id bson.ObjectID) string {
	if id.IsZero() {
		return ""
	}
	return id.Hex()
}

// listNotifications godoc
//
//	@Summary		The caller's notifications
//	@Description	Newest first. unread=true lists only unread ones. unreadCount counts all of the caller's unread notifications, whatever the filter and page (for a badge).
//	@ID				listNotifications
//	@Tags			notifications
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			unread	query		bool	false	"Only unread notifications"
//	@Param			limit	query		int		false	"1 to 100, default 20"	minimum(1)	maximum(100)	default(20)
//	@Param			cursor	query		string	false	"nextCursor of the previous page"
//	@Success		200		{object}	NotificationListResponse
//	@Failure		400		{object}	Problem	"validation_failed (unread, limit, cursor), cursor_mismatch (a cursor sent with other filters than it was made with)"
//	@Failure		401		{object}	Problem	"unauthenticated"
//	@Failure		403		{object}	Problem	"account_suspended"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/notifications [get]
func (s *Server) listNotifications(c *gin.Context) {
	q := newQuery(c)
	unread := q.boolean("unread")
	limit := q.limit()
	cursor := q.cursor()
	if failIf(c, q.err()) {
		return
	}
	me := principal(c).UserID
	items, next, err := s.notifications.List(c, me, unread, limit, cursor)
	if failIf(c, err) {
		return
	}
	unreadCount, err := s.notifications.UnreadCount(c, me)
	if failIf(c, err) {
		return
	}
	resp := NotificationListResponse{Items: make([]NotificationView, len(items)), NextCursor: q.nextCursor(next), UnreadCount: unreadCount}
	for i, n := range items {
		resp.Items[i] = notificationView(n)
	}
	writeJSON(c, http.StatusOK, resp)
}

// markNotificationRead godoc
//
//	@Summary		Mark a notification read
//	@Description	Idempotent: marking a read notification again returns it unchanged. Another user's notification is not found.
//	@ID				markNotificationRead
//	@Tags			notifications
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"Notification id"
//	@Success		200	{object}	NotificationView
//	@Failure		400	{object}	Problem		"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure		401	{object}	Problem		"unauthenticated"
//	@Failure		403	{object}	Problem		"account_suspended"
//	@Failure		404	{object}	Problem		"not_found"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/notifications/{id}/read [post]
func (s *Server) markNotificationRead(c *gin.Context) {
	id, ok := pathID(c, "notification")
	if !ok {
		return
	}
	n, err := s.notifications.MarkRead(c, principal(c).UserID, id)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, notificationView(n))
}

// markAllNotificationsRead godoc
//
//	@Summary		Mark all notifications read
//	@Description	Marks every unread notification of the caller read; updated says how many changed (0 when none were unread).
//	@ID				markAllNotificationsRead
//	@Tags			notifications
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Success		200	{object}	MarkAllReadResponse
//	@Failure		400	{object}	Problem		"validation_failed: query string over its limits; unknown_field: this endpoint takes no body"
//	@Failure		401	{object}	Problem		"unauthenticated"
//	@Failure		403	{object}	Problem		"account_suspended"
//	@Failure		429	{object}	Problem		"rate_limited: too many changes (see Retry-After)"
//	@Header			429	{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/notifications/read-all [post]
func (s *Server) markAllNotificationsRead(c *gin.Context) {
	updated, err := s.notifications.MarkAllRead(c, principal(c).UserID)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, MarkAllReadResponse{Updated: updated})
}
