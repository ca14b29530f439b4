package mongodb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collection is a collection as the domain packages use it: the driver's,
// with the reads and the filtered writes answered by the embedded read path
// when the database is the embedded server (see the package comment). On
// MongoDB every call goes to the driver unchanged. Methods not listed here
// (inserts, indexes...) are the driver's own.
type Collection struct {
	*mongo.Collection
	db *DB
}

// Collection returns a collection of the configured database.
func (d *DB) Collection(name string) *Collection {
	return &Collection{Collection: d.db.Collection(name), db: d}
}

// reader is the embedded read path, or nil where the driver must answer.
func (c *Collection) reader() *embeddedReader {
	return c.db.reader
}

// Find is the driver's Find: filter, sort, limit and projection as usual.
func (c *Collection) Find(ctx context.Context, filter any, opts ...options.Lister[options.FindOptions]) (*mongo.Cursor, error) {
	if r := c.reader(); r != nil {
		var o options.FindOptions
		if applyOptions(&o, opts) == nil {
			if q, err := findQuery(filter, o.Sort, o.Limit, o.Projection, o.Skip, o.Collation, o.Hint, o.Min, o.Max, o.Let, o.ReturnKey, o.ShowRecordID, o.CursorType); err == nil {
				docs, err := r.find(ctx, c.Name(), q)
				if err == nil {
					return cursorOf(docs)
				}
				if !errors.Is(err, errUnsupported) {
					return nil, err
				}
			}
		}
		r.metrics.fallback(c.Name(), "find")
	}
	return c.Collection.Find(ctx, filter, opts...)
}

// Each calls fn with every document matching filter (decoded by the caller
// from the raw document, which is valid only during the call), without
// holding them all in memory: for loading read models at start.
func (c *Collection) Each(ctx context.Context, filter any, fn func(bson.Raw) error, opts ...options.Lister[options.FindOptions]) error {
	if r := c.reader(); r != nil {
		var o options.FindOptions
		if applyOptions(&o, opts) == nil {
			if q, err := findQuery(filter, o.Sort, o.Limit, o.Projection, o.Skip, o.Collation, o.Hint, o.Min, o.Max, o.Let, o.ReturnKey, o.ShowRecordID, o.CursorType); err == nil {
				err := r.each(ctx, c.Name(), q, fn)
				if !errors.Is(err, errUnsupported) {
					return err
				}
			}
		}
		r.metrics.fallback(c.Name(), "find")
	}
	cur, err := c.Collection.Find(ctx, filter, opts...)
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		if err := fn(cur.Current); err != nil {
			return err
		}
	}
	return cur.Err()
}

// FindOne is the driver's FindOne.
func (c *Collection) FindOne(ctx context.Context, filter any, opts ...options.Lister[options.FindOneOptions]) *mongo.SingleResult {
	if r := c.reader(); r != nil {
		var o options.FindOneOptions
		if applyOptions(&o, opts) == nil {
			one := int64(1)
			if q, err := findQuery(filter, o.Sort, &one, o.Projection, o.Skip, o.Collation, o.Hint, o.Min, o.Max, nil, o.ReturnKey, o.ShowRecordID, nil); err == nil {
				docs, err := r.find(ctx, c.Name(), q)
				switch {
				case err == nil && len(docs) == 0:
					return mongo.NewSingleResultFromDocument(bson.D{}, mongo.ErrNoDocuments, nil)
				case err == nil:
					return mongo.NewSingleResultFromDocument(docs[0], nil, nil)
				case !errors.Is(err, errUnsupported):
					return mongo.NewSingleResultFromDocument(bson.D{}, err, nil)
				}
			}
		}
		r.metrics.fallback(c.Name(), "findOne")
	}
	return c.Collection.FindOne(ctx, filter, opts...)
}

// CountDocuments is the driver's CountDocuments.
func (c *Collection) CountDocuments(ctx context.Context, filter any, opts ...options.Lister[options.CountOptions]) (int64, error) {
	if r := c.reader(); r != nil {
		var o options.CountOptions
		if applyOptions(&o, opts) == nil && o.Skip == nil && o.Collation == nil && o.Hint == nil {
			if f, err := parseFilter(filter); err == nil {
				var limit int64
				if o.Limit != nil {
					limit = max(*o.Limit, 0)
				}
				n, err := r.count(ctx, c.Name(), f, limit)
				if !errors.Is(err, errUnsupported) {
					return n, err
				}
			}
		}
		r.metrics.fallback(c.Name(), "count")
	}
	return c.Collection.CountDocuments(ctx, filter, opts...)
}

