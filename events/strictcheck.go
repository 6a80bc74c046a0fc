package events

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// checkStrict is a quick first look at a stored event, for the log's
// readers (a rebuild reads every event of the log): it says whether
// readOne, the strict reading, accepts raw, without jsontext's work per
// token. Its rules are the strict reading's: one RFC 8259 value with
// optional whitespace around it; strings of valid UTF-8 without control
// characters, escapes as RFC 8259 has them, \u surrogates in pairs; no
// member name twice in an object (names compared unescaped), at any depth.
// FuzzStrictCheckAgrees holds it to readOne.
//
// strictAccepted comes with the value as readOne returns it; on
// strictRefused or strictUnsure (more than maxCheckedNames members in the
// objects open at one place, or nesting deeper than maxCheckedDepth: too
// rare in events to check quickly) the caller takes readOne, which also
// words the refusal.
func checkStrict(raw []byte) (value []byte, v strictVerdict) {
	c := strictChecker{b: raw}
	return c.check()
}

// check is checkStrict of c.b.
func (c *strictChecker) check() ([]byte, strictVerdict) {
	raw := c.b
	start := skipSpace(raw, 0)
	end := c.value(start, 0)
	if end >= 0 && skipSpace(raw, end) == len(raw) {
		return raw[start:end:end], strictAccepted
	}
	if c.unsure {
		return nil, strictUnsure
	}
	return nil, strictRefused
}

// strictVerdict is checkStrict's answer.
type strictVerdict int

const (
	strictRefused strictVerdict = iota
	strictAccepted
	strictUnsure
)

// Bounds of checkStrict's own reading; past them it is unsure.
const (
	maxCheckedNames = 64
	maxCheckedDepth = 64
)

// strictChecker reads one value for checkStrict.
type strictChecker struct {
	b []byte
	// names[:n] are the member names of the objects being read,
	// innermost last: each the name's string literal, quotes included.
	// An array, so that the checker needs no allocation.
	names [maxCheckedNames]nameLit
	n     int
	// unsure is set when a bound stopped the reading.
	unsure bool

	// When record is set, top receives the members of the value when it
	// is an object, and data those of its member "data" when that is an
	// object: what the stored reading reads next, spared a second scan.
	record    bool
	top, data recordedObject
	inData    bool // reading the value of the top-level member "data"
}

// recordedObject is an object's members as checkStrict read them, in
// document order: names as written, values raw. whole is false when it
// had more than maxRecorded members, or was not read.
type recordedObject struct {
	whole   bool
	n       int
	names   [maxRecorded][]byte
	values  [maxRecorded][]byte
	escaped [maxRecorded]bool // the name has a backslash
}

// maxRecorded bounds the members a recordedObject keeps: an event's
// envelope has about ten, its data a dozen.
const maxRecorded = 24

// membersInto returns the recorded members as splitObjectInto returns
// them, appended to out[:0].
func (o *recordedObject) membersInto(out members) (members, bool) {
	out = out[:0]
	for i := range o.n {
		var key string
		if inner := o.names[i][1 : len(o.names[i])-1]; !o.escaped[i] {
			// What unquote gives a checked literal without escapes,
			// spared its look at each byte.
			var known bool
			if key, known = interned.lookup(inner); !known {
				key = string(inner)
			}
		} else {
			var ok bool
			if key, ok = unquote(o.names[i]); !ok {
				return nil, false
			}
		}
		out = append(out, member{key, o.values[i]})
	}
	return out, true
}

// add records a member; past maxRecorded the object is not whole.
func (o *recordedObject) add(name nameLit, value []byte) {
	if o.n == len(o.names) {
		o.whole = false
		return
	}
	o.names[o.n], o.values[o.n], o.escaped[o.n] = name.lit, value, name.escaped
	o.n++
}

// nameLit is a member name as written; escaped when it has a backslash.
// key is its length and first bytes: two unescaped names whose keys differ
// differ, which spares most comparisons of the names themselves.
type nameLit struct {
	lit     []byte
	escaped bool
	key     uint64
}

// nameKey is a nameLit's key of lit.
func nameKey(lit []byte) uint64 {
	k := uint64(len(lit)) << 56
	if len(lit) >= 8 {
		return k ^ binary.LittleEndian.Uint64(lit)>>8
	}
	for i, c := range lit {
		k ^= uint64(c) << (8 * i)
	}
	return k
}

// value returns the index just past the value at b[i], or -1.
func (c *strictChecker) value(i, depth int) int {
	b := c.b
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		end, _ := c.str(i)
		return end
	case '{':
		return c.object(i, depth+1)
	case '[':
		return c.array(i, depth+1)
	case 't':
		return literal(b, i, "true")
	case 'f':
		return literal(b, i, "false")
	case 'n':
		return literal(b, i, "null")
	default:
		return number(b, i)
	}
}

func (c *strictChecker) object(i, depth int) int {
	if depth > maxCheckedDepth {
		c.unsure = true
		return -1
	}
	base := c.n
	var rec *recordedObject
	switch {
	case !c.record:
	case depth == 1:
		rec = &c.top
	case depth == 2 && c.inData:
		rec = &c.data
	}
	if rec != nil {
		rec.whole, rec.n = true, 0
	}
	end := c.members(i, depth, base, rec)
	if end < 0 && rec != nil {
		rec.whole = false
	}
	c.n = base
	return end
}

