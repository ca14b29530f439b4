package mongotest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// ReadPathCheck is the outcome of CheckReadPath.
type ReadPathCheck struct {
	Queries    int      // queries asked of both
	Mismatches []string // each: the query and both answers
}

// CheckReadPath asks the embedded read path and the server itself the same
// queries and reports every difference. For each collection and each of its
// declared indexes it builds perIndex random queries of the shapes Kizuna
// asks: equality on a prefix of the index (or $in), a range on the next key,
// a sort along the index or on another field, other conditions ($ne,
// $exists, equality), limits, projections; as finds, findOnes and counts,
// with values taken from the stored documents. Sorted answers must agree in
// order except among documents whose sort keys are equal (MongoDB leaves
// their order open); answers of unsorted queries with a limit must be
// documents of the full answer.
func CheckReadPath(ctx context.Context, db *mongodb.DB, collections []string, perIndex int, rnd *rand.Rand) (ReadPathCheck, error) {
	var res ReadPathCheck
	for _, name := range collections {
		c := db.Collection(name)
		docs, err := serverFind(ctx, c, bson.D{}, nil, 0, nil)
		if err != nil {
			return res, err
		}
		indexes := db.DeclaredIndexes(name)
		for _, keys := range indexes {
			for range perIndex {
				q := randomQuery(rnd, keys, docs)
				res.Queries++
				diff, err := compare(ctx, c, q)
				if err != nil {
					return res, fmt.Errorf("%s %s: %w", name, q, err)
				}
				if diff != "" {
					res.Mismatches = append(res.Mismatches, fmt.Sprintf("%s %s: %s", name, q, diff))
				}
			}
		}
	}
	return res, nil
}

// query is one generated query.
type query struct {
	op     string // find, findOne, count
	filter bson.D
	sort   bson.D
	limit  int64
	proj   bson.D
}

func (q query) String() string {
	return fmt.Sprintf("%s filter=%v sort=%v limit=%d projection=%v", q.op, q.filter, q.sort, q.limit, q.proj)
}

func randomQuery(rnd *rand.Rand, keys []string, docs []bson.Raw) query {
	q := query{op: pick(rnd, []string{"find", "find", "find", "find", "findOne", "count", "count"}), filter: bson.D{}}
	base := bson.Raw(nil)
	if len(docs) > 0 {
		base = docs[rnd.IntN(len(docs))]
	}
	other := func() bson.Raw {
		if len(docs) == 0 {
			return nil
		}
		return docs[rnd.IntN(len(docs))]
	}
	paths := make([]string, len(keys))
	for i, k := range keys {
		paths[i] = strings.TrimPrefix(k, "-")
	}
	prefix := rnd.IntN(len(paths) + 1) // 0: no equality, maybe a range on the first key
	for i, p := range paths[:prefix] {
		v, ok := scalarAt(rnd, base, p)
		if !ok {
			prefix = i
			break
		}
		if i == 0 && rnd.IntN(5) == 0 {
			vals := bson.A{v}
			for range 1 + rnd.IntN(3) {
				if w, ok := scalarAt(rnd, other(), p); ok {
					vals = append(vals, w)
				}
			}
			q.filter = append(q.filter, bson.E{Key: p, Value: bson.D{{Key: "$in", Value: vals}}})
			continue
		}
		q.filter = append(q.filter, bson.E{Key: p, Value: v})
	}
	if prefix < len(paths) && rnd.IntN(5) < 2 {
		if v, ok := scalarAt(rnd, other(), paths[prefix]); ok {
			op := pick(rnd, []string{"$lt", "$lte", "$gt", "$gte"})
			q.filter = append(q.filter, bson.E{Key: paths[prefix], Value: bson.D{{Key: op, Value: v}}})
		}
	}
	if base != nil && rnd.IntN(10) < 3 {
		if elems, err := base.Elements(); err == nil && len(elems) > 0 {
			e := elems[rnd.IntN(len(elems))]
			if v, ok := scalarAt(rnd, base, e.Key()); ok && !slices.ContainsFunc(q.filter, func(f bson.E) bool { return f.Key == e.Key() }) {
				switch rnd.IntN(4) {
				case 0:
					q.filter = append(q.filter, bson.E{Key: e.Key(), Value: v})
				case 1:
					q.filter = append(q.filter, bson.E{Key: e.Key(), Value: bson.D{{Key: "$ne", Value: v}}})
				case 2:
					q.filter = append(q.filter, bson.E{Key: e.Key(), Value: bson.D{{Key: "$exists", Value: rnd.IntN(2) == 0}}})
				default:
					q.filter = append(q.filter, bson.E{Key: e.Key(), Value: bson.D{{Key: "$nin", Value: bson.A{v}}}})
				}
			}
		}
	}
	switch r := rnd.IntN(10); {
	case r < 5 && prefix < len(paths):
		flip := rnd.IntN(2) == 0
		for _, k := range keys[prefix:][:1+rnd.IntN(len(keys)-prefix)] {
			dir := 1
			if strings.HasPrefix(k, "-") != flip {
				dir = -1
			}
			q.sort = append(q.sort, bson.E{Key: strings.TrimPrefix(k, "-"), Value: dir})
		}
	case r < 7:
		q.sort = bson.D{{Key: "_id", Value: pick(rnd, []int{1, -1})}}
	case r < 8 && base != nil:
		if elems, err := base.Elements(); err == nil && len(elems) > 0 {
			q.sort = bson.D{{Key: elems[rnd.IntN(len(elems))].Key(), Value: pick(rnd, []int{1, -1})}}
		}
	}
	if len(q.filter) > 0 && rnd.IntN(7) == 0 {
		// Either of two such filters, as in listing a user's mentorships
		// as mentor or as founder.
		other := randomQuery(rnd, keys, docs)
		if len(other.filter) > 0 {
			q.filter = bson.D{{Key: "$or", Value: bson.A{q.filter, other.filter}}}
		}
	}
	q.limit = pick(rnd, []int64{0, 0, 1, 2, 3, 5, 20})
	hasOr := slices.ContainsFunc(q.filter, func(e bson.E) bool { return e.Key == "$or" })
	if base != nil && !hasOr && rnd.IntN(5) == 0 {
		if elems, err := base.Elements(); err == nil && len(elems) > 1 {
			k := elems[1+rnd.IntN(len(elems)-1)].Key()
			if rnd.IntN(2) == 0 {
				q.proj = bson.D{{Key: k, Value: 0}}
			} else {
				q.proj = bson.D{{Key: k, Value: 1}}
				for _, f := range q.filter {
					q.proj = append(q.proj, bson.E{Key: strings.Split(f.Key, ".")[0], Value: 1})
				}
				for _, s := range q.sort {
					q.proj = append(q.proj, bson.E{Key: strings.Split(s.Key, ".")[0], Value: 1})
				}
				q.proj = dedupe(q.proj)
			}
		}
	}
	return q
}

