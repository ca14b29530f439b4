package mongodb

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// This file evaluates the filters and sorts Kizuna's queries use, in Go, with
// MongoDB's semantics, for the embedded read path (see fastread.go). A filter
// or a value it cannot evaluate exactly is errUnsupported, and the query goes
// to the server instead: being unable to answer is fine, answering
// differently from the server is not.

// errUnsupported says the fast path cannot answer this exactly.
var errUnsupported = errors.New("mongodb: not answerable by the embedded read path")

type condOp uint8

const (
	opEq condOp = iota
	opNe
	opIn
	opNin
	opLt
	opLte
	opGt
	opGte
	opExists
)

var condOps = map[string]condOp{
	"$eq": opEq, "$ne": opNe, "$in": opIn, "$nin": opNin,
	"$lt": opLt, "$lte": opLte, "$gt": opGt, "$gte": opGte, "$exists": opExists,
}

// condition is one test of a filter on one field.
type condition struct {
	path   string
	parts  []string
	op     condOp
	val    bson.RawValue   // eq, ne, and the comparisons
	vals   []bson.RawValue // in, nin
	exists bool            // exists
}

// filterSpec is a parsed filter: every condition of and holds, and, when
// there are branches, every condition of one of them.
type filterSpec struct {
	and []condition
	or  [][]condition // a top-level $or
}

// parseFilter turns a filter into conditions. It accepts equality with
// scalar values and the operators in condOps, on top-level or dotted fields,
// and one top-level $or of such filters; anything else (null, documents or
// arrays as values, $and, nested $or, $regex...) is errUnsupported.
func parseFilter(filter any) (filterSpec, error) {
	if empty(filter) {
		return filterSpec{}, nil
	}
	raw, err := bson.Marshal(filter)
	if err != nil {
		return filterSpec{}, fmt.Errorf("mongodb: filter: %w", err)
	}
	var f filterSpec
	if f.and, err = parseConditions(raw, &f.or); err != nil {
		return filterSpec{}, err
	}
	return f, nil
}

// parseConditions parses one filter document; or, when not nil, receives the
// branches of a top-level $or.
func parseConditions(raw bson.Raw, or *[][]condition) ([]condition, error) {
	elems, err := raw.Elements()
	if err != nil {
		return nil, fmt.Errorf("mongodb: filter: %w", err)
	}
	var conds []condition
	for _, e := range elems {
		key := e.Key()
		if key == "$or" && or != nil && *or == nil {
			arr, ok := e.Value().ArrayOK()
			if !ok {
				return nil, errUnsupported
			}
			branches, err := arr.Values()
			if err != nil || len(branches) == 0 {
				return nil, errUnsupported
			}
			for _, b := range branches {
				d, ok := b.DocumentOK()
				if !ok {
					return nil, errUnsupported
				}
				bc, err := parseConditions(d, nil)
				if err != nil {
					return nil, err
				}
				*or = append(*or, bc)
			}
			continue
		}
		if key == "" || strings.HasPrefix(key, "$") {
			return nil, errUnsupported
		}
		path := condition{path: key, parts: strings.Split(key, ".")}
		v := e.Value()
		if v.Type != bson.TypeEmbeddedDocument {
			if !scalar(v) {
				return nil, errUnsupported
			}
			c := path
			c.op, c.val = opEq, v
			conds = append(conds, c)
			continue
		}
		ops, err := v.Document().Elements()
		if err != nil || len(ops) == 0 {
			return nil, errUnsupported
		}
		for _, o := range ops {
			op, ok := condOps[o.Key()]
			if !ok {
				return nil, errUnsupported
			}
			c := path
			c.op = op
			ov := o.Value()
			switch op {
			case opIn, opNin:
				if ov.Type != bson.TypeArray {
					return nil, errUnsupported
				}
				vs, err := ov.Array().Values()
				if err != nil {
					return nil, errUnsupported
				}
				for _, x := range vs {
					if !scalar(x) {
						return nil, errUnsupported
					}
				}
				c.vals = vs
			case opExists:
				b, ok := ov.BooleanOK()
				if !ok {
					return nil, errUnsupported
				}
				c.exists = b
			default:
				if !scalar(ov) {
					return nil, errUnsupported
				}
				c.val = ov
			}
			conds = append(conds, c)
		}
	}
	return conds, nil
}

// empty reports whether a filter, sort or projection is absent: nil, or a
// nil document.
func empty(v any) bool {
	switch d := v.(type) {
	case nil:
		return true
	case bson.D:
		return d == nil
	case bson.M:
		return d == nil
	}
	return false
}

// scalar reports whether v is a value type the read path compares exactly.
func scalar(v bson.RawValue) bool {
	switch v.Type {
	case bson.TypeObjectID, bson.TypeString, bson.TypeBoolean, bson.TypeInt32, bson.TypeInt64,
		bson.TypeDouble, bson.TypeDateTime:
		return true
	}
	return false
}

