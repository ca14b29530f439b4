package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// writeProbeEvery is how often the storage is asked to take a write, so
// /readyz turns 503 within that time of writes failing and 200 again within
// that time of their recovery.
const writeProbeEvery = 5 * time.Second

// probeWrites runs one write probe and logs when writability changes (a full
// disk logs once, not every five seconds).
func (a *app) probeWrites(ctx context.Context) error {
	err := a.db.ProbeWrites(ctx, a.clock.Now())
	if ctx.Err() != nil {
		return nil
	}
	failing := err != nil
	if a.writesFailing.Swap(failing) == failing {
		return nil
	}
	if failing {
		a.log.ErrorContext(ctx, "storage refuses writes; /readyz answers 503 until it recovers",
			"cause", mongodb.WriteFailureCause(err), "err", err)
	} else {
		a.log.InfoContext(ctx, "storage takes writes again; ready")
	}
	return nil
}

// backupMetrics describe the scheduled backups.
type backupMetrics struct {
	runs     *prometheus.CounterVec
	bytes    prometheus.Gauge
	duration prometheus.Gauge
}

func newBackupMetrics(reg prometheus.Registerer) *backupMetrics {
	m := &backupMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kizuna_backups_total", Help: "Scheduled backups of the embedded database, by result (ok, error).",
		}, []string{"result"}),
		bytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kizuna_backup_last_bytes", Help: "Size of the latest successful backup.",
		}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kizuna_backup_last_duration_seconds", Help: "How long the latest successful backup took.",
		}),
	}
	reg.MustRegister(m.runs, m.bytes, m.duration)
	return m
}

// backupPrefix names scheduled backups; their UTC time follows, so names
// sort by age.
const backupPrefix = "kizuna-"

// backup writes a scheduled backup into cfg.BackupDir and removes the oldest
// beyond cfg.BackupKeep. One process holds the data directory, so no lease
// is needed.
func (a *app) backup(ctx context.Context) error {
	name := backupPrefix + a.clock.Now().UTC().Format("20060102T150405Z") + ".sqlite"
	info, err := mongodb.Backup(ctx, a.cfg.DataDir, a.cfg.Database, filepath.Join(a.cfg.BackupDir, name))
	if err != nil {
		a.backups.runs.WithLabelValues("error").Inc()
		return err
	}
	a.backups.runs.WithLabelValues("ok").Inc()
	a.backups.bytes.Set(float64(info.Bytes))
	a.backups.duration.Set(info.Took.Seconds())
	a.log.InfoContext(ctx, "backup written", "file", info.File, "bytes", info.Bytes, "took", info.Took.String())
	entries, err := os.ReadDir(a.cfg.BackupDir)
	if err != nil {
		return err
	}
	var kept []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, ".sqlite") {
			kept = append(kept, n)
		}
	}
	slices.Sort(kept)
	for len(kept) > a.cfg.BackupKeep {
		if err := os.Remove(filepath.Join(a.cfg.BackupDir, kept[0])); err != nil {
			return err
		}
		a.log.InfoContext(ctx, "old backup removed", "file", kept[0])
		kept = kept[1:]
	}
	return nil
}
