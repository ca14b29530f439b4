package httpapi

import "context"

// WriteBatcher gathers what a response writes to the client connection into
// one write. net/http sends a body larger than its 4 KiB connection buffer
// in two (the full buffer, then the rest), each a system call and a TCP
// segment that wakes the client: on a 2-core server as much CPU as all of
// /healthz's work. The server's listener hands each connection's batcher to
// handlers through the request's context (WithWriteBatcher).
type WriteBatcher interface {
	// Hold keeps the connection's writes from now on.
	Hold()
	// Release sends what was kept in one write and stops keeping.
	Release() error
}

type batcherKey struct{}

// WithWriteBatcher returns ctx carrying b: for http.Server.ConnContext.
func WithWriteBatcher(ctx context.Context, b WriteBatcher) context.Context {
	return context.WithValue(ctx, batcherKey{}, b)
}

// writeBatcher is the connection's batcher, if the server gave one.
func writeBatcher(ctx context.Context) (WriteBatcher, bool) {
	b, ok := ctx.Value(batcherKey{}).(WriteBatcher)
	return b, ok
}
