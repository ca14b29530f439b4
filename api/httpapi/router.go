// Package httpapi is Kizuna's HTTP layer: routing, middleware, request and
// response types (with their Swagger annotations) and the one place where error
// kinds become HTTP statuses. It holds no domain rules: handlers decode, ask the
// domain packages, and encode.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	ginswagger "github.com/swaggo/gin-swagger"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/docs"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/areas"
	"github.com/kizuna-dev/kizuna/internal/audit"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/coverage"
	"github.com/kizuna-dev/kizuna/internal/digest"
	"github.com/kizuna-dev/kizuna/internal/erasure"
	"github.com/kizuna-dev/kizuna/internal/idempotency"
	"github.com/kizuna-dev/kizuna/internal/keepintouch"
	"github.com/kizuna-dev/kizuna/internal/logctx"
	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/moderation"
	"github.com/kizuna-dev/kizuna/internal/notifications"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
	"github.com/kizuna-dev/kizuna/internal/topics"
)

// Deps are the domain services the HTTP layer serves.
type Deps struct {
	Accounts *accounts.Service
	Profiles *profiles.Service
	Mentors  *search.Index
	Areas    *areas.Catalog
	Topics   *topics.Taxonomy

	Mentorships   *mentorships.Service
	Notifications *notifications.Service
	Community     *community.Service
	Moderation    *moderation.Service
	KeepInTouch   *keepintouch.Service
	Coverage      *coverage.Service
	// Idempotency keeps the answers of creating POSTs sent with an
	// Idempotency-Key (nil: the header is ignored).
	Idempotency *idempotency.Service
	// Erasure deletes accounts; Audit logs privileged actions.
	Erasure *erasure.Service
	Audit   *audit.Service
	// Mail is the outbox, read for the caller's data export.
	Mail *mail.Outbox
	// Digest is the monthly lapsed-member digest (previews, answers).
	Digest *digest.Service

	// Ready reports whether the database answers (GET /readyz); an error
	// with a Reason() string says why.
	Ready func(context.Context) error
	// ClassifyError tells storage outages and refused writes (503) from
	// bugs (500).
	ClassifyError ErrorClassifier
	Logger        *slog.Logger
	Metrics       *prometheus.Registry
	CORSOrigins   []string
	// CORSLocalOrigins also lets any http://localhost or 127.0.0.1 port call
	// the API from a browser (the embedded default: a developer's machine).
	CORSLocalOrigins bool

	// HideMetrics keeps GET /metrics off this handler: the program serves
	// it on its own listener (KIZUNA_METRICS_ADDR).
	HideMetrics bool
	// Now is the app's clock, which the rate limits refill by (nil: the
	// system's).
	Now func() time.Time
	// AuthPerMinute and AuthBurst limit sign-up, sign-in and refresh per
	// client address (0: 20 a minute, bursts of 10).
	AuthPerMinute float64
	AuthBurst     int
	// Rates per minute, each in bursts of half (0: the default).
	// AuthEmailPerMinute: sign-up and sign-in per e-mail address (10).
	// PasswordPerMinute: password changes per user (6).
	// WritePerMinute: POST, PUT, PATCH and DELETE per signed-in user (120).
	AuthEmailPerMinute float64
	PasswordPerMinute  float64
	WritePerMinute     float64
	// OnActivity is called with the caller of every authenticated request.
	OnActivity func(context.Context, bson.ObjectID)
}

// Server holds the dependencies of the handlers.
type Server struct {
	accounts *accounts.Service
	profiles *profiles.Service
	mentors  *search.Index
	areas    *areas.Catalog
	topics   *topics.Taxonomy
	ready    func(context.Context) error

	mentorships    *mentorships.Service
	notifications  *notifications.Service
	community      *community.Service
	moderation     *moderation.Service
	keepInTouchSvc *keepintouch.Service
	onActivity     func(context.Context, bson.ObjectID)
	coverage       *coverage.Service
	idempotency    *idempotency.Service
	erasure        *erasure.Service
	audit          *audit.Service
	mail           *mail.Outbox
	digest         *digest.Service
	// Attempts on one account by e-mail, for sign-up and sign-in.
	emailLimits emailLimits
	// The declared limits of request bodies (see checkLimits).
	limits *validator.Validate
}

