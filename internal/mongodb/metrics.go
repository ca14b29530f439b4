package mongodb

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
)

// maxCollectionLabels bounds the collection label: the program uses a fixed
// set of collections, so more distinct names than this means something else
// (a test's or a tool's) and is counted as "other".
const maxCollectionLabels = 64

// commandMetrics times every command the driver sends, by collection and
// command name, through the driver's command monitor.
type commandMetrics struct {
	duration *prometheus.HistogramVec
	failures *prometheus.CounterVec

	mu          sync.Mutex
	inFlight    map[int64]commandLabels // by driver request id, from start to finish
	collections map[string]bool         // collection label values handed out
}

type commandLabels struct{ collection, operation string }

func newCommandMetrics(reg prometheus.Registerer) *commandMetrics {
	m := &commandMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kizuna_db_command_duration_seconds",
			Help:    "Database command latency by collection and operation (command name), as the driver sees it.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"collection", "operation"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kizuna_db_command_failures_total",
			Help: "Database commands that failed (not write errors such as duplicate keys, which arbitrate races), by collection and operation.",
		}, []string{"collection", "operation"}),
		inFlight:    make(map[int64]commandLabels),
		collections: make(map[string]bool),
	}
	m.duration = registerOnce(reg, m.duration)
	m.failures = registerOnce(reg, m.failures)
	return m
}

// registerOnce registers c, or returns the collector registered before it
// (Open may be called again with the same registry, after a failed start).
func registerOnce[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		return already.ExistingCollector.(C)
	}
	if err != nil {
		panic(err) // a programming error: two series of one name with other labels
	}
	return c
}

// monitor returns the driver hooks that feed m.
func (m *commandMetrics) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			l := m.labels(e.CommandName, e.Command)
			m.mu.Lock()
			m.inFlight[e.RequestID] = l
			m.mu.Unlock()
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			l := m.finish(e.RequestID)
			m.duration.WithLabelValues(l.collection, l.operation).Observe(e.Duration.Seconds())
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			l := m.finish(e.RequestID)
			m.duration.WithLabelValues(l.collection, l.operation).Observe(e.Duration.Seconds())
			m.failures.WithLabelValues(l.collection, l.operation).Inc()
		},
	}
}

func (m *commandMetrics) finish(requestID int64) commandLabels {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.inFlight[requestID]
	if !ok {
		return commandLabels{collection: "none", operation: "other"}
	}
	delete(m.inFlight, requestID)
	return l
}

// labels names a command's collection and operation. A collection command
// names its collection as the value of its first element (getMore in its
// "collection" field); database commands (ping, hello) have none.
func (m *commandMetrics) labels(name string, cmd bson.Raw) commandLabels {
	known, namesCollection := operation(name)
	if !known {
		return commandLabels{collection: "none", operation: "other"}
	}
	key := name
	if name == "getMore" {
		key = "collection"
	}
	coll, isString := cmd.Lookup(key).StringValueOK()
	if !namesCollection || !isString || coll == "" {
		return commandLabels{collection: "none", operation: name}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.collections[coll] {
		if len(m.collections) >= maxCollectionLabels {
			return commandLabels{collection: "other", operation: name}
		}
		m.collections[coll] = true
	}
	return commandLabels{collection: coll, operation: name}
}

// operation says whether a command name is kept as an operation label, and
// whether the command names a collection. Other commands are counted as
// "other", so label values stay bounded.
func operation(name string) (known, namesCollection bool) {
	switch name {
	case "find", "getMore", "insert", "update", "delete", "findAndModify", "aggregate",
		"count", "distinct", "createIndexes", "listIndexes", "dropIndexes", "drop", "killCursors":
		return true, true
	case "ping", "hello", "isMaster", "endSessions", "listCollections", "dropDatabase", "buildInfo":
		return true, false
	}
	return false, false
}

// readMetrics counts the reads the embedded read path answers, by collection
// and plan ("index", "scan" or "count"), and the ones it leaves to the server
// ("fallback"), which read the whole collection there.
type readMetrics struct {
	duration *prometheus.HistogramVec
	labels   collectionLabels
}

func newReadMetrics(reg prometheus.Registerer) *readMetrics {
	m := &readMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kizuna_db_read_duration_seconds",
			Help:    "Reads answered from the embedded server's files (plan index, scan or count) and reads left to the server (plan fallback, counted with no duration), by collection.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"collection", "plan"}),
	}
	if reg != nil {
		m.duration = registerOnce(reg, m.duration)
	}
	return m
}

func (m *readMetrics) observe(coll, plan string, d time.Duration) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues(m.labels.of(coll), plan).Observe(d.Seconds())
}

// fallback counts a read the server answers (op says which; the label is
// "fallback" for all).
func (m *readMetrics) fallback(coll, _ string) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues(m.labels.of(coll), "fallback").Observe(0)
}

// collectionLabels bounds the collection label values (see maxCollectionLabels).
type collectionLabels struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (l *collectionLabels) of(coll string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = make(map[string]bool)
	}
	if !l.seen[coll] {
		if len(l.seen) >= maxCollectionLabels {
			return "other"
		}
		l.seen[coll] = true
	}
	return coll
}
