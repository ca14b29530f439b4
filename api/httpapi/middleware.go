package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/logctx"
)

// Gin context keys.
const (
	ctxLogger    = "kizuna.logger"
	ctxClassify  = "kizuna.classify"
	ctxRequestID = "kizuna.requestID"
	ctxPrincipal = "kizuna.principal"
)

const headerRequestID = "X-Request-ID"

// withRequestID takes the caller's X-Request-ID when it is a sane token (so a
// front end can follow one action through the logs) or makes one, echoes it,
// and puts it in the request's context, where the logger (see logctx) adds it
// to every line logged while serving the request, by this layer or a domain
// package. gin-contrib/requestid is not used: it accepts any header value
// unchecked (log injection, unbounded size).
func withRequestID(base *slog.Logger, classify ErrorClassifier) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(headerRequestID)
		if !validRequestID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(ctxRequestID, id)
		c.Set(ctxLogger, base)
		c.Set(ctxClassify, classify)
		c.Request = c.Request.WithContext(logctx.WithRequestID(c.Request.Context(), id))
		c.Header(headerRequestID, id)
		c.Next()
	}
}

func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func requestID(c *gin.Context) string {
	return c.GetString(ctxRequestID)
}

// httpMetrics are the Prometheus series of the HTTP layer.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kizuna_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kizuna_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern, method and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kizuna_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight)
	return m
}

// observe logs one line per request and records its metrics. Only the method,
// the route pattern and the status are logged: never bodies, query strings or
// headers, which may carry passwords and tokens.
func observe(m *httpMetrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		start := time.Now()
		c.Next()
		elapsed := time.Since(start)
		// Label values stay bounded: the route pattern, not the path, and
		// only the methods the API knows (a client may send any token).
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		method := metricMethod(c.Request.Method)
		status := c.Writer.Status()
		code := strconv.Itoa(status)
		m.requests.WithLabelValues(method, route, code).Inc()
		m.duration.WithLabelValues(method, route, code).Observe(elapsed.Seconds())
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		logger(c).Log(c.Request.Context(), level, "request",
			"method", method, "route", route, "status", status,
			"durationMs", float64(elapsed.Microseconds())/1000, "bytes", c.Writer.Size())
	}
}

// metricMethod is m when the API serves it, else "other".
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// recoverPanics turns a panic into a logged 500 problem.
func recoverPanics() gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, err any) {
		logger(c).ErrorContext(c.Request.Context(), "panic", "panic", err)
		fail(c, apperr.New(apperr.Internal, "internal", "internal error"))
	})
}

// limitBody caps every request body at maxBodyBytes; a declared length over
// the cap is refused before reading.
func limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > maxBodyBytes {
			failTransport(c, errBodyTooLarge)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes)
		c.Next()
	}
}

// authenticate requires a valid bearer access token and stores the caller.
func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		fail(c, apperr.ErrUnauthenticated)
		return
	}
	p, err := s.accounts.Authenticate(c.Request.Context(), strings.TrimSpace(token))
	if failIf(c, err) {
		return
	}
	c.Set(ctxPrincipal, p)
	if s.onActivity != nil {
		s.onActivity(c.Request.Context(), p.UserID)
	}
	c.Next()
}

// principal returns the authenticated caller; only for routes behind authenticate.
func principal(c *gin.Context) accounts.Principal {
	return c.MustGet(ctxPrincipal).(accounts.Principal)
}

// requireRole lets the request through only when the caller holds one of roles.
func requireRole(roles ...accounts.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := principal(c)
		for _, r := range roles {
			if p.Has(r) {
				c.Next()
				return
			}
		}
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		fail(c, apperr.New(apperr.Forbidden, "forbidden", "this needs the role "+strings.Join(names, " or ")))
	}
}
