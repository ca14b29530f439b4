package mongodb

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// This file decodes the form in which the embedded server (FerretDB v1.24,
// SQLite backend) stores a document: one JSON object per row whose first
// member, "$s", is a schema giving each field's BSON type and the order of
// the keys, followed by the fields themselves in that order. ObjectIDs are
// hex strings, dates epoch milliseconds, binary data base64 (with the
// subtype in the schema), timestamps unsigned integers, regular expressions
// their pattern (options in the schema); 32- and 64-bit integers and doubles
// are JSON numbers told apart by the schema. A JSON null is a BSON null
// whatever the schema says. The format was read from FerretDB's sjson
// package; this is Kizuna's own decoder for it, into BSON.

// sjsonType is a BSON type as the stored schema names it.
type sjsonType uint8

const (
	sjsonInvalid sjsonType = iota
	sjsonObject
	sjsonArray
	sjsonDouble
	sjsonString
	sjsonBinData
	sjsonObjectID
	sjsonBool
	sjsonDate
	sjsonNull
	sjsonRegex
	sjsonInt
	sjsonTimestamp
	sjsonLong
)

var sjsonTypeNames = map[string]sjsonType{
	"object": sjsonObject, "array": sjsonArray, "double": sjsonDouble, "string": sjsonString,
	"binData": sjsonBinData, "objectId": sjsonObjectID, "bool": sjsonBool, "date": sjsonDate,
	"null": sjsonNull, "regex": sjsonRegex, "int": sjsonInt, "timestamp": sjsonTimestamp, "long": sjsonLong,
}

// sjsonSchema is a document's schema: its keys in order and each one's type.
type sjsonSchema struct {
	keys  []string
	elems []*sjsonElem // elems[i] describes keys[i]
}

// sjsonElem is one value's type, with what decoding it needs.
type sjsonElem struct {
	typ     sjsonType
	doc     *sjsonSchema // objects
	items   []*sjsonElem // arrays: one per element
	subtype byte         // binData
	options string       // regex
}

// The schema as stored; decoded with encoding/json once per distinct schema.
type rawSchema struct {
	Properties map[string]*rawElem `json:"p"`
	Keys       []string            `json:"$k"`
}

type rawElem struct {
	Type    string     `json:"t"`
	Schema  *rawSchema `json:"$s"`
	Options *string    `json:"o"`
	Items   []*rawElem `json:"i"`
	Subtype *int       `json:"s"`
}

func (r *rawSchema) compile() (*sjsonSchema, error) {
	s := &sjsonSchema{keys: r.Keys, elems: make([]*sjsonElem, len(r.Keys))}
	if len(r.Properties) != len(r.Keys) {
		return nil, fmt.Errorf("sjson: schema lists %d keys for %d properties", len(r.Keys), len(r.Properties))
	}
	for i, k := range r.Keys {
		p, ok := r.Properties[k]
		if !ok {
			return nil, fmt.Errorf("sjson: no schema for key %q", k)
		}
		e, err := p.compile()
		if err != nil {
			return nil, err
		}
		s.elems[i] = e
	}
	return s, nil
}

func (r *rawElem) compile() (*sjsonElem, error) {
	if r == nil {
		return nil, errors.New("sjson: null schema element")
	}
	t, ok := sjsonTypeNames[r.Type]
	if !ok {
		return nil, fmt.Errorf("sjson: unknown type %q", r.Type)
	}
	e := &sjsonElem{typ: t}
	switch t {
	case sjsonObject:
		if r.Schema == nil {
			return nil, errors.New("sjson: object without a schema")
		}
		if len(r.Schema.Keys) == 0 && len(r.Schema.Properties) == 0 {
			e.doc = &sjsonSchema{}
			break
		}
		d, err := r.Schema.compile()
		if err != nil {
			return nil, err
		}
		e.doc = d
	case sjsonArray:
		e.items = make([]*sjsonElem, len(r.Items))
		for i, it := range r.Items {
			c, err := it.compile()
			if err != nil {
				return nil, err
			}
			e.items[i] = c
		}
	case sjsonBinData:
		if r.Subtype == nil || *r.Subtype < 0 || *r.Subtype > 255 {
			return nil, errors.New("sjson: binData without a subtype")
		}
		e.subtype = byte(*r.Subtype)
	case sjsonRegex:
		if r.Options != nil {
			e.options = *r.Options
		}
	}
	return e, nil
}

