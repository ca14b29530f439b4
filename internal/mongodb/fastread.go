package mongodb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	_ "modernc.org/sqlite" // the SQLite driver the embedded server itself uses
)

// embeddedReader answers reads on the embedded server from its SQLite file
// directly (see the package comment for why). FerretDB keeps each collection
// as a table with one JSON column; its indexes are SQLite expression indexes
// on that column (_ferretdb_sjson->"field"). A query is written with the very
// expressions of the index it uses, so SQLite searches the index; every row
// SQLite returns is decoded (sjson.go) and checked against the whole filter
// in Go (match.go), so SQLite only narrows and orders, and the answer is
// exactly the server's.
type embeddedReader struct {
	file    string // the SQLite database file of the configured database
	dec     sjsonDecoder
	indexes indexRegistry
	gate    *writeGate
	metrics *readMetrics

	faults readFaults // wrong answers on purpose, for the tests of the tests

	mu     sync.Mutex
	db     *sql.DB
	tables map[string]string // collection -> table
	closed bool              // after Close: the server's own answers (errors) follow
}

func newEmbeddedReader(file string, gate *writeGate, m *readMetrics) *embeddedReader {
	return &embeddedReader{file: file, gate: gate, metrics: m}
}

// readFaults make the read path answer wrongly, so that a test can show its
// checks catch it (export_test.go sets them; nothing else does).
type readFaults struct {
	trustSQLite bool // skip the check of each row against the filter
}

// sqliteColumn is the column holding each document.
const sqliteColumn = "_ferretdb_sjson"

// conn returns the read-only connection pool, opening it on first use (the
// file exists once the server has created a collection).
func (r *embeddedReader) conn() (*sql.DB, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.db != nil {
		return r.db, nil
	}
	if r.closed {
		return nil, errUnsupported
	}
	if _, err := os.Stat(r.file); err != nil {
		return nil, errUnsupported // no collection yet: the server answers
	}
	db, err := sql.Open("sqlite", sqliteDSN(r.file, true))
	if err != nil {
		return nil, fmt.Errorf("mongodb: read path: %w", err)
	}
	// Reads are CPU-bound (SQLite here is Go code): a few connections
	// cover the cores without queueing behind one another.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	r.db = db
	return db, nil
}

// sqliteDSN names the file for the SQLite driver; readOnly connections can
// only query (reads never write, so they never wait for the writer).
func sqliteDSN(file string, readOnly bool) string {
	q := url.Values{}
	q.Set("mode", "rw") // never create: the server owns the file
	q.Add("_pragma", "busy_timeout(10000)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + file + "?" + q.Encode()
}

// reset forgets the connection and tables (after the database was dropped,
// which removes the file).
func (r *embeddedReader) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.db != nil {
		_ = r.db.Close()
		r.db = nil
	}
	r.tables = nil
}

func (r *embeddedReader) close() {
	r.reset()
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
}

// table returns the SQLite table of a collection. A collection it does not
// know is looked up again (it may have been created since); one that does
// not exist is errUnsupported, and the server answers (cheaply: there is no
// table to read).
func (r *embeddedReader) table(ctx context.Context, coll string) (string, error) {
	r.mu.Lock()
	t, ok := r.tables[coll]
	r.mu.Unlock()
	if ok {
		return t, nil
	}
	db, err := r.conn()
	if err != nil {
		return "", err
	}
	rows, err := db.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		return "", fmt.Errorf("mongodb: read path: collections: %w", err)
	}
	defer rows.Close()
	tables := make(map[string]string)
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			return "", fmt.Errorf("mongodb: read path: collections: %w", err)
		}
		tables[name] = table
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("mongodb: read path: collections: %w", err)
	}
	r.mu.Lock()
	r.tables = tables
	r.mu.Unlock()
	if t, ok = tables[coll]; !ok {
		return "", errUnsupported
	}
	return t, nil
}

func (r *embeddedReader) declare(coll string, specs []IndexSpec) {
	r.indexes.declare(coll, specs)
}

