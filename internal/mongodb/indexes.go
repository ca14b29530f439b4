package mongodb

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// IndexSpec declares an index of a collection. Declared indexes serve both
// servers: MongoDB uses them as usual, and on the embedded server the read
// path (fastread.go) answers a query through the first keys of an index the
// query's equality conditions cover.
type IndexSpec struct {
	keys   []indexKey
	unique bool
	name   string
	arrays bool
	// Keys whose stored text sorts as their values do in every document
	// (see Times and Flags): the read path ranges and sorts on them in
	// SQLite without checking the candidates first.
	textOrdered map[string]bool
}

type indexKey struct {
	path  string
	parts []string
	desc  bool
}

// Index is an index on keys, ascending; "-field" is descending.
func Index(keys ...string) IndexSpec {
	s := IndexSpec{keys: make([]indexKey, len(keys))}
	for i, k := range keys {
		desc := strings.HasPrefix(k, "-")
		k = strings.TrimPrefix(k, "-")
		s.keys[i] = indexKey{path: k, parts: strings.Split(k, "."), desc: desc}
	}
	return s
}

// UniqueIndex is a unique index on keys. Give every document all the keys:
// the embedded server treats a missing field as a distinct NULL, MongoDB as
// one shared null.
func UniqueIndex(keys ...string) IndexSpec {
	s := Index(keys...)
	s.unique = true
	return s
}

// Named gives the index a name of its own (otherwise the server derives one
// from the keys; an existing index keeps the name it was created with).
func (s IndexSpec) Named(name string) IndexSpec {
	s.name = name
	return s
}

// OnArrays marks an index whose keys hold arrays in some documents (a
// multikey index on MongoDB). The embedded server indexes such a field's
// whole array, not its elements, so the read path must not use it.
func (s IndexSpec) OnArrays() IndexSpec {
	s.arrays = true
	return s
}

// Times declares keys that hold, in every document, a time between 2001 and
// 2286 (the server's clock, or input validated to be near it): their stored
// form, thirteen digits of epoch milliseconds, sorts as the times do, so the
// embedded read path ranges and sorts on them in SQLite without first
// checking every candidate's value (which costs a read of each).
func (s IndexSpec) Times(keys ...string) IndexSpec { return s.ordered(keys) }

// Flags declares keys that hold, in every document, an integer from 0 to 9
// (such as a pinned flag), whose one digit sorts as text as it does as a
// number; see Times.
func (s IndexSpec) Flags(keys ...string) IndexSpec { return s.ordered(keys) }

func (s IndexSpec) ordered(keys []string) IndexSpec {
	m := make(map[string]bool, len(s.textOrdered)+len(keys))
	for k := range s.textOrdered {
		m[k] = true
	}
	for _, k := range keys {
		m[k] = true
	}
	s.textOrdered = m
	return s
}

func (s IndexSpec) model() mongo.IndexModel {
	keys := bson.D{}
	for _, k := range s.keys {
		dir := 1
		if k.desc {
			dir = -1
		}
		keys = append(keys, bson.E{Key: k.path, Value: dir})
	}
	m := mongo.IndexModel{Keys: keys}
	if s.unique || s.name != "" {
		o := options.Index()
		if s.unique {
			o.SetUnique(true)
		}
		if s.name != "" {
			o.SetName(s.name)
		}
		m.Options = o
	}
	return m
}

// EnsureIndexes creates the indexes idempotently (creating an existing index
// with the same options is a no-op on both servers) and, on the embedded
// server, tells the read path about them. One createIndexes command per
// index: FerretDB v1.24 panics when a single command names several indexes
// that already exist, which is every restart.
func (c *Collection) EnsureIndexes(ctx context.Context, specs ...IndexSpec) error {
	for _, s := range specs {
		if _, err := c.Indexes().CreateOne(ctx, s.model()); err != nil {
			return fmt.Errorf("mongodb: indexes of %s: %w", c.Name(), err)
		}
	}
	if r := c.db.reader; r != nil {
		r.declare(c.Name(), specs)
		if err := r.ensureIDPathIndex(ctx, c.Name()); err != nil {
			return err
		}
	}
	return nil
}

// indexRegistry is what the read path knows of each collection's indexes:
// the ones declared through EnsureIndexes in this process, and _id's.
type indexRegistry struct {
	mu sync.RWMutex
	m  map[string][]IndexSpec
}

var idIndex = UniqueIndex("_id")

func (r *indexRegistry) declare(coll string, specs []IndexSpec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[string][]IndexSpec)
	}
	have := r.m[coll]
	if have == nil {
		have = []IndexSpec{idIndex}
	}
next:
	for _, s := range specs {
		for _, h := range have {
			if sameKeys(h, s) {
				continue next
			}
		}
		have = append(have, s)
	}
	r.m[coll] = have
}

func (r *indexRegistry) of(coll string) []IndexSpec {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if s, ok := r.m[coll]; ok {
		return s
	}
	return []IndexSpec{idIndex}
}

func sameKeys(a, b IndexSpec) bool {
	if len(a.keys) != len(b.keys) {
		return false
	}
	for i := range a.keys {
		if a.keys[i].path != b.keys[i].path || a.keys[i].desc != b.keys[i].desc {
			return false
		}
	}
	return true
}

// DeclaredIndexes lists the indexes declared for a collection through
// EnsureIndexes in this process, each as its keys ("-field" descending),
// _id's first. Empty on MongoDB, where the read path does not run.
func (d *DB) DeclaredIndexes(coll string) [][]string {
	if d.reader == nil {
		return nil
	}
	var out [][]string
	for _, s := range d.reader.indexes.of(coll) {
		keys := make([]string, len(s.keys))
		for i, k := range s.keys {
			keys[i] = k.path
			if k.desc {
				keys[i] = "-" + k.path
			}
		}
		out = append(out, keys)
	}
	return out
}