// members reads the members of the object at b[i], its names from
// c.names[base] on, and records them in rec when it is not nil.
func (c *strictChecker) members(i, depth, base int, rec *recordedObject) int {
	b := c.b
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for i < len(b) && b[i] == '"' {
		end, escaped := c.str(i)
		if end < 0 {
			return -1
		}
		name := nameLit{b[i:end], escaped, nameKey(b[i:end])}
		for _, n := range c.names[base:c.n] {
			if (n.key == name.key || n.escaped || name.escaped) && sameName(n, name) {
				return -1
			}
		}
		if c.n == len(c.names) {
			c.unsure = true
			return -1
		}
		c.names[c.n] = name
		c.n++
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		start := skipSpace(b, i+1)
		if depth == 1 {
			c.inData = c.record && string(name.lit) == `"data"`
		}
		i = c.value(start, depth)
		if i < 0 {
			return -1
		}
		if depth == 1 {
			c.inData = false
		}
		if rec != nil {
			rec.add(name, b[start:i:i])
		}
		var done bool
		if i, done = afterValue(b, i, '}'); done {
			return i
		}
	}
	return -1
}

func (c *strictChecker) array(i, depth int) int {
	if depth > maxCheckedDepth {
		c.unsure = true
		return -1
	}
	b := c.b
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1
	}
	for {
		i = c.value(i, depth)
		if i < 0 {
			return -1
		}
		var done bool
		if i, done = afterValue(b, i, ']'); done {
			return i
		}
	}
}

// afterValue reads what follows a member or element ending at i: a ','
// (the next one's start, not done) or the closer (just past it, done); on
// anything else it answers -1, done.
func afterValue(b []byte, i int, closer byte) (int, bool) {
	i = skipSpace(b, i)
	switch {
	case i >= len(b):
		return -1, true
	case b[i] == ',':
		return skipSpace(b, i+1), false
	case b[i] == closer:
		return i + 1, true
	}
	return -1, true
}

// sameName reports whether two member names are the same once unescaped.
func sameName(a, b nameLit) bool {
	if !a.escaped && !b.escaped {
		return bytes.Equal(a.lit, b.lit)
	}
	// Both are checked string literals, so unquote reads them.
	sa, _ := unquote(a.lit)
	sb, _ := unquote(b.lit)
	return sa == sb
}

// str returns the index just past the string literal at b[i] and whether
// it has escapes, or -1 when the strict reading refuses it.
func (c *strictChecker) str(i int) (end int, escaped bool) {
	b := c.b
	j := i + 1
	for {
		// Eight bytes at a time while none is a quote or needs a look.
		for j+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[j:])
			if needsLook(w) || hasByte(w, '"') {
				break
			}
			j += 8
		}
		if j >= len(b) {
			return -1, escaped
		}
		switch ch := b[j]; {
		case ch == '"':
			return j + 1, escaped
		case ch == '\\':
			escaped = true
			n := escapeLen(b, j)
			if n < 0 {
				return -1, escaped
			}
			j += n
		case ch < 0x20:
			return -1, escaped
		case ch < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && size <= 1 {
				return -1, escaped
			}
			j += size
		}
	}
}

// escapeLen is the length of the escape at b[j] (a backslash), a \u
// escape of a high surrogate with its low one; -1 when the strict reading
// refuses it.
func escapeLen(b []byte, j int) int {
	if j+1 >= len(b) {
		return -1
	}
	switch b[j+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		r, ok := hex4(b, j+2)
		switch {
		case !ok:
			return -1
		case r >= 0xDC00 && r <= 0xDFFF: // a low surrogate alone
			return -1
		case r >= 0xD800 && r <= 0xDBFF:
			if j+7 >= len(b) || b[j+6] != '\\' || b[j+7] != 'u' {
				return -1
			}
			lo, ok := hex4(b, j+8)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return -1
			}
			return 12
		}
		return 6
	}
	return -1
}

// hex4 reads four hexadecimal digits at b[i].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, ch := range b[i : i+4] {
		switch {
		case ch >= '0' && ch <= '9':
			r = r<<4 | rune(ch-'0')
		case ch >= 'a' && ch <= 'f':
			r = r<<4 | rune(ch-'a'+10)
		case ch >= 'A' && ch <= 'F':
			r = r<<4 | rune(ch-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// hasByte reports whether one of the eight bytes of w is c.
func hasByte(w uint64, c byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	x := w ^ (ones * uint64(c))
	return (x-ones)&^x&highs != 0
}

// literal returns the index just past lit at b[i], or -1.
func literal(b []byte, i int, lit string) int {
	if !bytes.HasPrefix(b[i:], []byte(lit)) {
		return -1
	}
	return i + len(lit)
}

// number returns the index just past the RFC 8259 number at b[i], or -1.
func number(b []byte, i int) int {
	digits := func(j int) int {
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j
	}
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		j = digits(j + 1)
	default:
		return -1
	}
	if j < len(b) && b[j] == '.' {
		k := digits(j + 1)
		if k == j+1 {
			return -1
		}
		j = k
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := digits(j)
		if k == j {
			return -1
		}
		j = k
	}
	return j
}
