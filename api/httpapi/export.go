package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
)

// ExportDocument is everything Kizuna holds about the caller, in the shapes
// the rest of the API uses. Other people appear only as the caller could
// already see them (names; contact details only of the other party of a
// mentorship, and only while they are a member).
type ExportDocument struct {
	ExportedAt time.Time `json:"exportedAt" example:"2026-12-02T01:15:00Z"`
	// The account, with its preferences.
	Account        Me                  `json:"account"`
	MentorProfile  *MentorProfileView  `json:"mentorProfile,omitempty"`
	FounderProfile *FounderProfileView `json:"founderProfile,omitempty"`
	MatchRequests  []MatchRequestView  `json:"matchRequests"`
	// Introductions the caller asked for, as a founder.
	IntroductionsAsked []IntroductionView `json:"introductionsAsked"`
	// Introductions to the caller, as a mentor.
	IntroductionsReceived []IntroductionView   `json:"introductionsReceived"`
	Mentorships           []ExportedMentorship `json:"mentorships"`
	Memberships           []ExportedMembership `json:"memberships"`
	// Posts the caller wrote (removed ones included).
	Posts         []ExportedPost      `json:"posts"`
	RSVPs         []ExportedRSVP      `json:"rsvps"`
	Notifications []NotificationView  `json:"notifications"`
	ReportsFiled  []ConductReportView `json:"reportsFiled"`
	// Open sessions (sign-ins).
	Sessions []SessionView `json:"sessions"`
	// Which events reach the caller by mail, the digest, quiet hours.
	MailPreferences NotificationPreferences `json:"mailPreferences"`
	// Mails Kizuna wrote to the caller (a mail's text is kept only until it
	// is sent: it may hold a single-use link).
	Mails []ExportedMail `json:"mails"`
	// Monthly digests sent to the caller while they were away, and what
	// each offered.
	Digests []ExportedDigest `json:"digests"`
}

// ExportedDigest is one lapsed-member digest sent to the caller.
type ExportedDigest struct {
	Month        string          `json:"month" example:"2026-12"`
	SentAt       time.Time       `json:"sentAt" example:"2026-12-01T01:00:00Z"`
	Subject      string          `json:"subject" example:"【Kizuna】お久しぶりです。十勝・帯広 起業者コミュニティから気軽なご案内が3つ"`
	CommunityIDs []string        `json:"communityIds"`
	Offers       []ExportedOffer `json:"offers"`
}

// ExportedOffer is what a digest offered: an event or a mentor.
type ExportedOffer struct {
	Kind string `json:"kind" enums:"event,mentor" example:"event"`
	ID   string `json:"id" example:"6650c1f2a8b4c3d2e1f00e01"`
}

// ExportedMail is one mail to the caller.
type ExportedMail struct {
	Kind      string    `json:"kind" example:"verify_email"`
	Subject   string    `json:"subject" example:"【Kizuna】メールアドレスの確認"`
	State     string    `json:"state" enums:"pending,sent,failed" example:"sent"`
	CreatedAt time.Time `json:"createdAt" example:"2026-11-23T10:00:00Z"`
}

// ExportedMentorship is a mentorship with all its touchpoints; its
// reflections are the caller's own, and the other party's once both wrote.
type ExportedMentorship struct {
	MentorshipView
	Touchpoints []TouchpointView `json:"touchpoints"`
}

// ExportedMembership is the caller's membership of a community.
type ExportedMembership struct {
	CommunityID string    `json:"communityId" example:"673f0c2b9d1e8a0012ab3600"`
	Role        string    `json:"role" enums:"member,organizer" example:"member"`
	Status      string    `json:"status" enums:"active,left" example:"active"`
	Alumni      bool      `json:"alumni" example:"false"`
	JoinedAt    time.Time `json:"joinedAt" example:"2026-11-23T10:00:00Z"`
}

// ExportedPost is a post the caller wrote.
type ExportedPost struct {
	PostView
	Removed bool `json:"removed" example:"false"`
}

