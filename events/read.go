package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// The one reading of JSON. Every event govpulse takes in, and every event
// it later reads back from the log, goes through readEvents first: a
// streaming jsontext decoder (the basis of encoding/json/v2) that refuses
// what a strict RFC 8259 / I-JSON (RFC 7493) parser could read differently:
// duplicate member names at any depth, invalid UTF-8, unpaired surrogate
// escapes, anything after the value. The light scanners of jsonscan.go then
// take the checked bytes apart; on such input they cannot disagree with the
// decoder, and member names are compared byte for byte (case-sensitive).

// MaxEventBytes is the largest one event may be, as sent.
const MaxEventBytes = 512 << 10

// readEvents checks body strictly and returns its events: the elements of
// a JSON array when batch is true, else the single value. Each returned
// value shares body's memory. A failure is a *SyntaxError naming the place
// and, when it lies inside an event, the event's index and field path.
func readEvents(body []byte, batch bool) ([]json.RawMessage, error) {
	r := readers.Get().(*reader)
	defer r.release()
	r.buf = *bytes.NewBuffer(body) // read in place, no copy
	r.dec.Reset(&r.buf)
	dec := &r.dec
	var raws []json.RawMessage
	if batch {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, strictError(body, err, true)
		}
		if tok.Kind() != '[' {
			return nil, syntaxErrorAt(body, firstNonSpace(body), "expected a JSON array of events")
		}
		for dec.PeekKind() != ']' {
			v, err := dec.ReadValue()
			if err != nil {
				return nil, strictError(body, err, true)
			}
			end := int(dec.InputOffset())
			raws = append(raws, json.RawMessage(body[end-len(v):end:end]))
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, strictError(body, err, true)
		}
	} else {
		v, err := readSingle(body, dec)
		if err != nil {
			return nil, err
		}
		return []json.RawMessage{v}, nil
	}
	if err := readEnd(body, dec, "the array of events"); err != nil {
		return nil, err
	}
	return raws, nil
}

// readSingle reads body as one value with dec, which reads body.
func readSingle(body []byte, dec *jsontext.Decoder) (json.RawMessage, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return nil, strictError(body, err, false)
	}
	end := int(dec.InputOffset())
	if err := readEnd(body, dec, "the event"); err != nil {
		return nil, err
	}
	return json.RawMessage(body[end-len(v) : end : end]), nil
}

// readEnd checks that nothing follows what dec has read of body.
func readEnd(body []byte, dec *jsontext.Decoder, what string) error {
	end := int(dec.InputOffset())
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return syntaxErrorAt(body, end+firstNonSpace(body[end:]), "unexpected data after "+what)
	}
	return nil
}

// reader is a decoder and its input, reused across calls: a decoder keeps
// its stacks and name sets, which the log reading (one call per stored
// event) would otherwise allocate for every event.
type reader struct {
	buf bytes.Buffer
	dec jsontext.Decoder
}

// readers is a cache of readers, not state: every call resets the one it
// takes.
var readers = sync.Pool{New: func() any { return new(reader) }}

// release drops the reader's hold on the input and returns it to readers.
func (r *reader) release() {
	r.buf = bytes.Buffer{}
	r.dec.Reset(&r.buf)
	readers.Put(r)
}

// strictError turns a jsontext error into a *SyntaxError at its offset,
// with the event index and field path taken from its JSON pointer.
func strictError(body []byte, err error, batch bool) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return syntaxErrorAt(body, len(body), "unexpected end of JSON input")
		}
		return syntaxErrorAt(body, 0, err.Error())
	}
	msg := se.Err.Error()
	if msg == "" {
		msg = "invalid JSON"
	}
	switch {
	case errors.Is(se.Err, io.ErrUnexpectedEOF), errors.Is(se.Err, io.EOF):
		msg = "unexpected end of JSON input"
	case strings.Contains(msg, "duplicate object member name"):
		msg = "duplicate member name; each name may appear once in an object (RFC 7493)"
	case strings.Contains(msg, "invalid UTF-8"):
		msg = "invalid UTF-8 in a string; send text as UTF-8"
	case strings.Contains(msg, "surrogate"):
		msg = "unpaired surrogate escape in a string (\\ud800-\\udfff must come in pairs); send text as UTF-8"
	}
	out := syntaxErrorAt(body, int(se.ByteOffset), msg)
	out.Index, out.Field = pointerPlace(string(se.JSONPointer), batch)
	return out
}

// pointerPlace splits a JSON pointer into the event index and a dotted
// field path ("data.department"); index is -1 outside any event.
func pointerPlace(p string, batch bool) (int, string) {
	if p == "" {
		if batch {
			return -1, ""
		}
		return 0, ""
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range parts {
		parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
	}
	index := 0
	if batch {
		n, err := strconv.Atoi(parts[0])
		if err != nil {
			return -1, ""
		}
		index, parts = n, parts[1:]
	}
	return index, clip(strings.Join(parts, "."), maxPathLen)
}

// maxPathLen bounds a field path quoted in a problem.
const maxPathLen = 120

// clip shortens s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// readOne reads a single stored or built event with the strict reading.
func readOne(raw []byte) (json.RawMessage, error) {
	r := readers.Get().(*reader)
	defer r.release()
	r.buf = *bytes.NewBuffer(raw) // read in place, no copy
	r.dec.Reset(&r.buf)
	return readSingle(raw, &r.dec)
}
