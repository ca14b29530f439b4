// Package apperr is Kizuna's one vocabulary of error kinds.
//
// Domain packages return *Error values (or wrap them); the HTTP layer maps each
// Kind to a status code in one place. Anything that is not an *Error is an
// internal error: it is logged with the request id and shown to clients only as
// "internal error".
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the client can do about it.
type Kind int

// The kinds, in the order the HTTP layer maps them (see httpapi).
const (
	Internal           Kind = iota // a bug or an outage; never the client's fault
	Invalid                        // the request is malformed or breaks a rule
	Unauthenticated                // no or bad credentials
	Forbidden                      // authenticated, but not allowed
	NotFound                       // no such object (or not visible to the caller)
	Conflict                       // the state of the object forbids the request
	PreconditionFailed             // If-Match did not match the current version
	Unprocessable                  // well-formed, but cannot be processed as sent (a reused idempotency key)
	Unavailable                    // a dependency (the database) is not reachable; retry later
)

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field" example:"email"`
	Message string `json:"message" example:"must be a valid e-mail address"`
}

// Error is a classified error with a stable machine code.
type Error struct {
	Kind    Kind
	Code    string // stable, snake_case, e.g. "email_taken"
	Message string // human readable, safe to show to the client
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Code + ": " + e.Message
	}
	return fmt.Sprintf("%s: %s (%d field errors)", e.Code, e.Message, len(e.Fields))
}

// New returns an error of the given kind.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// KindOf returns the kind of err: Internal unless it wraps an *Error.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// CodeOf returns the stable code of err, "internal" for unclassified errors.
func CodeOf(err error) string {
	if e, ok := As(err); ok {
		return e.Code
	}
	return "internal"
}

// Common errors shared by several packages.
var (
	ErrNotFound        = New(NotFound, "not_found", "the resource does not exist")
	ErrForbidden       = New(Forbidden, "forbidden", "you are not allowed to do this")
	ErrUnauthenticated = New(Unauthenticated, "unauthenticated", "sign in first: send a valid bearer token")
	ErrUnavailable     = New(Unavailable, "unavailable", "the service cannot reach its database right now; retry shortly")
	// ErrStorageUnavailable: the database answers but cannot store (a full
	// disk, read-only or failing storage); the operators are alerted by the
	// log and /readyz.
	ErrStorageUnavailable = New(Unavailable, "storage_unavailable", "the service cannot store data right now; retry in a minute")
	ErrStale              = New(PreconditionFailed, "precondition_failed", "the resource changed since you read it; fetch it again and retry")
)

// NotFoundf returns a not_found error naming what was missing.
func NotFoundf(format string, args ...any) *Error {
	return New(NotFound, "not_found", fmt.Sprintf(format, args...))
}

// Validation collects field errors; its Err is nil when there are none.
type Validation struct {
	fields []FieldError
}

// Add records that field is invalid.
func (v *Validation) Add(field, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Message: message})
}

// Check records message for field when ok is false.
func (v *Validation) Check(ok bool, field, message string) {
	if !ok {
		v.Add(field, message)
	}
}

// Has reports whether field already has an error (to avoid piling up messages).
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns a validation_failed error listing every field, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{
		Kind:    Invalid,
		Code:    "validation_failed",
		Message: "the request has invalid fields",
		Fields:  v.fields,
	}
}