// ExportedRSVP is the caller's answer to an event.
type ExportedRSVP struct {
	EventID   string    `json:"eventId" example:"673f0c2b9d1e8a0012ab3800"`
	Status    string    `json:"status" enums:"going,waitlisted,maybe,not_going" example:"going"`
	UpdatedAt time.Time `json:"updatedAt" example:"2026-11-23T10:00:00Z"`
}

// exportPage is the page size the export reads the paged lists with.
const exportPage = 100

// exportMe godoc
//
//	@Summary		Export everything held about the caller
//	@Description	One JSON document (saved as a file by browsers: Content-Disposition attachment) with the caller's account and preferences, profiles, match requests, introductions both ways, mentorships with every touchpoint and the reflections the caller may see, community memberships, the posts they wrote, RSVPs, notifications, the conduct reports they filed and their open sessions. Other people appear only as the caller could already see them.
//	@ID				exportMe
//	@Tags			me
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Success		200	{object}	ExportDocument
//	@Header			200	{string}	Content-Disposition	"attachment; filename=\"kizuna-export-<user	id>.json\""
//	@Failure		400	{object}	Problem				"validation_failed: query string over its limits"
//	@Failure		401	{object}	Problem				"unauthenticated, session_ended"
//	@Failure		403	{object}	Problem				"account_suspended"
//	@Failure		500	{object}	Problem
//	@Failure		503	{object}	Problem	"unavailable (the database cannot be reached) or storage_unavailable (it cannot store, e.g. a full disk); retry after Retry-After"
//	@Router			/v1/me/export [get]
func (s *Server) exportMe(c *gin.Context) {
	p := principal(c)
	doc, err := s.export(c, p)
	if failIf(c, err) {
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="kizuna-export-%s.json"`, p.UserID.Hex()))
	writeJSON(c, http.StatusOK, doc)
}

func (s *Server) export(c *gin.Context, p accounts.Principal) (ExportDocument, error) {
	u, err := s.accounts.Get(c, p.UserID)
	if err != nil {
		return ExportDocument{}, err
	}
	doc := ExportDocument{ExportedAt: time.Now().UTC(), Account: meView(u),
		MatchRequests: []MatchRequestView{}, IntroductionsAsked: []IntroductionView{}, IntroductionsReceived: []IntroductionView{},
		Mentorships: []ExportedMentorship{}, Memberships: []ExportedMembership{}, Posts: []ExportedPost{}, RSVPs: []ExportedRSVP{},
		Notifications: []NotificationView{}, ReportsFiled: []ConductReportView{}, Sessions: []SessionView{},
		MailPreferences: notificationPreferencesView(u.MailPreferences), Mails: []ExportedMail{}, Digests: []ExportedDigest{}}
	if mp, err := s.profiles.GetMentor(c, p.UserID); err == nil {
		v := s.mentorProfileView(mp)
		doc.MentorProfile = &v
	} else if apperr.KindOf(err) != apperr.NotFound {
		return ExportDocument{}, err
	}
	if fp, err := s.profiles.GetFounder(c, p.UserID); err == nil {
		v := s.founderProfileView(fp, true)
		doc.FounderProfile = &v
	} else if apperr.KindOf(err) != apperr.NotFound {
		return ExportDocument{}, err
	}
	for cursor := ""; ; {
		rs, next, err := s.mentorships.ListRequests(c, p, exportPage, cursor)
		if err != nil {
			return ExportDocument{}, err
		}
		for _, r := range rs {
			doc.MatchRequests = append(doc.MatchRequests, s.matchRequestView(r))
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	for _, asMentor := range []bool{false, true} {
		for cursor := ""; ; {
			ins, next, err := s.mentorships.ListIntroductions(c, p, mentorships.IntroductionFilter{AsMentor: asMentor, Limit: exportPage, Cursor: cursor})
			if err != nil {
				return ExportDocument{}, err
			}
			if asMentor {
				doc.IntroductionsReceived = append(doc.IntroductionsReceived, s.introductionViews(c, ins)...)
			} else {
				doc.IntroductionsAsked = append(doc.IntroductionsAsked, s.introductionViews(c, ins)...)
			}
			if cursor = next; cursor == "" {
				break
			}
		}
	}
	for cursor := ""; ; {
		ds, next, err := s.mentorships.ListMentorships(c, p, mentorships.MentorshipFilter{Limit: exportPage, Cursor: cursor})
		if err != nil {
			return ExportDocument{}, err
		}
		for _, d := range ds {
			// The list leaves reflections out; the detail has those the caller may see.
			full, err := s.mentorships.GetMentorship(c, p, d.ID)
			if err != nil {
				return ExportDocument{}, err
			}
			m := ExportedMentorship{MentorshipView: s.mentorshipView(c, full), Touchpoints: []TouchpointView{}}
			for tc := ""; ; {
				ts, tnext, err := s.mentorships.ListTouchpoints(c, p, d.ID, exportPage, tc)
				if err != nil {
					return ExportDocument{}, err
				}
				for _, t := range ts {
					m.Touchpoints = append(m.Touchpoints, touchpointView(t))
				}
				if tc = tnext; tc == "" {
					break
				}
			}
			doc.Mentorships = append(doc.Mentorships, m)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	held, err := s.community.HeldFor(c, p.UserID)
	if err != nil {
		return ExportDocument{}, err
	}
	for _, m := range held.Memberships {
		doc.Memberships = append(doc.Memberships, ExportedMembership{CommunityID: m.CommunityID.Hex(), Role: m.Role, Status: m.Status, Alumni: m.Alumni, JoinedAt: m.JoinedAt})
	}
	for i, v := range s.postViews(c, held.Posts) {
		doc.Posts = append(doc.Posts, ExportedPost{PostView: v, Removed: held.Posts[i].Removed})
	}
	for _, r := range held.RSVPs {
		doc.RSVPs = append(doc.RSVPs, ExportedRSVP{EventID: r.EventID.Hex(), Status: r.Status, UpdatedAt: r.UpdatedAt})
	}
	for cursor := ""; ; {
		ns, next, err := s.notifications.List(c, p.UserID, false, exportPage, cursor)
		if err != nil {
			return ExportDocument{}, err
		}
		for _, n := range ns {
			doc.Notifications = append(doc.Notifications, notificationView(n))
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	reports, err := s.moderation.FiledBy(c, p.UserID)
	if err != nil {
		return ExportDocument{}, err
	}
	for _, r := range reports {
		doc.ReportsFiled = append(doc.ReportsFiled, conductReportView(r))
	}
	sessions, err := s.accounts.Sessions(c, p)
	if err != nil {
		return ExportDocument{}, err
	}
	for _, ss := range sessions {
		doc.Sessions = append(doc.Sessions, SessionView{ID: ss.ID, CreatedAt: ss.CreatedAt, LastUsedAt: ss.LastUsedAt, ExpiresAt: ss.ExpiresAt,
			UserAgent: ss.UserAgent, Address: ss.Address, Current: ss.Current})
	}
	if s.mail != nil {
		mails, err := s.mail.ForUser(c, p.UserID)
		if err != nil {
			return ExportDocument{}, err
		}
		for _, m := range mails {
			doc.Mails = append(doc.Mails, ExportedMail{Kind: m.Kind, Subject: m.Subject, State: m.State, CreatedAt: m.CreatedAt})
		}
	}
	if s.digest != nil {
		sent, err := s.digest.ForUser(c, p.UserID)
		if err != nil {
			return ExportDocument{}, err
		}
		for _, d := range sent {
			e := ExportedDigest{Month: d.Month, SentAt: d.SentAt, Subject: d.Subject, CommunityIDs: make([]string, len(d.CommunityIDs)), Offers: make([]ExportedOffer, len(d.Offers))}
			for i, id := range d.CommunityIDs {
				e.CommunityIDs[i] = id.Hex()
			}
			for i, o := range d.Offers {
				e.Offers[i] = ExportedOffer{Kind: o.Kind, ID: o.ID.Hex()}
			}
			doc.Digests = append(doc.Digests, e)
		}
	}
	return doc, nil
}
