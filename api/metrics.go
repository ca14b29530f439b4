package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kizuna-dev/kizuna/api/httpapi"
	"github.com/kizuna-dev/kizuna/internal/profiles"
	"github.com/kizuna-dev/kizuna/internal/search"
)

// registerIndexMetrics exposes the size of the mentor index and how far it
// may lag the database. On the embedded server this process is the only
// writer and every write reaches the index at once, so it never lags; on
// MongoDB it misses other instances' writes until its next sync.
func registerIndexMetrics(reg prometheus.Registerer, index *search.Index, prof *profiles.Service, embedded bool, now func() time.Time) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kizuna_match_index_mentors",
			Help: "Mentors in the in-memory index that matching and search read.",
		}, func() float64 { return float64(index.Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kizuna_match_index_refresh_lag_seconds",
			Help: "Seconds since the mentor index last caught up with the database (0 on the embedded server, whose only writer is this process).",
		}, func() float64 {
			if embedded {
				return 0
			}
			return now().Sub(prof.IndexSyncedAt()).Seconds()
		}),
	)
}

// metricsServer serves GET /metrics alone on its own listener, so that the
// public port does not expose it (KIZUNA_METRICS_ADDR).
type metricsServer struct {
	srv  *http.Server
	addr string
}

// listenMetrics starts the metrics listener on addr.
func listenMetrics(addr string, reg *prometheus.Registry, log *slog.Logger) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", httpapi.MetricsHandler(reg))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return &metricsServer{srv: srv, addr: ln.Addr().String()}, nil
}

// shutdown stops the metrics listener; nil (no listener) is a no-op.
func (m *metricsServer) shutdown(ctx context.Context) error {
	if m == nil {
		return nil
	}
	return m.srv.Shutdown(ctx)
}