// UpdateOne is the driver's UpdateOne. On the embedded server, a filter that
// names more than _id is checked against the stored document and the update
// sent by _id alone (which the server finds by index instead of reading the
// whole collection): hold Lock for the document, as every update of an
// existing document must (see the package comment), so nothing changes it
// between the check and the update.
func (c *Collection) UpdateOne(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateOneOptions]) (*mongo.UpdateResult, error) {
	if c.reader() != nil && len(opts) == 0 {
		id, found, err := c.targetID(ctx, filter)
		if err == nil {
			if !found {
				return &mongo.UpdateResult{Acknowledged: true}, nil
			}
			return c.Collection.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
		}
		if !errors.Is(err, errUnsupported) {
			return nil, err
		}
	}
	return c.Collection.UpdateOne(ctx, filter, update, opts...)
}

// FindOneAndUpdate is the driver's FindOneAndUpdate; on the embedded server
// it finds its document as UpdateOne does (hold Lock for it).
func (c *Collection) FindOneAndUpdate(ctx context.Context, filter, update any, opts ...options.Lister[options.FindOneAndUpdateOptions]) *mongo.SingleResult {
	if c.reader() != nil {
		var o options.FindOneAndUpdateOptions
		if applyOptions(&o, opts) == nil && o.Upsert == nil && o.Sort == nil && o.ArrayFilters == nil && o.Collation == nil && o.Hint == nil {
			id, found, err := c.targetID(ctx, filter)
			switch {
			case err == nil && !found:
				return mongo.NewSingleResultFromDocument(bson.D{}, mongo.ErrNoDocuments, nil)
			case err == nil:
				return c.Collection.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, update, opts...)
			case !errors.Is(err, errUnsupported):
				return mongo.NewSingleResultFromDocument(bson.D{}, err, nil)
			}
		}
	}
	return c.Collection.FindOneAndUpdate(ctx, filter, update, opts...)
}

// DeleteOne is the driver's DeleteOne; on the embedded server it finds its
// document as UpdateOne does.
func (c *Collection) DeleteOne(ctx context.Context, filter any, opts ...options.Lister[options.DeleteOneOptions]) (*mongo.DeleteResult, error) {
	if c.reader() != nil && len(opts) == 0 {
		id, found, err := c.targetID(ctx, filter)
		if err == nil {
			if !found {
				return &mongo.DeleteResult{Acknowledged: true}, nil
			}
			return c.Collection.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		}
		if !errors.Is(err, errUnsupported) {
			return nil, err
		}
	}
	return c.Collection.DeleteOne(ctx, filter, opts...)
}

// UpdateMany is the driver's UpdateMany; on the embedded server the
// documents are found by the read path and updated by _id, in batches.
func (c *Collection) UpdateMany(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateManyOptions]) (*mongo.UpdateResult, error) {
	if c.reader() != nil && len(opts) == 0 {
		res := &mongo.UpdateResult{Acknowledged: true}
		err := c.writeByIDs(ctx, filter, func(id any) mongo.WriteModel {
			return mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetUpdate(update)
		}, func(r *mongo.BulkWriteResult) {
			res.MatchedCount += r.MatchedCount
			res.ModifiedCount += r.ModifiedCount
		})
		if !errors.Is(err, errUnsupported) {
			return res, err
		}
	}
	return c.Collection.UpdateMany(ctx, filter, update, opts...)
}

// DeleteMany is the driver's DeleteMany; on the embedded server the
// documents are found by the read path and deleted by _id, in batches, so
// the writer is never held for a whole collection's scan.
func (c *Collection) DeleteMany(ctx context.Context, filter any, opts ...options.Lister[options.DeleteManyOptions]) (*mongo.DeleteResult, error) {
	if c.reader() != nil && len(opts) == 0 {
		res := &mongo.DeleteResult{Acknowledged: true}
		err := c.writeByIDs(ctx, filter, func(id any) mongo.WriteModel {
			return mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: id}})
		}, func(r *mongo.BulkWriteResult) { res.DeletedCount += r.DeletedCount })
		if !errors.Is(err, errUnsupported) {
			return res, err
		}
	}
	return c.Collection.DeleteMany(ctx, filter, opts...)
}

// WriteBatch is the most statements one bulk write command may carry (as
// UpdateMany and DeleteMany send them on the embedded server, and as the
// domain's own bulk writes must). FerretDB v1.24 keeps the read of each
// update statement open until its whole command ends, one of its 100 SQLite
// connections each: a command of about a hundred updates waits forever for
// a connection. And the writer is held for a whole command: a request's
// write waits for at most the few statements of a background job's command
// ahead of it (each statement is its own transaction and sync either way).
const WriteBatch = 5