// matches reports whether doc satisfies every condition.
func matches(doc bson.Raw, conds []condition) (bool, error) {
	for i := range conds {
		ok, err := conds[i].holds(doc)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (c *condition) holds(doc bson.Raw) (bool, error) {
	v, found, err := lookup(doc, c.parts)
	if err != nil {
		return false, err
	}
	switch c.op {
	case opExists:
		return found == c.exists, nil
	case opEq:
		return anyValue(v, found, func(x bson.RawValue) (bool, error) { return equal(x, c.val) })
	case opNe:
		eq, err := anyValue(v, found, func(x bson.RawValue) (bool, error) { return equal(x, c.val) })
		return !eq, err
	case opIn, opNin:
		in, err := anyValue(v, found, func(x bson.RawValue) (bool, error) {
			for _, q := range c.vals {
				if eq, err := equal(x, q); err != nil || eq {
					return eq, err
				}
			}
			return false, nil
		})
		if c.op == opNin {
			return !in, err
		}
		return in, err
	default:
		return anyValue(v, found, func(x bson.RawValue) (bool, error) {
			cmp, comparable, err := compareSameClass(x, c.val)
			if err != nil || !comparable {
				return false, err
			}
			switch c.op {
			case opLt:
				return cmp < 0, nil
			case opLte:
				return cmp <= 0, nil
			case opGt:
				return cmp > 0, nil
			default:
				return cmp >= 0, nil
			}
		})
	}
}

// anyValue applies test to a field's value and, when it is an array, to each
// element (MongoDB's rule: a condition on an array field holds if it holds
// for the array or for one of its elements; Kizuna never compares whole
// arrays, so the array itself is never equal to a scalar).
func anyValue(v bson.RawValue, found bool, test func(bson.RawValue) (bool, error)) (bool, error) {
	if !found {
		return false, nil
	}
	if v.Type != bson.TypeArray {
		return test(v)
	}
	elems, err := v.Array().Values()
	if err != nil {
		return false, err
	}
	for _, e := range elems {
		if e.Type == bson.TypeArray || e.Type == bson.TypeEmbeddedDocument {
			return false, errUnsupported // nested arrays and documents: MongoDB's rules are subtler
		}
		if ok, err := test(e); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// lookup finds a dotted path in doc. Arrays on the way are errUnsupported
// (MongoDB would look inside each element).
func lookup(doc bson.Raw, parts []string) (bson.RawValue, bool, error) {
	cur := doc
	for i, p := range parts {
		v, err := cur.LookupErr(p)
		if err != nil {
			return bson.RawValue{}, false, nil
		}
		if i == len(parts)-1 {
			// A stored null is a value of its own class here: queries for
			// null (which also match missing fields) never reach this path.
			return v, true, nil
		}
		switch v.Type {
		case bson.TypeEmbeddedDocument:
			cur = v.Document()
		case bson.TypeArray:
			return bson.RawValue{}, false, errUnsupported
		default:
			return bson.RawValue{}, false, nil
		}
	}
	return bson.RawValue{}, false, nil
}

// typeClass orders BSON types as MongoDB compares and sorts them; values of
// different classes are never equal, and comparison operators only match
// within one class.
func typeClass(t bson.Type) (int, error) {
	switch t {
	case bson.TypeMinKey:
		return 1, nil
	case bson.TypeNull, bson.TypeUndefined:
		return 2, nil
	case bson.TypeInt32, bson.TypeInt64, bson.TypeDouble:
		return 3, nil
	case bson.TypeString, bson.TypeSymbol:
		return 4, nil
	case bson.TypeEmbeddedDocument:
		return 5, nil
	case bson.TypeArray:
		return 6, nil
	case bson.TypeBinary:
		return 7, nil
	case bson.TypeObjectID:
		return 8, nil
	case bson.TypeBoolean:
		return 9, nil
	case bson.TypeDateTime:
		return 10, nil
	case bson.TypeTimestamp:
		return 11, nil
	case bson.TypeRegex:
		return 12, nil
	case bson.TypeMaxKey:
		return 13, nil
	}
	return 0, errUnsupported // decimals and the rest: not compared here
}

// equal reports whether a stored value equals a query value.
func equal(stored, q bson.RawValue) (bool, error) {
	cmp, comparable, err := compareSameClass(stored, q)
	return comparable && cmp == 0, err
}

// compareSameClass compares two values when they are of one class (numbers
// compare across int32, int64 and double); comparable is false otherwise.
func compareSameClass(a, b bson.RawValue) (cmp int, comparable bool, err error) {
	ca, err := typeClass(a.Type)
	if err != nil {
		return 0, false, err
	}
	cb, err := typeClass(b.Type)
	if err != nil {
		return 0, false, err
	}
	if ca != cb {
		return 0, false, nil
	}
	switch ca {
	case 2: // null
		return 0, true, nil
	case 3:
		return compareNumbers(a, b), true, nil
	case 4:
		return strings.Compare(stringOf(a), stringOf(b)), true, nil
	case 8:
		oa, ob := a.ObjectID(), b.ObjectID()
		return bytes.Compare(oa[:], ob[:]), true, nil
	case 9:
		return compareBools(a.Boolean(), b.Boolean()), true, nil
	case 10:
		return compareInts(a.DateTime(), b.DateTime()), true, nil
	}
	// Documents, arrays, binary data...: Kizuna's filters never compare them.
	return 0, false, errUnsupported
}

func stringOf(v bson.RawValue) string {
	if v.Type == bson.TypeSymbol {
		return v.Symbol()
	}
	return v.StringValue()
}

func compareBools(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func compareInts(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareNumbers compares int32, int64 and double exactly; NaN sorts below
// every number and equals itself, as in MongoDB.
func compareNumbers(a, b bson.RawValue) int {
	ai, aInt := intOf(a)
	bi, bInt := intOf(b)
	if aInt && bInt {
		return compareInts(ai, bi)
	}
	if aInt {
		return -compareFloatInt(b.Double(), ai)
	}
	if bInt {
		return compareFloatInt(a.Double(), bi)
	}
	fa, fb := a.Double(), b.Double()
	switch {
	case math.IsNaN(fa) && math.IsNaN(fb):
		return 0
	case math.IsNaN(fa):
		return -1
	case math.IsNaN(fb):
		return 1
	case fa < fb:
		return -1
	case fa > fb:
		return 1
	}
	return 0
}

func intOf(v bson.RawValue) (int64, bool) {
	switch v.Type {
	case bson.TypeInt32:
		return int64(v.Int32()), true
	case bson.TypeInt64:
		return v.Int64(), true
	}
	return 0, false
}

// compareFloatInt compares f with i without losing i's precision.
func compareFloatInt(f float64, i int64) int {
	switch {
	case math.IsNaN(f):
		return -1
	case f >= math.MaxInt64: // 2^63 and above (MaxInt64 rounds up to 2^63)
		return 1
	case f < math.MinInt64:
		return -1
	}
	t := math.Trunc(f)
	if c := compareInts(int64(t), i); c != 0 {
		return c
	}
	switch {
	case f > t:
		return 1
	case f < t:
		return -1
	}
	return 0
}

// sortKey is one key of a sort: a field and its direction.
type sortKey struct {
	path  string
	parts []string
	desc  bool
}

// parseSort reads a sort document ({field: 1 or -1, ...}).
func parseSort(sort any) ([]sortKey, error) {
	if empty(sort) {
		return nil, nil
	}
	raw, err := bson.Marshal(sort)
	if err != nil {
		return nil, fmt.Errorf("mongodb: sort: %w", err)
	}
	elems, err := bson.Raw(raw).Elements()
	if err != nil {
		return nil, fmt.Errorf("mongodb: sort: %w", err)
	}
	keys := make([]sortKey, 0, len(elems))
	for _, e := range elems {
		n, ok := intOf(e.Value())
		if !ok {
			if f, isF := e.Value().DoubleOK(); isF && f == math.Trunc(f) {
				n, ok = int64(f), true
			}
		}
		if !ok || (n != 1 && n != -1) || strings.HasPrefix(e.Key(), "$") {
			return nil, errUnsupported
		}
		keys = append(keys, sortKey{path: e.Key(), parts: strings.Split(e.Key(), "."), desc: n == -1})
	}
	return keys, nil
}

// compareForSort orders two documents by keys as MongoDB's sort does for
// scalar values (a missing field sorts as null); array values are
// errUnsupported (MongoDB sorts them by their least or greatest element).
func compareForSort(a, b bson.Raw, keys []sortKey) (int, error) {
	for _, k := range keys {
		va, fa, err := lookup(a, k.parts)
		if err != nil {
			return 0, err
		}
		vb, fb, err := lookup(b, k.parts)
		if err != nil {
			return 0, err
		}
		if !fa {
			va = bson.RawValue{Type: bson.TypeNull}
		}
		if !fb {
			vb = bson.RawValue{Type: bson.TypeNull}
		}
		ca, err := typeClass(va.Type)
		if err != nil {
			return 0, err
		}
		cb, err := typeClass(vb.Type)
		if err != nil {
			return 0, err
		}
		if ca == 6 || cb == 6 {
			return 0, errUnsupported
		}
		c := compareInts(int64(ca), int64(cb))
		if c == 0 {
			if c, _, err = compareSameClass(va, vb); err != nil {
				return 0, err
			}
		}
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c, nil
		}
	}
	return 0, nil
}
