package logctx_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/internal/logctx"
)

func TestRequestIDOnEveryLineOnce(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slog.NewJSONHandler(&buf, nil))
	// Wrapped twice (the program and the HTTP layer both wrap) and derived.
	log := logctx.Logger(logctx.Logger(base)).With("component", "test")
	ctx := logctx.WithRequestID(context.Background(), "req-1")

	log.InfoContext(ctx, "with id")
	log.InfoContext(context.Background(), "without id")
	log.Info("no context")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	if n := strings.Count(lines[0], `"requestId":"req-1"`); n != 1 || !strings.Contains(lines[0], `"component":"test"`) {
		t.Errorf("line with a request context carries the id %d times: %s", n, lines[0])
	}
	for _, l := range lines[1:] {
		if strings.Contains(l, "requestId") {
			t.Errorf("line without a request id has one: %s", l)
		}
	}
	if got := logctx.RequestID(ctx); got != "req-1" {
		t.Errorf("RequestID = %q", got)
	}
}
