package events

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"sync"
	"unicode/utf8"
)

// The strict reading (readEvents) checks each event once; the light
// scanners below then take it apart, trusting that what they read is JSON
// the strict reading accepted: no duplicate names, valid UTF-8, paired
// surrogates. On such input they read exactly what the decoder read.
// Re-validating each event, then each event's data, then each field (as
// json.Unmarshal into maps and strings does) cost most of ingest's CPU.
// Never call them on bytes that did not pass readEvents.

// splitArray returns the elements of a checked JSON array, sharing b's
// memory.
func splitArray(b []byte) ([]json.RawMessage, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, false
	}
	var out []json.RawMessage
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return out, true
	}
	for i < len(b) {
		end := skipValue(b, i)
		if end < 0 {
			return nil, false
		}
		out = append(out, b[i:end:end])
		i = skipSpace(b, end)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return out, true
		default:
			return nil, false
		}
	}
	return nil, false
}

// member is one member of a JSON object: its name and its raw value.
type member struct {
	name  string
	value json.RawMessage
}

// members are a checked JSON object's members in document order. Names
// are unique, since the strict reading refuses duplicates, so finding one
// is a scan: for the dozen members of an event, cheaper than building a
// map.
type members []member

// get returns the value of the member named name.
func (ms members) get(name string) (json.RawMessage, bool) {
	for i := range ms {
		if ms[i].name == name {
			return ms[i].value, true
		}
	}
	return nil, false
}

// value is get without the flag: nil for a missing member.
func (ms members) value(name string) json.RawMessage {
	v, _ := ms.get(name)
	return v
}

// splitObject returns the members of a checked JSON object, values as raw
// JSON sharing b's memory. Names are compared byte for byte. ok is false
// when b is not an object.
func splitObject(b []byte) (members, bool) {
	return splitObjectInto(make(members, 0, 16), b)
}