// NewHandler returns the HTTP handler of the whole API.
func NewHandler(d Deps) http.Handler {
	s := &Server{
		accounts: d.Accounts,
		profiles: d.Profiles,
		mentors:  d.Mentors,
		areas:    d.Areas,
		topics:   d.Topics,
		ready:    d.Ready,

		mentorships:    d.Mentorships,
		notifications:  d.Notifications,
		community:      d.Community,
		moderation:     d.Moderation,
		keepInTouchSvc: d.KeepInTouch,
		onActivity:     d.OnActivity,
		coverage:       d.Coverage,
		idempotency:    d.Idempotency,
		erasure:        d.Erasure,
		audit:          d.Audit,
		mail:           d.Mail,
		digest:         d.Digest,
		emailLimits:    newEmailLimits(d.Now, d.AuthEmailPerMinute),
		limits:         newLimitChecker(),
	}
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = logctx.Logger(log) // request ids on every line

	reg := d.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}

	r := gin.New()
	r.ContextWithFallback = true // handlers pass c.Request.Context() on
	r.RemoveExtraSlash = true
	r.Use(withRequestID(log, d.ClassifyError), observe(newHTTPMetrics(reg)), recoverPanics())
	r.Use(withCORS(corsPolicy{origins: d.CORSOrigins, local: d.CORSLocalOrigins}))
	r.Use(limitBody())
	r.NoRoute(func(c *gin.Context) { fail(c, errRouteNotFound) })
	r.HandleMethodNotAllowed = true
	r.NoMethod(func(c *gin.Context) { writeProblem(c, http.StatusMethodNotAllowed, errMethodNotAllowed) })

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	if !d.HideMetrics {
		r.GET("/metrics", gin.WrapH(MetricsHandler(reg)))
	}
	// Swagger UI shows the OpenAPI 3 document (its bearer scheme takes the
	// bare token); /swagger/doc.json stays the Swagger 2.0 one.
	r.GET("/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", docs.OpenAPI) })
	r.GET("/swagger/*any", ginswagger.WrapHandler(swaggerUIFiles(), ginswagger.URL("/openapi.json")))

	v1 := r.Group("/v1", limitQuery())
	byAddress := newKeyedLimiter(d.Now, d.AuthPerMinute, d.AuthBurst, DefaultAuthPerMinute,
		"too many attempts from your address; wait a little and try again")
	limited := v1.Group("", byAddress.byAddress)
	limited.POST("/auth/register", s.idempotent, s.register)
	limited.POST("/auth/login", s.login)
	limited.POST("/auth/refresh", s.refresh)
	limited.POST("/auth/verify-email", s.verifyEmail)
	limited.POST("/auth/password-reset", s.requestPasswordReset)
	limited.POST("/auth/password-reset/confirm", s.confirmPasswordReset)
	v1.POST("/mail/unsubscribe", s.unsubscribe)
	limited.POST("/digest/answer", s.answerDigest)
	limited.POST("/auth/confirm-email-change", s.confirmEmailChange)
	limited.POST("/auth/revert-email-change", s.revertEmailChange)
	v1.POST("/auth/logout", s.logout)

	v1.GET("/topics", s.listTopics)
	v1.GET("/areas/prefectures", s.listPrefectures)
	v1.GET("/areas/prefectures/:code/municipalities", s.listMunicipalitiesOfPrefecture)
	v1.GET("/areas/municipalities", s.searchMunicipalities)
	v1.GET("/areas/municipalities/:code", s.getMunicipality)

	writes := newKeyedLimiter(d.Now, d.WritePerMinute, 0, DefaultWritePerMinute, "too many changes in a short time; wait a little and try again")
	passwords := newKeyedLimiter(d.Now, d.PasswordPerMinute, 0, DefaultPasswordPerMinute, "too many password changes; wait a little and try again")
	authed := v1.Group("", s.authenticate, writes.writesByUser)
	authed.GET("/me", s.getMe)
	authed.PATCH("/me", s.updateMe)
	authed.DELETE("/me", passwords.byUser, s.deleteMe)
	authed.GET("/me/export", s.exportMe)
	authed.POST("/me/password", passwords.byUser, s.changePassword)
	mails := newKeyedLimiter(d.Now, d.PasswordPerMinute, 0, DefaultPasswordPerMinute, "too many mails asked for; wait a little and try again")
	authed.POST("/auth/verify-email/resend", noBody, mails.byUser, s.resendVerification)
	authed.POST("/me/email", mails.byUser, s.changeEmail)
	authed.GET("/me/notification-preferences", s.getNotificationPreferences)
	authed.PUT("/me/notification-preferences", s.putNotificationPreferences)
	authed.GET("/me/digest-preview", s.myDigestPreview)
	authed.POST("/me/roles", s.addMyRole)
	authed.GET("/me/sessions", s.listSessions)
	authed.DELETE("/me/sessions/:id", s.endSession)
	authed.POST("/auth/logout-all", s.logoutAll)
	authed.DELETE("/me/roles/:role", s.removeMyRole)

	authed.GET("/me/mentor-profile", requireRole(accounts.RoleMentor), s.getMyMentorProfile)
	authed.PUT("/me/mentor-profile", requireRole(accounts.RoleMentor), s.putMyMentorProfile)
	authed.GET("/me/founder-profile", requireRole(accounts.RoleFounder), s.getMyFounderProfile)
	authed.PUT("/me/founder-profile", requireRole(accounts.RoleFounder), s.putMyFounderProfile)

	authed.GET("/mentors", s.searchMentors)
	authed.GET("/mentors/:id", s.getMentor)

	authed.GET("/match-suggestions", s.matchSuggestions)
	authed.POST("/match-requests", s.idempotent, s.createMatchRequest)
	authed.GET("/match-requests", s.listMatchRequests)
	authed.GET("/match-requests/:id", s.getMatchRequest)
	authed.POST("/match-requests/:id/close", noBody, s.closeMatchRequest)
	authed.POST("/match-requests/:id/introductions", s.idempotent, s.introduce)

	authed.GET("/introductions", s.listIntroductions)
	authed.GET("/introductions/:id", s.getIntroduction)
	authed.POST("/introductions/:id/accept", s.idempotent, s.acceptIntroduction)
	authed.POST("/introductions/:id/decline", s.declineIntroduction)
	authed.POST("/introductions/:id/withdraw", noBody, s.withdrawIntroduction)

	authed.GET("/mentorships", s.listMentorships)
	authed.GET("/mentorships/:id", s.getMentorship)
	authed.GET("/mentorships/:id/touchpoints", s.listTouchpoints)
	authed.POST("/mentorships/:id/touchpoints", s.idempotent, s.addTouchpoint)
	authed.POST("/mentorships/:id/complete", s.completeMentorship)
	authed.POST("/mentorships/:id/end", s.endMentorship)

	authed.GET("/notifications", s.listNotifications)
	authed.POST("/notifications/read-all", noBody, s.markAllNotificationsRead)
	authed.POST("/notifications/:id/read", noBody, s.markNotificationRead)

	authed.POST("/communities", s.idempotent, s.createCommunity)
	authed.GET("/communities", s.listCommunities)
	authed.GET("/communities/:id", s.getCommunity)
	authed.POST("/communities/:id/join", noBody, s.joinCommunity)
	authed.POST("/communities/:id/leave", noBody, s.leaveCommunity)
	authed.GET("/communities/:id/members", s.listMembers)
	authed.GET("/communities/:id/members/:userId/digest-preview", s.memberDigestPreview)
	authed.GET("/communities/:id/posts", s.listPosts)
	authed.POST("/communities/:id/posts", s.idempotent, s.createPost)
	authed.POST("/communities/:id/events", s.idempotent, s.createEvent)
	authed.PATCH("/posts/:id", s.editPost)
	authed.DELETE("/posts/:id", noBody, s.deletePost)
	authed.POST("/posts/:id/pin", noBody, s.pinPost)
	authed.POST("/posts/:id/unpin", noBody, s.unpinPost)
	authed.GET("/events", s.listEvents)
	authed.GET("/events/:id", s.getEvent)
	authed.POST("/events/:id/rsvp", s.idempotent, s.rsvpEvent)
	authed.POST("/events/:id/invite-lapsed", noBody, s.inviteLapsed)

	authed.GET("/keep-in-touch", s.keepInTouch)
	authed.PUT("/connections/:userId/cadence", s.setCadence)
	authed.DELETE("/connections/:userId/cadence", noBody, s.clearCadence)

	authed.POST("/reports", s.idempotent, s.fileConductReport)
	authed.GET("/reports", requireRole(accounts.RoleOrganizer, accounts.RoleAdmin), s.listConductReports)
	authed.POST("/reports/:id/resolve", requireRole(accounts.RoleOrganizer, accounts.RoleAdmin), s.resolveConductReport)

	admin := authed.Group("/admin")
	admin.GET("/audit", requireRole(accounts.RoleAdmin), s.listAudit)
	admin.DELETE("/users/:id", requireRole(accounts.RoleAdmin), s.deleteUser)
	admin.POST("/users/:id/roles", requireRole(accounts.RoleAdmin), s.grantRole)
	admin.DELETE("/users/:id/roles/:role", requireRole(accounts.RoleAdmin), noBody, s.revokeRole)
	admin.POST("/users/:id/suspend", requireRole(accounts.RoleAdmin), noBody, s.suspendUser)
	admin.POST("/users/:id/unsuspend", requireRole(accounts.RoleAdmin), noBody, s.unsuspendUser)
	admin.POST("/mentors/:id/verify", requireRole(accounts.RoleOrganizer, accounts.RoleAdmin), noBody, s.verifyMentor)
	admin.DELETE("/mentors/:id/verify", requireRole(accounts.RoleOrganizer, accounts.RoleAdmin), noBody, s.unverifyMentor)
	authed.GET("/reports/coverage", requireRole(accounts.RoleOrganizer, accounts.RoleAdmin), s.coverageReport)
	authed.GET("/reports/coverage.csv", requireRole(accounts.RoleOrganizer, accounts.RoleAdmin), s.coverageReportCSV)

	return r
}

