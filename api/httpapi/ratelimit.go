package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// Default rates per minute (see Deps; the configuration's defaults are
// these); bursts are half of each, at least 1.
const (
	DefaultAuthPerMinute      = 20
	DefaultAuthEmailPerMinute = 10
	DefaultPasswordPerMinute  = 6
	DefaultWritePerMinute     = 120
)

// keyedLimiter is a token bucket per key (a client address, an e-mail, a
// user). Per instance: behind a load balancer each instance allows its share.
type keyedLimiter struct {
	perMinute float64
	burst     int
	message   string           // the detail of the 429 problem
	now       func() time.Time // the app's clock (tests hold it still)
	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	swept     time.Time
}

// newKeyedLimiter allows perMinute (default def when 0) in bursts of burst
// (half the rate when 0, at least 1).
func newKeyedLimiter(now func() time.Time, perMinute float64, burst int, def float64, message string) *keyedLimiter {
	if perMinute <= 0 {
		perMinute = def
	}
	if burst <= 0 {
		burst = max(int(perMinute/2), 1)
	}
	if now == nil {
		now = time.Now
	}
	return &keyedLimiter{perMinute: perMinute, burst: burst, message: message, now: now, buckets: map[string]*rate.Limiter{}}
}

// idleAfter is how long an unused bucket is kept.
const idleAfter = 10 * time.Minute

func (l *keyedLimiter) limiter(key string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > idleAfter {
		// A full bucket is the same as a new one: drop those.
		for k, lim := range l.buckets {
			if lim.TokensAt(now) >= float64(l.burst) {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	lim := l.buckets[key]
	if lim == nil {
		lim = rate.NewLimiter(rate.Limit(l.perMinute/60), l.burst)
		l.buckets[key] = lim
	}
	return lim
}

// allow takes one token for key; when there is none it writes 429
// rate_limited with Retry-After and returns false.
func (l *keyedLimiter) allow(c *gin.Context, key string) bool {
	now := l.now()
	r := l.limiter(key, now).ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(delay.Seconds()))))
		failTransport(c, transportError{http.StatusTooManyRequests, apperr.New(apperr.Invalid, "rate_limited", l.message)})
		return false
	}
	return true
}

// byAddress limits by client address: for the endpoints that take passwords
// and refresh tokens, where argon2 makes each guess slow and this bounds how
// many a client may make.
func (l *keyedLimiter) byAddress(c *gin.Context) {
	if l.allow(c, clientAddress(c)) {
		c.Next()
	}
}

// byUser limits the authenticated caller (only behind authenticate).
func (l *keyedLimiter) byUser(c *gin.Context) {
	if l.allow(c, principal(c).UserID.Hex()) {
		c.Next()
	}
}

// writesByUser limits the caller's writes; reads pass.
func (l *keyedLimiter) writesByUser(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		l.byUser(c)
	default:
		c.Next()
	}
}

// emailLimits bound sign-in and sign-up attempts on one account. Per
// account and client address at the configured rate, so wrong passwords from
// one address cannot lock the owner out from theirs; and per account from
// all addresses together at accountFactor times that (a botnet guessing one
// person's password). Variants of an e-mail count as the one account. A
// sign-in from an address the account signed in from before (remembered,
// hashed, by accounts) skips the all-addresses limit: strangers failing
// from elsewhere, however many, never lock the owner out of their usual
// places.
type emailLimits struct {
	perAddress, all *keyedLimiter
}

// accountFactor: how many addresses' worth of attempts one account takes.
const accountFactor = 10

func newEmailLimits(now func() time.Time, perMinute float64) emailLimits {
	if perMinute <= 0 {
		perMinute = DefaultAuthEmailPerMinute
	}
	msg := "too many attempts for this e-mail address; wait a little and try again"
	return emailLimits{
		perAddress: newKeyedLimiter(now, perMinute, 0, 0, msg),
		all:        newKeyedLimiter(now, perMinute*accountFactor, 0, 0, msg),
	}
}

func (l emailLimits) allow(c *gin.Context, email string, knownAddress bool) bool {
	account := accounts.NormalizeEmail(email)
	return l.perAddress.allow(c, account+" "+clientAddress(c)) && (knownAddress || l.all.allow(c, account))
}
