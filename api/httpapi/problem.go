package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// Problem is an RFC 9457 problem details object, the body of every error.
type Problem struct {
	// A URI reference naming the problem type; stable per code.
	Type string `json:"type" example:"urn:kizuna:problem:validation_failed"`
	// Short summary of the problem type.
	Title string `json:"title" example:"Bad Request"`
	// HTTP status code.
	Status int `json:"status" example:"400"`
	// What went wrong, for people.
	Detail string `json:"detail" example:"the request has invalid fields"`
	// Stable machine-readable code.
	Code string `json:"code" example:"validation_failed"`
	// The request path.
	Instance string `json:"instance,omitempty" example:"/v1/auth/register"`
	// The request id, also in the X-Request-ID header; quote it when reporting a problem.
	RequestID string `json:"requestId,omitempty" example:"3f1c9a0e8b7d4e21"`
	// One entry per invalid field (validation_failed, unknown_field).
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError names one invalid field.
type FieldError struct {
	Field   string `json:"field" example:"email"`
	Message string `json:"message" example:"must be a valid e-mail address"`
}

const problemContentType = "application/problem+json"

// statusOf is the one place where an error kind becomes an HTTP status.
func statusOf(k apperr.Kind) int {
	switch k {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.PreconditionFailed:
		return http.StatusPreconditionFailed
	case apperr.Unprocessable:
		return http.StatusUnprocessableEntity
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// fail writes err as a problem and aborts the request. Unclassified errors are
// logged with the request id and shown only as "internal error".
func fail(c *gin.Context, err error) {
	e, ok := apperr.As(err)
	var storage *apperr.Error
	var cause string
	if !ok {
		storage, cause = classify(c, err)
	}
	switch {
	case storage != nil && storage.Code == apperr.ErrStorageUnavailable.Code:
		// The storage refused a write: "disk full" in the log tells the
		// operator what to do; the client may retry once it is fixed.
		logger(c).ErrorContext(c.Request.Context(), cause, "err", err)
		e = storage
	case storage != nil:
		// An outage, not a bug: the client may retry.
		logger(c).WarnContext(c.Request.Context(), cause, "err", err)
		e = storage
	case !ok:
		logger(c).ErrorContext(c.Request.Context(), "internal error", "err", err)
		e = apperr.New(apperr.Internal, "internal", "internal error")
	case e.Kind == apperr.Internal:
		logger(c).ErrorContext(c.Request.Context(), "internal error", "err", err)
	}
	writeProblem(c, statusOf(e.Kind), e)
}

// writeProblem writes e as a problem with status and aborts the request.
func writeProblem(c *gin.Context, status int, e *apperr.Error) {
	p := Problem{
		Type:      "urn:kizuna:problem:" + e.Code,
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    e.Message,
		Code:      e.Code,
		Instance:  c.Request.URL.Path,
		RequestID: requestID(c),
	}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, FieldError{Field: f.Field, Message: f.Message})
	}
	switch {
	case status == http.StatusUnauthorized:
		c.Header("WWW-Authenticate", `Bearer realm="kizuna"`)
	case e.Code == apperr.ErrStorageUnavailable.Code:
		c.Header("Retry-After", "60")
	case status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "":
		c.Header("Retry-After", "5")
	}
	c.Abort()
	writeJSONAs(c, status, problemContentType, p)
}

// failIf writes a problem when err is not nil and reports whether it did.
func failIf(c *gin.Context, err error) bool {
	if err != nil {
		fail(c, err)
		return true
	}
	return false
}

// ErrorClassifier maps an error of the storage to the problem a client gets
// (an outage, a refused write) and what to log, or nil for other errors.
type ErrorClassifier func(error) (*apperr.Error, string)

// classify applies the request's classifier (see Deps.ClassifyError).
func classify(c *gin.Context, err error) (*apperr.Error, string) {
	if f, ok := c.Get(ctxClassify); ok && f.(ErrorClassifier) != nil {
		return f.(ErrorClassifier)(err)
	}
	return nil, ""
}

func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

// Errors raised by the HTTP layer itself.
var (
	errRouteNotFound = apperr.New(apperr.NotFound, "route_not_found", "no such endpoint; see /swagger/index.html")
	// errMethodNotAllowed is answered with 405 and Allow (set by the router).
	errMethodNotAllowed = apperr.New(apperr.Invalid, "method_not_allowed", "this endpoint does not take that method; the Allow header lists the ones it takes")
	// Problems of a request's form rather than its meaning: the HTTP layer
	// answers them itself, with their own status (see failTransport).
	errBodyTooLarge = transportError{http.StatusRequestEntityTooLarge, apperr.New(apperr.Invalid, "body_too_large", "the request body is larger than 1 MiB")}
	errNotJSON      = transportError{http.StatusUnsupportedMediaType, apperr.New(apperr.Invalid, "unsupported_media_type", "send the body as application/json")}
)

// transportError is a problem no domain raises (a body too large, in the
// wrong format, too many requests), with the status it is answered with.
type transportError struct {
	status int
	*apperr.Error
}

// failTransport writes a transport problem and aborts the request.
func failTransport(c *gin.Context, e transportError) { writeProblem(c, e.status, e.Error) }

// isMaxBytes reports whether err comes from http.MaxBytesReader.
func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