func dedupe(d bson.D) bson.D {
	seen := map[string]bool{}
	return slices.DeleteFunc(d, func(e bson.E) bool {
		if seen[e.Key] {
			return true
		}
		seen[e.Key] = true
		return false
	})
}

func pick[T any](rnd *rand.Rand, xs []T) T { return xs[rnd.IntN(len(xs))] }

// scalarAt returns a scalar at path in doc (an element, if it is an array).
func scalarAt(rnd *rand.Rand, doc bson.Raw, path string) (any, bool) {
	if doc == nil {
		return nil, false
	}
	v, err := doc.LookupErr(strings.Split(path, ".")...)
	if err != nil {
		return nil, false
	}
	if v.Type == bson.TypeArray {
		vals, err := v.Array().Values()
		if err != nil || len(vals) == 0 {
			return nil, false
		}
		v = vals[rnd.IntN(len(vals))]
	}
	switch v.Type {
	case bson.TypeObjectID, bson.TypeString, bson.TypeBoolean, bson.TypeInt32, bson.TypeInt64, bson.TypeDouble, bson.TypeDateTime:
		return v, true
	}
	return nil, false
}

// compare asks both and describes the difference ("" when they agree).
func compare(ctx context.Context, c *mongodb.Collection, q query) (string, error) {
	switch q.op {
	case "count":
		copts := options.Count()
		if q.limit > 0 {
			copts.SetLimit(q.limit)
		}
		fast, err := c.CountDocuments(ctx, q.filter, copts)
		if err != nil {
			return "", fmt.Errorf("read path: %w", err)
		}
		slow, err := c.Collection.CountDocuments(ctx, q.filter, copts)
		if err != nil {
			return "", fmt.Errorf("server: %w", err)
		}
		if fast != slow {
			return fmt.Sprintf("count %d, server %d", fast, slow), nil
		}
		return "", nil
	case "findOne":
		o := options.FindOne()
		if q.sort != nil {
			o.SetSort(q.sort)
		}
		if q.proj != nil {
			o.SetProjection(q.proj)
		}
		fast, ferr := c.FindOne(ctx, q.filter, o).Raw()
		slow, serr := c.Collection.FindOne(ctx, q.filter, o).Raw()
		if (ferr == mongo.ErrNoDocuments) != (serr == mongo.ErrNoDocuments) {
			return fmt.Sprintf("read path %v, server %v", ferr, serr), nil
		}
		if ferr == mongo.ErrNoDocuments {
			return "", nil
		}
		if ferr != nil || serr != nil {
			return "", fmt.Errorf("read path %v, server %v", ferr, serr)
		}
		return sameAnswer(ctx, c, q, []bson.Raw{fast}, []bson.Raw{slow}, 1)
	}
	fast, err := find(ctx, c.Find, q.filter, q.sort, q.limit, q.proj)
	if err != nil {
		return "", fmt.Errorf("read path: %w", err)
	}
	slow, err := serverFind(ctx, c, q.filter, q.sort, q.limit, q.proj)
	if err != nil {
		return "", fmt.Errorf("server: %w", err)
	}
	return sameAnswer(ctx, c, q, fast, slow, q.limit)
}