// splitObjectInto is splitObject appending to out[:0], whose memory the
// caller provides (a buffer it reuses).
func splitObjectInto(out members, b []byte) (members, bool) {
	out = out[:0]
	ok := scanObject(b, func(name, value []byte) bool {
		key, ok := unquote(name)
		if ok {
			out = append(out, member{key, value})
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	return out, true
}

// scanObject calls member with each member of a checked JSON object in
// document order: its name as written (a string literal, quotes
// included) and its raw value, both sharing b's memory, until member
// returns false. ok is false when b is not an object or member stopped.
func scanObject(b []byte, member func(name, value []byte) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	for i < len(b) {
		if b[i] != '"' {
			return false
		}
		kend := skipString(b, i)
		if kend < 0 {
			return false
		}
		name := b[i:kend]
		i = skipSpace(b, kend)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		vend := skipValue(b, i)
		if vend < 0 || !member(name, b[i:vend:vend]) {
			return false
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
	return false
}

// unquote decodes a JSON string literal. Literals without escapes (nearly
// all) are copied as they are; others go through encoding/json.
func unquote(lit []byte) (string, bool) {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return "", false
	}
	inner := lit[1 : len(lit)-1]
	simple, ascii := true, true
	// Eight bytes at a time while none needs a look of its own (an
	// escape, a control character, a byte of a multi-byte character).
	i := 0
	for ; i+8 <= len(inner); i += 8 {
		if needsLook(binary.LittleEndian.Uint64(inner[i:])) {
			break
		}
	}
	for _, c := range inner[i:] {
		switch {
		case c == '\\' || c < 0x20:
			simple = false
		case c >= 0x80:
			ascii = false
		}
		if !simple {
			break
		}
	}
	if simple && !ascii {
		simple = utf8.Valid(inner)
	}
	if simple {
		if s, ok := interned.lookup(inner); ok {
			return s, true // no allocation for a name or value govpulse knows
		}
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return "", false
	}
	return s, true
}

// quoteOrBackslash marks the bytes of w that are a quote or a backslash
// with their high bit, exactly up to the first such byte (above it the
// borrow may mark others too).
func quoteOrBackslash(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, s := w^(ones*'"'), w^(ones*'\\')
	return ((q-ones)&^q | (s-ones)&^s) & highs
}

// needsLook reports whether one of the eight bytes of w is a backslash,
// below 0x20 or 0x80 and above.
func needsLook(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	bs := w ^ (ones * '\\')
	return (w|(w-ones*0x20)|(bs-ones)&^bs)&highs != 0
}

// interned holds the strings that every event repeats: the envelope's
// attribute names, every type's data field names, the type names and the
// fixed attribute values. unquote returns these instead of allocating a
// copy for every event read. It is filled once, on first use, from the
// decoders themselves (the names each asks for of an empty object, which
// reads no value, and the values of its enumerations), and never changes
// after.
var interned internTable

// internTable is an open-addressing table of a few hundred strings, read
// by every decoded name and value: cheaper than a map, its hash reads only
// the length and three bytes, and a miss (an id, a time) usually ends at
// the first empty slot.
type internTable struct {
	once  sync.Once
	slots []string // len a power of two; "" is empty
}

func internHash(b []byte) uint32 {
	n := uint32(len(b))
	h := n * 0x9E3779B1
	if n > 0 {
		h ^= uint32(b[0])*0x85EBCA77 ^ uint32(b[n/2])*0xC2B2AE3D ^ uint32(b[n-1])*0x27D4EB2F
	}
	return h ^ h>>15
}

func (t *internTable) lookup(b []byte) (string, bool) {
	t.once.Do(func() { t.fill(internedStrings()) })
	if len(b) == 0 {
		return "", false
	}
	mask := uint32(len(t.slots) - 1)
	for i := internHash(b) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == "" {
			return "", false
		}
		if s == string(b) { // a comparison by bytes allocates nothing
			return s, true
		}
	}
}

func (t *internTable) fill(m map[string]string) {
	n := 64
	for n < 4*len(m) { // at most a quarter full: short probes
		n *= 2
	}
	t.slots = make([]string, n)
	mask := uint32(n - 1)
	for s := range m {
		if s == "" {
			continue
		}
		i := internHash([]byte(s)) & mask
		for t.slots[i] != "" {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

func internedStrings() map[string]string {
	m := map[string]string{}
	add := func(names ...string) {
		for _, n := range names {
			m[n] = n
		}
	}
	add(contextAttributes...)
	add("data", "data_base64", "1.0", "application/json")
	for _, t := range eventTypes() {
		add(t.name)
		var enums []string
		r := &fieldReader{eventType: t.name, stored: true, enums: &enums}
		t.decode(r)
		add(r.asked...)
		add(enums...)
	}
	return m
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string literal at b[i].
func skipString(b []byte, i int) int {
	end, _ := scanString(b, i)
	return end
}

// scanString returns the index just past the string literal at b[i] and
// whether it has escapes, or -1 when it does not end. It looks only for
// the closing quote, skipping escapes, eight bytes at a time: the first
// quote or backslash of a word is its lowest byte that quoteOrBackslash
// marks.
func scanString(b []byte, i int) (end int, escaped bool) {
	j := i + 1
	for {
		for j+8 <= len(b) {
			if m := quoteOrBackslash(binary.LittleEndian.Uint64(b[j:])); m != 0 {
				j += bits.TrailingZeros64(m) / 8
				break
			}
			j += 8
		}
		for j < len(b) && b[j] != '"' && b[j] != '\\' {
			j++
		}
		switch {
		case j >= len(b):
			return -1, escaped
		case b[j] == '"':
			return j + 1, escaped
		}
		escaped = true
		j += 2
	}
}

// skipValue returns the index just past the JSON value starting at b[i],
// or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end := skipString(b, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default: // number, true, false, null
		j := i
		for j < len(b) {
			switch b[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j
			}
			j++
		}
		return j
	}
}