// ensureIDPathIndex adds one index to a collection's table: on the
// expression FerretDB itself uses for _id (_ferretdb_sjson->'$._id', in
// every update, delete and _id lookup it runs), which differs in form from
// the expression of the _id index it creates (->"_id"), so that SQLite,
// which matches index expressions by form, scanned the table for each of
// them. It holds no data of its own and changes no arbitration (it is not
// unique); FerretDB does not know of it and never needs to.
func (r *embeddedReader) ensureIDPathIndex(ctx context.Context, coll string) error {
	table, err := r.table(ctx, coll)
	if err != nil {
		return fmt.Errorf("mongodb: read path: no table for %s: %w", coll, err)
	}
	release, err := r.gate.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	db, err := sql.Open("sqlite", sqliteDSN(r.file, false))
	if err != nil {
		return fmt.Errorf("mongodb: _id index of %s: %w", coll, err)
	}
	defer db.Close()
	q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s->'$._id')`, table+"_kizuna_id_path", table, sqliteColumn)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("mongodb: _id index of %s: %w", coll, err)
	}
	return nil
}

// queryError maps a failed query: a table that is gone (its collection was
// dropped) sends the query to the server and the tables to be read again.
func (r *embeddedReader) queryError(err error) error {
	if strings.Contains(err.Error(), "no such table") {
		r.mu.Lock()
		r.tables = nil
		r.mu.Unlock()
		return errUnsupported
	}
	return fmt.Errorf("mongodb: read path: %w", err)
}

// detach returns a context that ends when ctx ends (or at its deadline) but
// is not ctx itself, and a function to call when done. database/sql watches
// a query's context from a goroutine of its own until the rows are closed,
// which can be just after the call returns; a caller's context may be
// recycled by then (Gin reuses its *gin.Context for the next request, and
// the race detector sees the watcher read it). The returned context captures
// ctx's done channel once, now.
func detach(ctx context.Context) (context.Context, func()) {
	parentDone := ctx.Done()
	base := context.WithoutCancel(ctx)
	out, cancel := context.WithCancel(base)
	if d, ok := ctx.Deadline(); ok {
		cancel()
		out, cancel = context.WithDeadline(base, d)
	}
	if parentDone == nil {
		return out, cancel
	}
	go func() {
		select {
		case <-parentDone:
			cancel()
		case <-out.Done():
		}
	}()
	return out, cancel
}

// readQuery is a find or a count as the read path sees it.
type readQuery struct {
	conds []condition
	or    [][]condition // one of these must hold as well
	sort  []sortKey
	limit int64
	proj  projection
}

// sqlPlan is the SQL that narrows (and maybe orders) a query's candidates.
type sqlPlan struct {
	index   string // the index's keys, for metrics ("" when the table is scanned)
	where   []string
	args    []any
	orderBy []string
	guard   [][]string // keys ranged or ordered by SQLite whose stored text is checked first (all but _id)
	// The equality prefix alone, over which the guard runs.
	prefixWhere []string
	prefixArgs  []any
	sorted      bool // rows come in the query's sort order
	exact       bool // the WHERE clause is the whole filter: count(*) may answer
}

// plan picks the declared index whose leading keys the most equality
// conditions cover. Without one, the table is read whole (still far cheaper
// than the server's own scan, and without holding the writer).
func (r *embeddedReader) plan(coll string, q readQuery) sqlPlan {
	var best sqlPlan
	bestScore := 0
	for _, ix := range r.indexes.of(coll) {
		if ix.arrays {
			continue
		}
		p, score := planWith(ix, q)
		if score > bestScore {
			best, bestScore = p, score
		}
	}
	if bestScore == 0 {
		return sqlPlan{sorted: len(q.sort) == 0}
	}
	return best
}

// planWith plans q on one index; score 0 means the index does not help.
func planWith(ix IndexSpec, q readQuery) (sqlPlan, int) {
	var p sqlPlan
	used := make([]bool, len(q.conds))
	single := map[string]bool{} // prefix keys held to one value
	exact := true
	prefix := 0
	for _, k := range ix.keys {
		i := slices.IndexFunc(q.conds, func(c condition) bool {
			return c.path == k.path && (c.op == opEq || c.op == opIn) && sqlEncodable(c)
		})
		if i < 0 {
			break
		}
		c := q.conds[i]
		used[i] = true
		expr := indexExpr(k.parts)
		if c.op == opEq {
			p.where = append(p.where, expr+" = ?")
			p.args = append(p.args, sqlValue(c.val))
			single[k.path] = true
		} else {
			marks := make([]string, len(c.vals))
			for j, v := range c.vals {
				marks[j] = "?"
				p.args = append(p.args, sqlValue(v))
			}
			p.where = append(p.where, expr+" IN ("+strings.Join(marks, ", ")+")")
			if len(c.vals) == 1 {
				single[k.path] = true
			}
		}
		exact = exact && exactValues(c)
		prefix++
	}
	if prefix == 0 && !rangedKey(q, ix.keys[0].parts) {
		return sqlPlan{}, 0 // neither an equality nor a range: no help
	}
	p.prefixWhere, p.prefixArgs = slices.Clone(p.where), slices.Clone(p.args)
	score := 2 * prefix
	rest := ix.keys[prefix:]
	// A range on the next key, when its stored text sorts as its values do:
	// ObjectIDs (quoted hex), and dates between 2001 and 2286 (thirteen
	// digits of epoch milliseconds), for which the guard checks every
	// candidate row first.
	if len(rest) > 0 {
		for i, c := range q.conds {
			if c.path != rest[0].path || !rangeable(c.val) {
				continue
			}
			sqlOp := map[condOp]string{opLt: "<", opLte: "<=", opGt: ">", opGte: ">="}[c.op]
			if sqlOp == "" {
				continue
			}
			used[i] = true
			p.where = append(p.where, indexExpr(rest[0].parts)+" "+sqlOp+" ?")
			p.args = append(p.args, sqlValue(c.val))
			if c.val.Type != bson.TypeObjectID {
				exact = exact && ix.textOrdered[rest[0].path]
				if !ix.textOrdered[rest[0].path] && !slices.ContainsFunc(p.guard, func(g []string) bool { return slices.Equal(g, rest[0].parts) }) {
					p.guard = append(p.guard, rest[0].parts)
				}
			}
			score++
		}
	}
	// The sort, when it follows the index after the equality prefix: keys
	// held to one value sort nothing and are skipped.
	sort := slices.DeleteFunc(slices.Clone(q.sort), func(s sortKey) bool { return single[s.path] })
	switch {
	case len(sort) == 0:
		p.sorted = true
	case len(sort) <= len(rest) && len(single) == prefix:
		flip := sort[0].desc != rest[0].desc
		ok := true
		for i, s := range sort {
			if s.path != rest[i].path || (s.desc != rest[i].desc) != flip {
				ok = false
				break
			}
			dir := ""
			if s.desc {
				dir = " DESC"
			}
			p.orderBy = append(p.orderBy, indexExpr(rest[i].parts)+dir)
			if s.path != "_id" && !ix.textOrdered[s.path] && !slices.ContainsFunc(p.guard, func(g []string) bool { return slices.Equal(g, rest[i].parts) }) {
				p.guard = append(p.guard, rest[i].parts)
			}
		}
		if ok {
			p.sorted = true
			score++
		} else {
			p.orderBy = nil
			p.guard = slices.DeleteFunc(p.guard, func(g []string) bool { return !rangedKey(q, g) })
		}
	}
	p.exact = exact && !slices.Contains(used, false)
	names := make([]string, len(ix.keys))
	for i, k := range ix.keys {
		names[i] = k.path
	}
	p.index = strings.Join(names, ",")
	return p, score
}

// indexExpr is the expression FerretDB indexes a field by.
func indexExpr(parts []string) string {
	var b strings.Builder
	b.WriteString(sqliteColumn)
	for _, p := range parts {
		fmt.Fprintf(&b, "->%q", p)
	}
	return b.String()
}

// maxSQLValues bounds the values of one $in that SQLite is given (it takes
// at most 32,766 parameters a statement); a longer list is checked in Go.
const maxSQLValues = 1000

// sqlEncodable reports whether SQLite can narrow by a condition's values:
// their stored text is the same for every value MongoDB would call equal
// (doubles are not: -0 and 0, and their formatting).
func sqlEncodable(c condition) bool {
	vals := c.vals
	if c.op == opEq {
		vals = []bson.RawValue{c.val}
	}
	if len(vals) > maxSQLValues {
		return false
	}
	for _, v := range vals {
		switch v.Type {
		case bson.TypeObjectID, bson.TypeString, bson.TypeBoolean, bson.TypeInt32, bson.TypeInt64, bson.TypeDateTime:
		default:
			return false
		}
	}
	return true
}

// exactValues reports whether SQLite's text equality is exactly MongoDB's
// equality for a condition's values: ObjectIDs, strings and booleans, given
// that a field holds one type in every document (Kizuna's documents come
// from Go structs; a string field whose value spelled an ObjectID's hex would
// otherwise match). Only counts rely on it: found documents are checked
// against the filter in Go.
func exactValues(c condition) bool {
	vals := c.vals
	if c.op == opEq {
		vals = []bson.RawValue{c.val}
	}
	for _, v := range vals {
		switch v.Type {
		case bson.TypeObjectID, bson.TypeString, bson.TypeBoolean:
		default:
			return false
		}
	}
	return len(vals) > 0
}

// rangeable reports whether SQLite may compare a range bound as text: an
// ObjectID, or a date of thirteen digits of milliseconds (2001 to 2286).
func rangeable(v bson.RawValue) bool {
	switch v.Type {
	case bson.TypeObjectID:
		return true
	case bson.TypeDateTime:
		return thirteenDigits(v.DateTime())
	}
	return false
}

func thirteenDigits(ms int64) bool { return ms >= 1e12 && ms < 1e13 }

// rangedKey reports whether q has a range condition on the key.
func rangedKey(q readQuery, parts []string) bool {
	return slices.ContainsFunc(q.conds, func(c condition) bool {
		return slices.Equal(c.parts, parts) && c.op >= opLt && c.op <= opGte
	})
}

// sqlValue is a value as the stored JSON spells it (what ->"field" yields).
func sqlValue(v bson.RawValue) string {
	var out any
	switch v.Type {
	case bson.TypeObjectID:
		out = v.ObjectID().Hex()
	case bson.TypeString:
		out = v.StringValue()
	case bson.TypeBoolean:
		out = v.Boolean()
	case bson.TypeInt32:
		out = v.Int32()
	case bson.TypeInt64:
		out = v.Int64()
	case bson.TypeDateTime:
		out = v.DateTime()
	default:
		panic("mongodb: sqlValue of " + v.Type.String())
	}
	b, err := json.Marshal(out) // the encoder the server stores with
	if err != nil {
		panic(err)
	}
	return string(b)
}

// find answers q from SQLite, or errUnsupported.
func (r *embeddedReader) find(ctx context.Context, coll string, q readQuery) ([]bson.Raw, error) {
	ctx, done := detach(ctx)
	defer done()
	table, err := r.table(ctx, coll)
	if err != nil {
		return nil, err
	}
	if len(q.or) > 0 {
		return r.findOr(ctx, coll, table, q)
	}
	return r.findAnd(ctx, coll, table, q)
}

// findOr answers a query with $or branches as the union of one query per
// branch (each planned on its own index), sorted and limited again.
func (r *embeddedReader) findOr(ctx context.Context, coll, table string, q readQuery) ([]bson.Raw, error) {
	if !q.proj.keeps("_id") {
		return nil, errUnsupported // the union needs the ids
	}
	// The union is sorted here: branches keep the fields the sort reads.
	projectLater := false
	for _, k := range q.sort {
		projectLater = projectLater || !q.proj.keeps(k.parts[0])
	}
	seen := map[string]bool{}
	var out []bson.Raw
	for _, b := range q.or {
		sub := q
		sub.conds = append(slices.Clone(q.conds), b...)
		sub.or = nil
		if projectLater {
			sub.proj = projection{}
		}
		docs, err := r.findAnd(ctx, coll, table, sub)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			id := string(d.Lookup("_id").Value)
			if !seen[id] {
				seen[id] = true
				out = append(out, d)
			}
		}
	}
	if err := sortDocs(out, q.sort); err != nil {
		return nil, err
	}
	if q.limit > 0 && int64(len(out)) > q.limit {
		out = out[:q.limit]
	}
	if projectLater {
		for i, d := range out {
			out[i] = project(d, q.proj)
		}
	}
	return out, nil
}

func sortDocs(docs []bson.Raw, keys []sortKey) error {
	if len(keys) == 0 {
		return nil
	}
	var sortErr error
	slices.SortStableFunc(docs, func(a, b bson.Raw) int {
		c, err := compareForSort(a, b, keys)
		if err != nil {
			sortErr = err
		}
		return c
	})
	return sortErr
}

func (r *embeddedReader) findAnd(ctx context.Context, coll, table string, q readQuery) ([]bson.Raw, error) {
	start := time.Now()
	p := r.plan(coll, q)
	docs, err := r.runPlan(ctx, table, p, q, nil)
	if err == nil {
		r.metrics.observe(coll, planName(p), time.Since(start))
	}
	return docs, err
}

// runPlan runs p, and when SQLite's text order cannot be trusted for the
// rows at hand, runs the equality prefix alone and matches, sorts and limits
// in Go.
func (r *embeddedReader) runPlan(ctx context.Context, table string, p sqlPlan, q readQuery, emit func(bson.Raw) error) ([]bson.Raw, error) {
	docs, err := r.run(ctx, table, p, q, emit)
	if errors.Is(err, errOutOfOrder) || errors.Is(err, errUnsafeText) {
		p = sqlPlan{index: p.index, where: p.prefixWhere, args: p.prefixArgs, sorted: len(q.sort) == 0}
		return r.run(ctx, table, p, q, emit)
	}
	return docs, err
}

// each calls emit with every document q matches, in no particular order,
// without holding them all (for loading read models at start). The
// document is valid only during the call.
func (r *embeddedReader) each(ctx context.Context, coll string, q readQuery, emit func(bson.Raw) error) error {
	ctx, done := detach(ctx)
	defer done()
	if len(q.or) > 0 || len(q.sort) > 0 || q.limit > 0 {
		docs, err := r.find(ctx, coll, q)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if err := emit(d); err != nil {
				return err
			}
		}
		return nil
	}
	table, err := r.table(ctx, coll)
	if err != nil {
		return err
	}
	start := time.Now()
	p := r.plan(coll, q)
	p.orderBy, p.sorted = nil, true // no order was asked for
	if _, err := r.runPlan(ctx, table, p, q, emit); err != nil {
		return err
	}
	r.metrics.observe(coll, planName(p), time.Since(start))
	return nil
}

func planName(p sqlPlan) string {
	if p.index == "" {
		return "scan"
	}
	return "index"
}

// errOutOfOrder says SQLite's order disagreed with MongoDB's for the
// documents at hand: sort them in Go instead.
var errOutOfOrder = errors.New("mongodb: read path: rows out of sort order")

// run runs a plan and returns the documents matching q, sorted and limited;
// with emit (for plans that need no sort in Go) it hands each to emit
// instead, in SQLite's order.
func (r *embeddedReader) run(ctx context.Context, table string, p sqlPlan, q readQuery, emit func(bson.Raw) error) ([]bson.Raw, error) {
	db, err := r.conn()
	if err != nil {
		return nil, err
	}
	// One read transaction: the guard and the query see the same rows.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("mongodb: read path: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	where := ""
	if len(p.where) > 0 {
		where = " WHERE " + strings.Join(p.where, " AND ")
	}
	if len(p.guard) > 0 {
		ordered, err := textOrderedKeys(ctx, tx, table, p)
		if err != nil {
			return nil, r.queryError(err)
		}
		if !ordered {
			return nil, errUnsafeText
		}
	}
	query := "SELECT " + sqliteColumn + " FROM " + fmt.Sprintf("%q", table) + where
	if len(p.orderBy) > 0 {
		query += " ORDER BY " + strings.Join(p.orderBy, ", ")
	}
	rows, err := tx.QueryContext(ctx, query, p.args...)
	if err != nil {
		return nil, r.queryError(err)
	}
	defer rows.Close()

	// Decode with the projection unless it drops a field the filter or the
	// sort reads; then project after matching.
	proj, projectLater := q.proj, false
	for _, c := range q.conds {
		projectLater = projectLater || !proj.keeps(c.parts[0])
	}
	for _, s := range q.sort {
		projectLater = projectLater || !proj.keeps(s.parts[0])
	}
	if projectLater {
		proj = projection{}
	}
	stopAtLimit := q.limit > 0 && p.sorted
	var (
		out     []bson.Raw
		buf     []byte
		prev    bson.Raw // the last document matched, for checkSQLOrder
		matched int64
		row     sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&row); err != nil {
			return nil, fmt.Errorf("mongodb: read path: %w", err)
		}
		if buf, err = r.dec.decode(buf[:0], row, proj); err != nil {
			return nil, err
		}
		doc := bson.Raw(buf)
		ok, err := matches(doc, q.conds) // (branches of $or are in conds here)
		if r.faults.trustSQLite {
			ok, err = true, nil
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if len(p.orderBy) > 0 {
			if err := checkSQLOrder(prev, doc, q.sort); err != nil {
				return nil, err
			}
			prev = append(prev[:0], doc...)
		}
		if projectLater && p.sorted {
			doc = project(doc, q.proj)
		} // else projected after sorting in Go, which may read a dropped field
		matched++
		if emit != nil && p.sorted {
			if err := emit(doc); err != nil {
				return nil, err
			}
		} else {
			out = append(out, slices.Clone(doc))
		}
		if stopAtLimit && matched == q.limit {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mongodb: read path: %w", err)
	}
	if !p.sorted {
		if err := sortDocs(out, q.sort); err != nil {
			return nil, err
		}
	}
	if q.limit > 0 && int64(len(out)) > q.limit {
		out = out[:q.limit]
	}
	if projectLater && !p.sorted {
		for i, d := range out {
			out[i] = project(d, q.proj)
		}
	}
	if emit != nil {
		for _, d := range out {
			if err := emit(d); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	return out, nil
}

// errUnsafeText says a guarded key holds values whose stored text does not
// sort as they do: the query runs again without SQLite's ranges and order.
var errUnsafeText = errors.New("mongodb: read path: values not ordered as text")

// textOrderedKeys reports whether every row of the equality prefix holds, in
// each guarded key, a value whose stored text sorts as MongoDB sorts it,
// given one type per field: a boolean or a one-digit integer (a pinned
// flag; "10" sorts before "9" as text), a date of thirteen digits, a quoted
// ObjectID (26 characters), or nothing. It reads the index alone (the
// expressions are its keys), not the documents.
func textOrderedKeys(ctx context.Context, tx *sql.Tx, table string, p sqlPlan) (bool, error) {
	var unsafe []string
	for _, k := range p.guard {
		e := indexExpr(k)
		unsafe = append(unsafe, fmt.Sprintf(
			`NOT coalesce(%[1]s IN ('true','false','0','1','2','3','4','5','6','7','8','9') OR (length(%[1]s) = 13 AND %[1]s GLOB '[1-9]*') OR (length(%[1]s) = 26 AND %[1]s GLOB '"*'), 1)`, e))
	}
	where := append(slices.Clone(p.prefixWhere), "("+strings.Join(unsafe, " OR ")+")")
	var found bool
	q := fmt.Sprintf("SELECT EXISTS(SELECT 1 FROM %q WHERE %s)", table, strings.Join(where, " AND "))
	if err := tx.QueryRowContext(ctx, q, p.prefixArgs...).Scan(&found); err != nil {
		return false, err
	}
	return !found, nil
}

// checkSQLOrder checks that doc, which SQLite ordered after the last of out,
// belongs there by MongoDB's order, and that its sort keys hold values whose
// stored text sorts as MongoDB sorts them: ObjectIDs (quoted hex), booleans,
// and integers of one digit (such as a pinned flag), each key one type
// throughout. Keys other than _id were checked for every candidate row
// before (textOrderedKeys); _id is an ObjectID in every document of a
// collection whose _id is one in any (Kizuna's documents come from Go
// structs). A row that breaks this sends the query to the sort in Go.
func checkSQLOrder(prev, doc bson.Raw, sort []sortKey) error {
	for _, k := range sort {
		v, found, err := lookup(doc, k.parts)
		if err != nil || !found || !textOrdered(v) {
			return errOutOfOrder
		}
		if prev != nil {
			pv, _, _ := lookup(prev, k.parts)
			if cp, _ := typeClass(pv.Type); cp != mustClass(v.Type) {
				return errOutOfOrder
			}
		}
	}
	if prev == nil {
		return nil
	}
	c, err := compareForSort(prev, doc, sort)
	if err != nil || c > 0 {
		return errOutOfOrder
	}
	return nil
}

func textOrdered(v bson.RawValue) bool {
	switch v.Type {
	case bson.TypeObjectID, bson.TypeBoolean:
		return true
	case bson.TypeInt32, bson.TypeInt64:
		n, _ := intOf(v)
		return n >= 0 && n <= 9
	case bson.TypeDateTime:
		return thirteenDigits(v.DateTime())
	}
	return false
}

func mustClass(t bson.Type) int {
	c, _ := typeClass(t)
	return c
}

// idOnly projects documents to their _id.
var idOnly = projection{include: true, fields: map[string]bool{}}

// project keeps the fields proj keeps, in a new document.
func project(doc bson.Raw, proj projection) bson.Raw {
	elems, _ := doc.Elements()
	d := bson.D{}
	for _, e := range elems {
		if proj.keeps(e.Key()) {
			d = append(d, bson.E{Key: e.Key(), Value: e.Value()})
		}
	}
	out, err := bson.Marshal(d)
	if err != nil {
		panic(err) // re-encoding elements that were just decoded
	}
	return out
}

// count answers a count from SQLite, or errUnsupported.
func (r *embeddedReader) count(ctx context.Context, coll string, f filterSpec, limit int64) (int64, error) {
	ctx, done := detach(ctx)
	defer done()
	if len(f.or) > 0 {
		docs, err := r.find(ctx, coll, readQuery{conds: f.and, or: f.or, limit: limit, proj: idOnly})
		return int64(len(docs)), err
	}
	conds := f.and
	start := time.Now()
	table, err := r.table(ctx, coll)
	if err != nil {
		return 0, err
	}
	p := r.plan(coll, readQuery{conds: conds})
	if !p.exact {
		p.orderBy, p.sorted = nil, true
		docs, err := r.runPlan(ctx, table, p, readQuery{conds: conds, limit: limit, proj: idOnly}, nil)
		if err == nil {
			r.metrics.observe(coll, planName(p), time.Since(start))
		}
		return int64(len(docs)), err
	}
	db, err := r.conn()
	if err != nil {
		return 0, err
	}
	query := fmt.Sprintf("SELECT count(*) FROM %q", table)
	if len(p.where) > 0 {
		query += " WHERE " + strings.Join(p.where, " AND ")
	}
	if limit > 0 {
		query = fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %q WHERE %s LIMIT %d)", table, strings.Join(p.where, " AND "), limit)
	}
	var n int64
	if err := db.QueryRowContext(ctx, query, p.args...).Scan(&n); err != nil {
		return 0, r.queryError(err)
	}
	r.metrics.observe(coll, "count", time.Since(start))
	return n, nil
}
