package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/digest"
	"github.com/kizuna-dev/kizuna/internal/ids"
)

// DigestPreview is a member's monthly digest as it would be sent now.
type DigestPreview struct {
	UserID string `json:"userId" example:"6650c1f2a8b4c3d2e1f00a01"`
	// The JST month the digest belongs to (one per month).
	Month string `json:"month" example:"2026-12"`
	// The language it is written in (the member's).
	Locale string `json:"locale" enums:"ja,en" example:"ja"`
	// Inactive for KIZUNA_LAPSED_DAYS: only lapsed members get it.
	Lapsed       bool      `json:"lapsed" example:"true"`
	LastActiveAt time.Time `json:"lastActiveAt" example:"2026-05-12T09:30:00Z"`
	// Digests sent since the member was last active; three stop them.
	DigestsSinceActive int  `json:"digestsSinceActive" example:"1"`
	WouldSend          bool `json:"wouldSend" example:"true"`
	// Why it would not be sent now (absent when it would).
	SkipReason string `json:"skipReason,omitempty" enums:"active,not_a_member,digest_off,email_unverified,suspended,stopped_after_three,already_sent_this_month,no_offers" example:"active"`
	// The subject line (empty when the member is in no community).
	Subject string `json:"subject" example:"【Kizuna】お久しぶりです。十勝・帯広 起業者コミュニティから気軽なご案内が3つ"`
	// The communities it writes for, oldest membership first.
	Communities []DigestCommunity `json:"communities"`
	// At most three, best first, with why each was chosen.
	Offers []DigestOffer `json:"offers"`
}

// DigestCommunity names a community of a digest.
type DigestCommunity struct {
	ID   string `json:"id" example:"6650c1f2a8b4c3d2e1f00c01"`
	Name string `json:"name" example:"十勝・帯広 起業者コミュニティ"`
}

// DigestOffer is one low-hurdle offer of a digest.
type DigestOffer struct {
	// An upcoming event, or a mentor new since the member was last active.
	Kind string `json:"kind" enums:"event,mentor" example:"event"`
	// The event's or the mentor's id.
	ID string `json:"id" example:"6650c1f2a8b4c3d2e1f00e01"`
	// The event's title, or the mentor's name.
	Title string `json:"title" example:"オンライン雑談会（第2水曜）"`
	// Why it was chosen, in the member's language.
	Reason string `json:"reason" example:"12月9日(水) 20:00・オンライン・参加無料・45分・初めての方も歓迎"`
	// Events: when it starts.
	StartsAt *time.Time `json:"startsAt,omitempty" example:"2026-12-09T11:00:00Z"`
	// Events: held online.
	Online bool `json:"online" example:"true"`
	// From the member, when both places are known (online events: absent).
	DistanceKm *float64 `json:"distanceKm,omitempty" example:"8"`
	// Mentors: the topics the member once asked about that they cover.
	Topics []string `json:"topics,omitempty" example:"sales"`
}

func digestPreviewView(d digest.Draft) DigestPreview {
	out := DigestPreview{
		UserID: d.UserID.Hex(), Month: d.Month, Locale: d.Locale, Lapsed: d.Lapsed, LastActiveAt: d.LastActiveAt,
		DigestsSinceActive: d.SentSinceActive, WouldSend: d.SkipReason == "", SkipReason: d.SkipReason, Subject: d.Subject,
		Communities: communityRefs(d.Communities, d.Locale), Offers: make([]DigestOffer, len(d.Offers)),
	}
	if out.Locale != accounts.LocaleEn {
		out.Locale = accounts.LocaleJa
	}
	for i, o := range d.Offers {
		reason := o.ReasonJa
		if d.Locale == accounts.LocaleEn {
			reason = o.ReasonEn
		}
		out.Offers[i] = DigestOffer{Kind: o.Kind, ID: o.ID.Hex(), Title: o.Title, Reason: reason, StartsAt: o.StartsAt,
			Online: o.Online, DistanceKm: o.DistanceKm, Topics: o.Topics}
	}
	return out
}

func communityRefs(cs []community.Community, locale string) []DigestCommunity {
	out := make([]DigestCommunity, len(cs))
	for i, c := range cs {
		out[i] = DigestCommunity{ID: c.ID.Hex(), Name: c.Name}
		if locale == accounts.LocaleEn {
			out[i].Name = c.NameOrJa()
		}
	}
	return out
}

