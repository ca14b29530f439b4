// Package mongodb connects Kizuna to its database: a MongoDB deployment named by
// a URI, or, by default, an embedded MongoDB-compatible server (FerretDB with its
// SQLite backend) started in-process. It also holds what every domain package
// shares: collections (Collection), declared indexes (IndexSpec), error
// mapping and per-document write serialization.
//
// Rules for the data layer, because the embedded server does not isolate
// concurrent updates of one document (two updates can both read the old
// document and the last write wins):
//
//   - Invariants are arbitrated by inserts under a unique index, which both
//     servers enforce atomically.
//   - Every update or delete of an existing document runs under Lock for that
//     document, so this process never races itself; on MongoDB, where several
//     API instances may run, the update's filter (a version or a status) makes
//     it a conditional, atomic single-document update as well.
//   - No transactions, TTL indexes, geo or $text queries, partial indexes or
//     change streams: the embedded server lacks them.
//
// # Reads on the embedded server
//
// FerretDB v1.24 answers every query by decoding the whole collection in Go
// (about 40 µs a document): it pushes down nothing but a lone _id equality,
// and even that is written with another expression than its own _id index, so
// SQLite scans. A user's inbox page cost 1.5 s among 10,000 notifications and
// 10 s among 100,000 (BenchmarkInboxPage). Three ways out were weighed:
//
//   - in-memory read models of the per-user collections: memory and start-up
//     grow with everyone's data (a million documents at 25 times the demo
//     community), they hold only while this process owns the data, and each
//     collection needs its own upkeep code;
//   - documents reshaped so that a request reads one document by id: the
//     domain changes on both servers, and FerretDB scanned for _id too;
//   - reading FerretDB's SQLite tables directly with the expressions of the
//     indexes Kizuna declares, which the domain never sees.
//
// The third is what Collection does (fastread.go): a find, count or the
// filter of an update or delete is answered from the SQLite file through the
// declared index whose leading keys the query's equalities cover (then a range
// and the order of the next keys, when their stored text sorts as their
// values do), every row is decoded (sjson.go) and checked against the whole
// filter in Go (match.go), and anything it cannot answer exactly goes to the
// server as before. The inbox page costs about 1.5 ms at both sizes. Writes
// still go through the server (its unique indexes arbitrate), one at a time
// in arrival order (writegate.go), and find their document by _id through an
// index on the expression FerretDB uses. A property test (mongotest's
// CheckReadPath) asks the read path and the server the same random queries
// of every declared index's shapes and fails on any difference. On MongoDB,
// Collection is the driver's collection and MongoDB's own indexes serve.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/kizuna-dev/kizuna/internal/apperr"
	pagecursor "github.com/kizuna-dev/kizuna/internal/cursor"
)

// Config says which database to use.
type Config struct {
	URI      string // empty: start the embedded server
	Database string
	DataDir  string // where the embedded server keeps its files
	Logger   *slog.Logger
	// WriteConcern for MongoDB: "majority" (the default) or a number of
	// members, at least 1 (every write is acknowledged). The embedded server
	// acknowledges a write once SQLite has committed it.
	WriteConcern string
	// ServerSelectionTimeout bounds how long an operation waits for a
	// reachable server before failing (default 5 s), so an outage answers
	// 503 quickly instead of hanging requests.
	ServerSelectionTimeout time.Duration
	// Metrics, when set, gets the latency of every database command by
	// collection and operation.
	Metrics prometheus.Registerer
}

// ParseWriteConcern checks a write concern setting: "majority" or a number of
// members of at least 1 ("" is "majority").
func ParseWriteConcern(s string) (*writeconcern.WriteConcern, error) {
	switch s {
	case "", "majority":
		return writeconcern.Majority(), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("write concern %q: want \"majority\" or a number of members of at least 1 (writes must be acknowledged)", s)
	}
	return &writeconcern.WriteConcern{W: n}, nil
}

// DB is an open database with the helpers the domain packages share.
type DB struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded *embeddedServer // nil on MongoDB
	reader   *embeddedReader // the embedded read path; nil on MongoDB
	gate     *writeGate      // one write at a time to the embedded server; nil on MongoDB
	locks    keyedMutex
	probe    writeProbe
}

// Open connects to cfg.URI, or starts the embedded server when it is empty.
// It does not wait for MongoDB to answer (the driver connects in the
// background; see Ping), so the API can start before its database; the
// embedded server is pinged, as it must be up.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Database == "" {
		return nil, errors.New("mongodb: database name is empty")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &DB{locks: newKeyedMutex()}
	uri := cfg.URI
	if uri == "" {
		srv, err := startEmbedded(cfg.DataDir, "127.0.0.1:0", logger)
		if err != nil {
			return nil, err
		}
		d.embedded = srv
		uri = srv.uri
		d.gate = newWriteGate(cfg.Metrics)
		d.reader = newEmbeddedReader(filepath.Join(srv.dir, cfg.Database+".sqlite"), d.gate, newReadMetrics(cfg.Metrics))
	}
	selection := cfg.ServerSelectionTimeout
	if selection <= 0 {
		selection = 5 * time.Second
	}
	opts := options.Client().
		ApplyURI(uri).
		SetAppName("kizuna").
		SetServerSelectionTimeout(selection)
	if d.embedded == nil {
		wc, err := ParseWriteConcern(cfg.WriteConcern)
		if err != nil {
			return nil, fmt.Errorf("mongodb: %w", err)
		}
		opts.SetWriteConcern(wc)
	} else {
		opts.SetDialer(&gatedDialer{gate: d.gate})
	}
	if cfg.Metrics != nil {
		opts.SetMonitor(newCommandMetrics(cfg.Metrics).monitor())
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		d.stopEmbedded()
		return nil, fmt.Errorf("mongodb: connect: %w", err)
	}
	d.client = client
	d.db = client.Database(cfg.Database)
	if d.embedded == nil {
		return d, nil
	}
	if err := d.Ping(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		if damaged := d.Checked(ctx); damaged != nil {
			err = damaged
		}
		d.stopEmbedded()
		return nil, fmt.Errorf("mongodb: ping: %w", err)
	}
	return d, nil
}