// schemaCache keeps compiled schemas by their stored text: documents of one
// collection mostly share a handful of schemas, so each is parsed once.
type schemaCache struct {
	mu sync.RWMutex
	m  map[string]*sjsonSchema
}

// maxCachedSchemas bounds the cache; past it, it starts over (schemas vary
// with array lengths, so a collection can have many, but each is small).
const maxCachedSchemas = 4096

func (c *schemaCache) get(raw []byte) (*sjsonSchema, error) {
	c.mu.RLock()
	s, ok := c.m[string(raw)] // no allocation for the lookup
	c.mu.RUnlock()
	if ok {
		return s, nil
	}
	var r rawSchema
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("sjson: schema: %w", err)
	}
	s = &sjsonSchema{}
	if len(r.Keys) > 0 || len(r.Properties) > 0 {
		var err error
		if s, err = r.compile(); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedSchemas {
		c.m = make(map[string]*sjsonSchema)
	}
	c.m[string(raw)] = s
	c.mu.Unlock()
	return s, nil
}

// projection keeps or drops top-level fields while decoding. The zero value
// keeps everything.
type projection struct {
	include bool            // true: keep only fields (and _id unless dropped); false: drop fields
	fields  map[string]bool // field -> listed
	dropID  bool            // inclusion projections may still drop _id
}

func (p projection) keeps(key string) bool {
	if p.fields == nil {
		return true
	}
	if key == "_id" {
		if p.include {
			return !p.dropID
		}
		return !p.fields["_id"]
	}
	return p.fields[key] == p.include
}

// sjsonDecoder turns stored rows into BSON documents.
type sjsonDecoder struct {
	schemas schemaCache
}

var errSJSON = errors.New("sjson: malformed stored document")

// decode appends the BSON form of one stored document to dst, keeping the
// top-level fields proj keeps.
func (d *sjsonDecoder) decode(dst []byte, row []byte, proj projection) ([]byte, error) {
	p := sjsonParser{b: row}
	p.ws()
	if !p.consume('{') {
		return nil, errSJSON
	}
	p.ws()
	key, ok := p.rawString()
	if !ok || string(key) != "$s" {
		return nil, fmt.Errorf("%w: no schema first", errSJSON)
	}
	p.ws()
	if !p.consume(':') {
		return nil, errSJSON
	}
	p.ws()
	start := p.i
	if !p.skipValue() {
		return nil, errSJSON
	}
	sch, err := d.schemas.get(row[start:p.i])
	if err != nil {
		return nil, err
	}
	idx, dst := bsoncore.AppendDocumentStart(dst)
	for i, k := range sch.keys {
		p.ws()
		if !p.consume(',') {
			return nil, fmt.Errorf("%w: %d fields for %d keys", errSJSON, i, len(sch.keys))
		}
		// FerretDB writes top-level keys without escaping them; Kizuna's
		// keys need none, and a mismatch is refused rather than guessed.
		if err := p.key(k, p.rawString); err != nil {
			return nil, err
		}
		if !proj.keeps(k) {
			if !p.skipValue() {
				return nil, errSJSON
			}
			continue
		}
		if dst, err = p.value(dst, k, sch.elems[i]); err != nil {
			return nil, err
		}
	}
	p.ws()
	if !p.consume('}') {
		return nil, fmt.Errorf("%w: more fields than the schema lists", errSJSON)
	}
	return bsoncore.AppendDocumentEnd(dst, idx)
}

// key reads `"want":` (read by readKey) and the space around it.
func (p *sjsonParser) key(want string, readKey func() ([]byte, bool)) error {
	p.ws()
	got, ok := readKey()
	if !ok || string(got) != want {
		return fmt.Errorf("%w: key %q where the schema says %q", errSJSON, got, want)
	}
	p.ws()
	if !p.consume(':') {
		return errSJSON
	}
	p.ws()
	return nil
}

// sjsonParser reads JSON from b at i.
type sjsonParser struct {
	b   []byte
	i   int
	tmp []byte // scratch for unescaped strings
}