// NewUnavailableHandler answers while the database has not been reached yet
// (the API starts before it and keeps trying): /healthz 200, /readyz 503, and
// every other request 503 unavailable at once.
func NewUnavailableHandler(log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{ready: func(context.Context) error { return apperr.ErrUnavailable }}
	r := gin.New()
	r.Use(withRequestID(log, nil), recoverPanics())
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.NoRoute(func(c *gin.Context) { fail(c, apperr.ErrUnavailable) })
	return r
}

// MetricsHandler serves reg in the Prometheus text format.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// healthz godoc
//
//	@Summary		Liveness
//	@Description	200 while the process serves HTTP. It does not touch the database (see /readyz).
//	@ID				healthz
//	@Tags			operations
//	@Produce		json,application/problem+json
//	@Success		200	{object}	StatusResponse
//	@Router			/healthz [get]
func (s *Server) healthz(c *gin.Context) {
	writeJSON(c, http.StatusOK, StatusResponse{Status: "ok"})
}

// readyz godoc
//
//	@Summary		Readiness
//	@Description	200 when the database answers a ping within 2 seconds and the latest write probe (every 5 seconds) succeeded, else 503 with the reason: "database unreachable" or "storage refuses writes: disk full" (or "read-only storage", "disk I/O error", "write error").
//	@ID				readyz
//	@Tags			operations
//	@Produce		json,application/problem+json
//	@Success		200	{object}	StatusResponse
//	@Failure		503	{object}	StatusResponse
//	@Router			/readyz [get]
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		logger(c).WarnContext(ctx, "not ready", "err", err)
		reason := "database unreachable"
		var why interface{ Reason() string }
		if errors.As(err, &why) {
			reason = why.Reason()
		}
		writeJSON(c, http.StatusServiceUnavailable, StatusResponse{Status: "unavailable", Reason: reason})
		return
	}
	writeJSON(c, http.StatusOK, StatusResponse{Status: "ok"})
}

// StatusResponse is the body of the health endpoints.
type StatusResponse struct {
	Status string `json:"status" example:"ok"`
	// Why the service is not ready; only on 503.
	Reason string `json:"reason,omitempty" example:"storage refuses writes: disk full"`
}