// writeByIDs finds the documents matching filter through the read path and
// writes model(id) for each, WriteBatch at a time, handing each command's
// result to add; errUnsupported when the read path cannot find them.
func (c *Collection) writeByIDs(ctx context.Context, filter any, model func(id any) mongo.WriteModel, add func(*mongo.BulkWriteResult)) error {
	ids, err := c.matchingIDs(ctx, filter)
	if err != nil {
		return err
	}
	for batch := range slices.Chunk(ids, WriteBatch) {
		models := make([]mongo.WriteModel, len(batch))
		for i, id := range batch {
			models[i] = model(id)
		}
		r, err := c.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		if r != nil {
			add(r)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// targetID finds the _id of the first document matching filter through the
// read path; found is false when none does.
func (c *Collection) targetID(ctx context.Context, filter any) (id any, found bool, err error) {
	one := int64(1)
	q, err := findQuery(filter, nil, &one, bson.D{{Key: "_id", Value: 1}}, nil, nil, nil, nil, nil, nil, nil, nil, nil)
	if err != nil {
		return nil, false, err
	}
	docs, err := c.reader().find(ctx, c.Name(), q)
	if err != nil || len(docs) == 0 {
		return nil, false, err
	}
	return docs[0].Lookup("_id"), true, nil
}

// matchingIDs returns the _id of every document matching filter.
func (c *Collection) matchingIDs(ctx context.Context, filter any) ([]any, error) {
	q, err := findQuery(filter, nil, nil, bson.D{{Key: "_id", Value: 1}}, nil, nil, nil, nil, nil, nil, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	docs, err := c.reader().find(ctx, c.Name(), q)
	if err != nil {
		return nil, err
	}
	ids := make([]any, len(docs))
	for i, d := range docs {
		ids[i] = d.Lookup("_id")
	}
	return ids, nil
}

// applyOptions collects the driver's option setters into o.
func applyOptions[T any](o *T, opts []options.Lister[T]) error {
	for _, l := range opts {
		if l == nil {
			continue
		}
		for _, set := range l.List() {
			if err := set(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// findQuery builds the read path's query; the options after projection are
// the ones it does not implement, which must be unset.
func findQuery(filter, sort any, limit *int64, proj any, unsupported ...any) (readQuery, error) {
	for _, u := range unsupported {
		if !isNil(u) {
			return readQuery{}, errUnsupported
		}
	}
	var q readQuery
	f, err := parseFilter(filter)
	if err != nil {
		return q, err
	}
	q.conds, q.or = f.and, f.or
	if q.sort, err = parseSort(sort); err != nil {
		return q, err
	}
	if limit != nil {
		q.limit = *limit
		if q.limit < 0 {
			q.limit = -q.limit // a negative limit is a limit in one batch
		}
	}
	if q.proj, err = parseProjection(proj); err != nil {
		return q, err
	}
	return q, nil
}

// isNil reports whether an option is unset (a nil interface or a nil pointer).
func isNil(v any) bool {
	switch p := v.(type) {
	case nil:
		return true
	case *int64:
		return p == nil
	case *bool:
		return p == nil
	case *options.Collation:
		return p == nil
	case *options.CursorType:
		return p == nil
	}
	return false
}

// parseProjection reads a projection of top-level fields: all excluded
// ({bio: 0}) or all included ({slot: 1, userId: 1}, with _id: 0 allowed).
func parseProjection(proj any) (projection, error) {
	if empty(proj) {
		return projection{}, nil
	}
	raw, err := bson.Marshal(proj)
	if err != nil {
		return projection{}, fmt.Errorf("mongodb: projection: %w", err)
	}
	elems, err := bson.Raw(raw).Elements()
	if err != nil {
		return projection{}, fmt.Errorf("mongodb: projection: %w", err)
	}
	if len(elems) == 0 {
		return projection{}, nil
	}
	p := projection{fields: make(map[string]bool)}
	var includes, excludes int
	for _, e := range elems {
		k := e.Key()
		if strings.ContainsAny(k, ".$") {
			return projection{}, errUnsupported
		}
		on, ok := truth(e.Value())
		if !ok {
			return projection{}, errUnsupported
		}
		if k == "_id" {
			p.dropID = !on
			p.fields[k] = !on // an exclusion projection drops listed fields
			continue
		}
		if on {
			includes++
		} else {
			excludes++
		}
		p.fields[k] = true
	}
	switch {
	case includes > 0 && excludes > 0:
		return projection{}, errUnsupported
	case includes > 0 || (excludes == 0 && !p.dropID):
		p.include = true // {slot: 1}, and {_id: 1}: only what is listed
	}
	return p, nil
}

func truth(v bson.RawValue) (on, ok bool) {
	if b, isBool := v.BooleanOK(); isBool {
		return b, true
	}
	if n, isInt := intOf(v); isInt {
		return n != 0, true
	}
	if f, isF := v.DoubleOK(); isF {
		return f != 0, true
	}
	return false, false
}

// cursorOf wraps documents in a driver cursor.
func cursorOf(docs []bson.Raw) (*mongo.Cursor, error) {
	items := make([]any, len(docs))
	for i, d := range docs {
		items[i] = d
	}
	return mongo.NewCursorFromDocuments(items, nil, nil)
}