func (p *sjsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *sjsonParser) consume(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *sjsonParser) literal(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// rawString returns a string's bytes between its quotes, escapes and all.
func (p *sjsonParser) rawString() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '"':
			s := p.b[start:p.i]
			p.i++
			return s, true
		case '\\':
			p.i += 2
		default:
			p.i++
		}
	}
	return nil, false
}

// str returns a string's value, unescaped (valid until the next call).
func (p *sjsonParser) str() ([]byte, bool) {
	raw, ok := p.rawString()
	if !ok {
		return nil, false
	}
	esc := false
	for _, c := range raw {
		if c == '\\' {
			esc = true
			break
		}
	}
	if !esc {
		return raw, true
	}
	out := p.tmp[:0]
	for j := 0; j < len(raw); j++ {
		c := raw[j]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		j++
		if j >= len(raw) {
			return nil, false
		}
		switch raw[j] {
		case '"', '\\', '/':
			out = append(out, raw[j])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n, ok := unicodeEscape(raw[j+1:])
			if !ok {
				return nil, false
			}
			j += n
			out = utf8.AppendRune(out, r)
		default:
			return nil, false
		}
	}
	p.tmp = out
	return out, true
}

// unicodeEscape reads the XXXX of \uXXXX (and a low surrogate's \uXXXX after
// a high one) from b; n is how many bytes it read.
func unicodeEscape(b []byte) (r rune, n int, ok bool) {
	hex4 := func(b []byte) (rune, bool) {
		if len(b) < 4 {
			return 0, false
		}
		v, err := strconv.ParseUint(string(b[:4]), 16, 16)
		return rune(v), err == nil
	}
	r, ok = hex4(b)
	if !ok {
		return 0, 0, false
	}
	if utf16.IsSurrogate(r) && len(b) >= 10 && b[4] == '\\' && b[5] == 'u' {
		if lo, ok := hex4(b[6:]); ok {
			if dec := utf16.DecodeRune(r, lo); dec != utf8.RuneError {
				return dec, 10, true
			}
		}
	}
	if utf16.IsSurrogate(r) {
		r = utf8.RuneError
	}
	return r, 4, true
}

// number returns the bytes of a JSON number.
func (p *sjsonParser) number() []byte {
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			p.i++
		default:
			return p.b[start:p.i]
		}
	}
	return p.b[start:p.i]
}

// skipValue steps over one JSON value of any kind.
func (p *sjsonParser) skipValue() bool {
	if p.i >= len(p.b) {
		return false
	}
	switch p.b[p.i] {
	case '"':
		_, ok := p.rawString()
		return ok
	case '{', '[':
		depth := 0
		for p.i < len(p.b) {
			switch p.b[p.i] {
			case '"':
				if _, ok := p.rawString(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					p.i++
					return true
				}
			}
			p.i++
		}
		return false
	case 't':
		return p.literal("true")
	case 'f':
		return p.literal("false")
	case 'n':
		return p.literal("null")
	default:
		return len(p.number()) > 0
	}
}