type findFunc func(context.Context, any, ...options.Lister[options.FindOptions]) (*mongo.Cursor, error)

func serverFind(ctx context.Context, c *mongodb.Collection, filter, sort bson.D, limit int64, proj bson.D) ([]bson.Raw, error) {
	return find(ctx, c.Collection.Find, filter, sort, limit, proj)
}

func find(ctx context.Context, f findFunc, filter, sort bson.D, limit int64, proj bson.D) ([]bson.Raw, error) {
	o := options.Find()
	if sort != nil {
		o.SetSort(sort)
	}
	if limit > 0 {
		o.SetLimit(limit)
	}
	if proj != nil {
		o.SetProjection(proj)
	}
	cur, err := f(ctx, filter, o)
	if err != nil {
		return nil, err
	}
	var out []bson.Raw
	for cur.Next(ctx) {
		out = append(out, slices.Clone(cur.Current))
	}
	return out, cur.Err()
}

// sameAnswer compares two answers to q, allowing MongoDB's freedom in the
// order of ties and in which documents an unsorted limited query returns.
func sameAnswer(ctx context.Context, c *mongodb.Collection, q query, fast, slow []bson.Raw, limit int64) (string, error) {
	if len(fast) != len(slow) {
		return describe("lengths differ", fast, slow), nil
	}
	if len(q.sort) == 0 {
		if limit == 0 {
			if !sameSet(fast, slow) {
				return describe("documents differ", fast, slow), nil
			}
			return "", nil
		}
		all, err := serverFind(ctx, c, q.filter, nil, 0, q.proj)
		if err != nil {
			return "", err
		}
		for _, d := range fast {
			if !slices.ContainsFunc(all, func(a bson.Raw) bool { return bytes.Equal(a, d) }) {
				return describe("a document not in the full answer", fast, slow), nil
			}
		}
		return "", nil
	}
	// Sorted: the same sort keys in the same order; within a run of equal
	// keys the same documents, except the last run when a limit cut it.
	for i := range fast {
		if sortKeyOf(fast[i], q.sort) != sortKeyOf(slow[i], q.sort) {
			return describe(fmt.Sprintf("sort keys differ at %d", i), fast, slow), nil
		}
	}
	all, err := serverFind(ctx, c, q.filter, q.sort, 0, q.proj)
	if err != nil {
		return "", err
	}
	for start := 0; start < len(fast); {
		end := start + 1
		for end < len(fast) && sortKeyOf(fast[end], q.sort) == sortKeyOf(fast[start], q.sort) {
			end++
		}
		lastCut := end == len(fast) && limit > 0
		if lastCut {
			key := sortKeyOf(fast[start], q.sort)
			for _, d := range fast[start:end] {
				if sortKeyOf(d, q.sort) != key || !slices.ContainsFunc(all, func(a bson.Raw) bool { return bytes.Equal(a, d) }) {
					return describe("a document not in the full answer", fast, slow), nil
				}
			}
		} else if !sameSet(fast[start:end], slow[start:end]) {
			return describe(fmt.Sprintf("documents differ in positions %d-%d", start, end-1), fast, slow), nil
		}
		start = end
	}
	return "", nil
}

// sortKeyOf renders a document's sort-key values (missing as null).
func sortKeyOf(doc bson.Raw, sort bson.D) string {
	var b strings.Builder
	for _, s := range sort {
		v, err := doc.LookupErr(strings.Split(s.Key, ".")...)
		if err != nil {
			b.WriteString("null|")
			continue
		}
		switch v.Type {
		case bson.TypeInt32, bson.TypeInt64, bson.TypeDouble:
			// Numbers of different types sort as equal when their values are.
			f, _ := v.AsFloat64OK()
			fmt.Fprintf(&b, "%v|", f)
		default:
			b.WriteString(v.String() + "|")
		}
	}
	return b.String()
}

func sameSet(a, b []bson.Raw) bool {
	key := func(xs []bson.Raw) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = string(x)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}

func describe(what string, fast, slow []bson.Raw) string {
	show := func(xs []bson.Raw) string {
		var parts []string
		for i, x := range xs {
			if i == 5 {
				parts = append(parts, fmt.Sprintf("... %d more", len(xs)-5))
				break
			}
			parts = append(parts, x.String())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("%s: read path %d %s, server %d %s", what, len(fast), show(fast), len(slow), show(slow))
}