// Checked waits for the embedded database's start-up integrity check and
// returns ErrDamaged (with what SQLite found) when it failed; call it before
// serving. On MongoDB it returns nil at once.
func (d *DB) Checked(ctx context.Context) error {
	if d.embedded == nil {
		return nil
	}
	return d.embedded.verdict(ctx)
}

// Close disconnects the driver, then stops the embedded server if there is one.
func (d *DB) Close(ctx context.Context) error {
	err := d.client.Disconnect(ctx)
	if d.reader != nil {
		d.reader.close()
	}
	d.stopEmbedded()
	return err
}

func (d *DB) stopEmbedded() {
	if d.embedded != nil {
		d.embedded.stop()
	}
}

// Embedded reports whether the database is the in-process embedded server.
func (d *DB) Embedded() bool { return d.embedded != nil }

// EmbeddedURI is the loopback URI of the embedded server ("" on MongoDB), so
// a second app instance can share it (tests of several instances use this).
func (d *DB) EmbeddedURI() string {
	if d.embedded == nil {
		return ""
	}
	return d.embedded.uri
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	return d.client.Ping(ctx, nil)
}

// Drop removes the whole database (tests and the demo's reset use it).
func (d *DB) Drop(ctx context.Context) error {
	err := d.db.Drop(ctx)
	if d.reader != nil {
		d.reader.reset() // the server removed the file
	}
	return err
}

// Lock serializes writes to one document within this process: it returns once
// the caller holds the lock for (collection, id) and must call the returned
// function to release it. Hold it around read-check-update sequences and around
// every update of an existing document (see the package comment for why).
func (d *DB) Lock(collection string, id any) (unlock func()) {
	return d.locks.lock(collection + "/" + lockKey(id))
}

func lockKey(id any) string {
	switch v := id.(type) {
	case bson.ObjectID:
		return v.Hex()
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// FindOne decodes the first document matching filter, or answers notFound
// when there is none (other errors are wrapped with the collection's name).
func FindOne[T any](ctx context.Context, coll *Collection, filter bson.D, notFound error) (T, error) {
	var doc T
	err := coll.FindOne(ctx, filter).Decode(&doc)
	if IsNotFound(err) {
		return doc, notFound
	}
	if err != nil {
		return doc, fmt.Errorf("find in %s: %w", coll.Name(), err)
	}
	return doc, nil
}

// FindByID decodes the document with _id id, or answers not_found "no
// <what> with id <id>".
func FindByID[T any](ctx context.Context, coll *Collection, id bson.ObjectID, what string) (T, error) {
	return FindOne[T](ctx, coll, bson.D{{Key: "_id", Value: id}}, apperr.NotFoundf("no %s with id %s", what, id.Hex()))
}

// FindPage returns one page of documents, newest first (by _id, descending),
// after cursor (naming the _id of the last document of the previous page, as
// returned in next; empty for the first page). A malformed cursor is a
// validation_failed error on the field "cursor".
func FindPage[T any](ctx context.Context, coll *Collection, filter bson.D, cursor string, limit int, idOf func(T) bson.ObjectID) (items []T, next string, err error) {
	if cursor != "" {
		var after idKey
		if !pagecursor.Decode(cursor, &after) {
			var v apperr.Validation
			v.Add("cursor", "is not a cursor returned by this endpoint")
			return nil, "", v.Err()
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: after.ID}}})
	}
	cur, err := coll.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit+1)))
	if err != nil {
		return nil, "", fmt.Errorf("find %s: %w", coll.Name(), err)
	}
	if err := cur.All(ctx, &items); err != nil {
		return nil, "", fmt.Errorf("find %s: %w", coll.Name(), err)
	}
	if len(items) > limit {
		items = items[:limit]
		next = pagecursor.Encode(idKey{ID: idOf(items[limit-1])})
	}
	return items, next, nil
}

// idKey is the position of a list sorted by _id.
type idKey struct {
	ID bson.ObjectID `json:"i"`
}

// IsDuplicateKey reports whether err is a unique-index violation (E11000).
func IsDuplicateKey(err error) bool {
	return err != nil && mongo.IsDuplicateKeyError(err)
}

// IsUnavailable reports whether err says the database could not be reached
// (no server selected in time, or the connection failed): a 503, not a bug.
func IsUnavailable(err error) bool {
	return err != nil && (errors.As(err, &topology.ServerSelectionError{}) || mongo.IsNetworkError(err))
}

// IsNotFound reports whether err says that no document matched.
func IsNotFound(err error) bool {
	return errors.Is(err, mongo.ErrNoDocuments)
}