// value appends the element key: <the JSON value at p, of type e>.
func (p *sjsonParser) value(dst []byte, key string, e *sjsonElem) ([]byte, error) {
	if p.literal("null") {
		return bsoncore.AppendNullElement(dst, key), nil
	}
	bad := func(what string) error { return fmt.Errorf("%w: %s for %q at byte %d", errSJSON, what, key, p.i) }
	switch e.typ {
	case sjsonString:
		s, ok := p.str()
		if !ok {
			return nil, bad("string")
		}
		return appendBytesString(bsoncore.AppendHeader(dst, bsoncore.TypeString, key), s), nil
	case sjsonObjectID:
		s, ok := p.rawString()
		if !ok || len(s) != 24 {
			return nil, bad("objectId")
		}
		dst = bsoncore.AppendHeader(dst, bsoncore.TypeObjectID, key)
		var oid [12]byte
		if _, err := hex.Decode(oid[:], s); err != nil {
			return nil, bad("objectId")
		}
		return append(dst, oid[:]...), nil
	case sjsonBool:
		switch {
		case p.literal("true"):
			return bsoncore.AppendBooleanElement(dst, key, true), nil
		case p.literal("false"):
			return bsoncore.AppendBooleanElement(dst, key, false), nil
		}
		return nil, bad("bool")
	case sjsonInt:
		n, err := strconv.ParseInt(string(p.number()), 10, 32)
		if err != nil {
			return nil, bad("int")
		}
		return bsoncore.AppendInt32Element(dst, key, int32(n)), nil
	case sjsonLong:
		n, err := strconv.ParseInt(string(p.number()), 10, 64)
		if err != nil {
			return nil, bad("long")
		}
		return bsoncore.AppendInt64Element(dst, key, n), nil
	case sjsonDate:
		n, err := strconv.ParseInt(string(p.number()), 10, 64)
		if err != nil {
			return nil, bad("date")
		}
		return bsoncore.AppendDateTimeElement(dst, key, n), nil
	case sjsonDouble:
		f, err := strconv.ParseFloat(string(p.number()), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, bad("double")
		}
		return bsoncore.AppendDoubleElement(dst, key, f), nil
	case sjsonTimestamp:
		n, err := strconv.ParseUint(string(p.number()), 10, 64)
		if err != nil {
			return nil, bad("timestamp")
		}
		return bsoncore.AppendTimestampElement(dst, key, uint32(n>>32), uint32(n)), nil
	case sjsonRegex:
		s, ok := p.str()
		if !ok {
			return nil, bad("regex")
		}
		return bsoncore.AppendRegexElement(dst, key, string(s), e.options), nil
	case sjsonBinData:
		s, ok := p.rawString()
		if !ok {
			return nil, bad("binData")
		}
		b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(b, s)
		if err != nil {
			return nil, bad("binData")
		}
		return bsoncore.AppendBinaryElement(dst, key, e.subtype, b[:n]), nil
	case sjsonObject:
		return p.object(dst, key, e.doc)
	case sjsonArray:
		return p.array(dst, key, e.items)
	case sjsonNull:
		return nil, bad("null") // a null is the literal, handled above
	}
	return nil, bad("unknown type")
}

func (p *sjsonParser) object(dst []byte, key string, sch *sjsonSchema) ([]byte, error) {
	if !p.consume('{') {
		return nil, fmt.Errorf("%w: object for %q", errSJSON, key)
	}
	idx, dst := bsoncore.AppendDocumentElementStart(dst, key)
	for i, k := range sch.keys {
		p.ws()
		if i > 0 && !p.consume(',') {
			return nil, errSJSON
		}
		if err := p.key(k, p.str); err != nil {
			return nil, err
		}
		var err error
		if dst, err = p.value(dst, k, sch.elems[i]); err != nil {
			return nil, err
		}
	}
	p.ws()
	if !p.consume('}') {
		return nil, fmt.Errorf("%w: object %q longer than its schema", errSJSON, key)
	}
	return bsoncore.AppendDocumentEnd(dst, idx)
}

func (p *sjsonParser) array(dst []byte, key string, items []*sjsonElem) ([]byte, error) {
	if !p.consume('[') {
		return nil, fmt.Errorf("%w: array for %q", errSJSON, key)
	}
	idx, dst := bsoncore.AppendArrayElementStart(dst, key)
	for i, it := range items {
		p.ws()
		if i > 0 && !p.consume(',') {
			return nil, errSJSON
		}
		p.ws()
		var err error
		if dst, err = p.value(dst, arrayKey(i), it); err != nil {
			return nil, err
		}
	}
	p.ws()
	if !p.consume(']') {
		return nil, fmt.Errorf("%w: array %q longer than its schema", errSJSON, key)
	}
	return bsoncore.AppendArrayEnd(dst, idx)
}

// arrayKeys are the element names of BSON arrays ("0", "1", ...), made once.
var arrayKeys = func() []string {
	k := make([]string, 256)
	for i := range k {
		k[i] = strconv.Itoa(i)
	}
	return k
}()

func arrayKey(i int) string {
	if i < len(arrayKeys) {
		return arrayKeys[i]
	}
	return strconv.Itoa(i)
}

// appendBytesString appends a BSON string value (length, bytes, NUL).
func appendBytesString(dst, s []byte) []byte {
	if len(s)+1 > math.MaxInt32 {
		panic("mongodb: string too long for BSON")
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(s)+1))
	dst = append(dst, s...)
	return append(dst, 0)
}
