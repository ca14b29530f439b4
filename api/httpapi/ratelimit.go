package httpapi

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// clientLimiter is a token bucket per client address, for the endpoints that
// take passwords and refresh tokens: argon2 makes each guess slow, this bounds
// how many a client may make. Per instance: behind a load balancer each
// instance allows its share.
type clientLimiter struct {
	perMinute float64
	burst     int
	mu        sync.Mutex
	clients   map[string]*rate.Limiter
	swept     time.Time
}

func newClientLimiter(perMinute float64, burst int) *clientLimiter {
	return &clientLimiter{perMinute: perMinute, burst: burst, clients: map[string]*rate.Limiter{}}
}

// idleAfter is how long an unused client's bucket is kept.
const idleAfter = 10 * time.Minute

func (l *clientLimiter) limiter(key string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > idleAfter {
		// A full bucket is the same as a new one: drop those.
		for k, lim := range l.clients {
			if lim.TokensAt(now) >= float64(l.burst) {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	lim := l.clients[key]
	if lim == nil {
		lim = rate.NewLimiter(rate.Limit(l.perMinute/60), l.burst)
		l.clients[key] = lim
	}
	return lim
}

// middleware refuses a client over its rate with 429 rate_limited and a
// Retry-After header.
func (l *clientLimiter) middleware(c *gin.Context) {
	host := clientAddress(c)
	now := time.Now()
	r := l.limiter(host, now).ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(delay.Seconds()))))
		fail(c, apperr.New(apperr.RateLimited, "rate_limited", "too many attempts from your address; wait a little and try again"))
		return
	}
	c.Next()
}