// myDigestPreview godoc
//
//	@Summary		Preview my monthly digest
//	@Description	The lapsed-member digest as it would be written to the caller now: the subject, at most three low-hurdle offers chosen for them (upcoming short, free or online events of their communities near them; mentors listed since they were last active who cover the topics they once asked about and can reach them) with why each was chosen, and whether it would be sent (skipReason says why not: a caller is active by definition, so "active" here unless the digest is off or they are in no community). Sends nothing.
//	@ID				myDigestPreview
//	@Tags			mail
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Success		200	{object}	DigestPreview
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem	"account_suspended"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/digest-preview [get]
func (s *Server) myDigestPreview(c *gin.Context) {
	p := principal(c)
	d, err := s.digest.Preview(c, p, bson.ObjectID{}, p.UserID)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, digestPreviewView(d))
}

// memberDigestPreview godoc
//
//	@Summary		Preview a member's monthly digest (the community's organizers)
//	@Description	What the lapsed-member digest would write to a member of this community now (see myDigestPreview), in the member's language. For the community's organizers and admins. It carries none of the member's answer links. 404 when the person is not a member of this community.
//	@ID				memberDigestPreview
//	@Tags			mail
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"Community id"
//	@Param			userId	path		string	true	"The member's user id"
//	@Success		200		{object}	DigestPreview
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem	"forbidden: not an organizer of this community"
//	@Failure		404		{object}	Problem	"not_found: no such community, or no such member of it"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/communities/{id}/members/{userId}/digest-preview [get]
func (s *Server) memberDigestPreview(c *gin.Context) {
	id, ok := pathID(c, "community")
	if !ok {
		return
	}
	userID, ok := ids.Parse(c.Param("userId"))
	if !ok {
		fail(c, digest.ErrNotMember)
		return
	}
	d, err := s.digest.Preview(c, principal(c), id, userID)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, digestPreviewView(d))
}

// DigestAnswerRequest carries the token of a digest's answer link.
type DigestAnswerRequest struct {
	// The token from the "still interested" or "leave" link of a digest.
	Token string `json:"token" example:"NjY1MGMxZjJhOGI0YzNkMmUxZjAwYTAxOjIwMjYtMTI6c3RpbGxfaW50ZXJlc3RlZDoxNzg1MDAwMDAw.q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c" validate:"max=512" binding:"required"`
}

// DigestAnswerResponse says what an answer did.
type DigestAnswerResponse struct {
	// still_interested: the member counts as active again. leave: they left
	// the digest's communities and get no more digests.
	Answer string `json:"answer" enums:"still_interested,leave" example:"still_interested"`
	// The communities left (leave only; empty otherwise).
	Left []DigestCommunity `json:"left"`
}

// answerDigest godoc
//
//	@Summary		Answer a digest: still interested, or leave
//	@Description	The target of the two one-click links of the monthly lapsed-member digest (the front end posts the link's token here). No sign-in: the signed token names one recipient and one digest, expires after 60 days, and works once (either link of a digest; a second use gets 400 invalid_token). still_interested marks the member active now, so the count of unanswered digests starts again; leave ends their memberships of the digest's communities (on good terms: they may join again any time) and turns the digest off, so we do not write again.
//	@ID				answerDigest
//	@Tags			mail
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			body	body		DigestAnswerRequest	true	"The link's token"
//	@Success		200		{object}	DigestAnswerResponse
//	@Failure		400		{object}	Problem		"invalid_token (forged, altered, expired or used), malformed_json, unknown_field, validation_failed"
//	@Failure		413		{object}	Problem		"body_too_large"
//	@Failure		415		{object}	Problem		"unsupported_media_type"
//	@Failure		429		{object}	Problem		"rate_limited: too many attempts from your address (see Retry-After)"
//	@Header			429		{integer}	Retry-After	"Seconds to wait before trying again"
//	@Failure		500		{object}	Problem
//	@Failure		503		{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/digest/answer [post]
func (s *Server) answerDigest(c *gin.Context) {
	var req DigestAnswerRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	res, err := s.digest.Answer(c, req.Token)
	if failIf(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, DigestAnswerResponse{Answer: res.Answer, Left: communityRefs(res.Left, "")})
}
