package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// errOriginNotAllowed answers a refused CORS preflight: a 404 or an empty
// 403 there looks like a wrong URL to the developer of a web app.
var errOriginNotAllowed = apperr.New(apperr.Forbidden, "origin_not_allowed",
	"this origin may not call the API from a browser; add it to KIZUNA_CORS_ORIGINS (comma-separated, e.g. https://app.example.jp)")

// corsPolicy decides which browser origins may call the API: the configured
// ones, and with LocalOrigins any http://localhost or http://127.0.0.1 port
// (the embedded default, where the API runs on a developer's machine).
type corsPolicy struct {
	origins []string
	local   bool
}

func (p corsPolicy) allows(origin string) bool {
	if slices.Contains(p.origins, origin) {
		return true
	}
	if !p.local {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "http" || u.Path != "" || u.User != nil {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || h == "127.0.0.1" || h == "[::1]" || h == "::1"
}

// withCORS answers preflights and adds CORS headers for allowed origins. A
// preflight from any other origin gets 403 origin_not_allowed; other
// requests from it are served without CORS headers (the browser then keeps
// the answer from the page, and non-browser clients are unaffected).
func withCORS(p corsPolicy) gin.HandlerFunc {
	allowed := cors.New(cors.Config{
		AllowOriginFunc:  p.allows,
		AllowMethods:     []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"},
		AllowHeaders:     []string{"Authorization", "Content-Type", "If-Match", "If-None-Match", headerRequestID, headerIdempotencyKey},
		ExposeHeaders:    []string{"ETag", "Location", "Retry-After", headerRequestID, headerReplayed},
		AllowCredentials: false, // bearer tokens, no cookies
		MaxAge:           12 * time.Hour,
	})
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		if origin == "" || origin == "http://"+c.Request.Host || origin == "https://"+c.Request.Host {
			return // not cross-origin
		}
		if p.allows(origin) {
			allowed(c)
			return
		}
		if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
			fail(c, errOriginNotAllowed)
		}
	}
}
