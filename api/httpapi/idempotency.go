package httpapi

import (
	"bytes"
	"context"
	"io"
	"net"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	"github.com/kizuna-dev/kizuna/internal/idempotency"
)

const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
)

// replayedHeaders are the response headers a replay repeats besides the body.
var replayedHeaders = []string{"Content-Type", "Location", "ETag"}

// idempotent makes a creating POST safe to retry with an Idempotency-Key
// header (see package idempotency): the first request with a key runs, later
// ones within 24 hours get its response with Idempotent-Replayed: true. The
// caller is the signed-in user, or the client address on sign-up. Answers of
// 5xx are not kept, so a retry after a server failure runs again. Without the
// header the request runs as usual.
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader(headerIdempotencyKey)
	if key == "" || s.idempotency == nil {
		c.Next()
		return
	}
	if !idempotency.ValidKey(key) {
		var v apperr.Validation
		v.Add(headerIdempotencyKey, "must be 1 to 255 printable ASCII characters")
		fail(c, v.Err())
		return
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))

	caller := "addr:" + clientAddress(c)
	if _, ok := c.Get(ctxPrincipal); ok {
		caller = "user:" + principal(c).UserID.Hex()
	}
	claim, replay, err := s.idempotency.Begin(c.Request.Context(), caller, key,
		idempotency.Fingerprint(c.Request.Method, c.Request.URL.Path, body))
	if failIf(c, err) {
		return
	}
	if replay != nil {
		for name, v := range replay.Headers {
			c.Header(name, v)
		}
		c.Header(headerReplayed, "true")
		c.Status(replay.Status)
		_, _ = c.Writer.Write(replay.Body)
		c.Abort()
		return
	}

	rec := &recordingWriter{ResponseWriter: c.Writer}
	c.Writer = rec
	// Keep or release the key even when the handler panics or the client
	// has gone: the request's work is done either way.
	ctx := context.WithoutCancel(c.Request.Context())
	completed := false
	defer func() {
		if !completed {
			if err := s.idempotency.Release(ctx, claim); err != nil {
				logger(c).ErrorContext(ctx, "release idempotency key", "err", err)
			}
		}
	}()
	c.Next()
	status := rec.Status()
	if status >= 500 {
		return
	}
	headers := map[string]string{}
	for _, name := range replayedHeaders {
		if v := rec.Header().Get(name); v != "" {
			headers[name] = v
		}
	}
	if err := s.idempotency.Complete(ctx, claim, idempotency.Response{Status: status, Headers: headers, Body: rec.body.Bytes()}); err != nil {
		logger(c).ErrorContext(ctx, "store idempotent response", "err", err)
		return
	}
	completed = true
}

// recordingWriter keeps a copy of the body written through it.
type recordingWriter struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}

// clientAddress is the peer's IP address (no proxy headers are trusted).
func clientAddress(c *gin.Context) string {
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		return c.Request.RemoteAddr
	}
	return host
}
