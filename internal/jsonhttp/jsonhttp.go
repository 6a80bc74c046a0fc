package jsonhttp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
)

// maxPooled is the largest buffer kept for reuse; a rare huge answer's
// buffer goes to the collector rather than staying in the pool.
const maxPooled = 1 << 20

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Write answers status with v as JSON, as encoding/json's Encoder with
// HTML escaping writes it (a newline after the value). The answer is
// encoded into a pooled buffer and written at once; if v cannot be
// encoded the answer has the status and no body.
func Write(w http.ResponseWriter, status int, v any) {
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
	}
	writeBody(w, status, buf.Bytes())
	release(buf)
}

// WriteAppended answers status with the JSON that appendJSON appends to
// a pooled buffer, followed by a newline as Write writes it. appendJSON
// must write what encoding/json would for the value it stands for (with
// HTML escaping; AppendString does strings so).
func WriteAppended(w http.ResponseWriter, status int, appendJSON func([]byte) []byte) {
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	b := append(appendJSON(buf.AvailableBuffer()), '\n')
	writeBody(w, status, b)
	if cap(b) > buf.Cap() {
		// The appender outgrew the buffer: keep the larger array.
		buf = bytes.NewBuffer(b[:0])
	}
	release(buf)
}

func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func release(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooled {
		buffers.Put(buf)
	}
}
