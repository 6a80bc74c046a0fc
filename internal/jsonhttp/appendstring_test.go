package jsonhttp

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
)

func encodingJSONString(t testing.TB, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendStringIsEncodingJSON(t *testing.T) {
	var all strings.Builder
	for b := range 256 {
		all.WriteByte(byte(b))
	}
	cases := []string{"", "plain", "<script>&amp;</script>", "\u2028\u2029", "社会保险 青政办发[2020]12号", "\xff", "\xe4\xb8", "a\xe4\xb8\xadb\xc0\x80", "\U0001F600", "\ufffd", all.String()}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		cases = append(cases, string(b))
	}
	// Every code point, and every three-byte lead with every pair of
	// following bytes (valid, invalid, cut short).
	var runes strings.Builder
	for r := rune(0); r <= 0x10FFFF; r++ {
		runes.WriteRune(r)
	}
	cases = append(cases, runes.String())
	for lead := 0xE0; lead <= 0xEF; lead++ {
		var seqs strings.Builder
		for b1 := range 256 {
			for _, b2 := range []int{0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xA7, 0xA8, 0xA9, 0xAA, 0xBF, 0xC0, 0xE4, 0xFF} {
				seqs.Write([]byte{byte(lead), byte(b1), byte(b2), 'x'})
			}
		}
		cases = append(cases, seqs.String(), string([]byte{byte(lead)}), string([]byte{byte(lead), 0x80}), string([]byte{'a', byte(lead), 0xB8}))
	}
	for _, s := range cases {
		if got, want := AppendString([]byte("x"), s), append([]byte("x"), encodingJSONString(t, s)...); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"<>&", "\u2028", "\xff", "a\"\\\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendString(nil, s), encodingJSONString(t, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestWriteAppended(t *testing.T) {
	for _, n := range []int{1, 10, 100000, 2 << 20} {
		rec := httptest.NewRecorder()
		s := strings.Repeat("<", n)
		WriteAppended(rec, 201, func(b []byte) []byte { return AppendString(b, s) })
		want := append(encodingJSONString(t, s), '\n')
		if rec.Code != 201 || !bytes.Equal(rec.Body.Bytes(), want) || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("WriteAppended of %d bytes = %d %v, body %.40q, want %.40q", n, rec.Code, rec.Header(), rec.Body, want)
		}
	}
}

// A value encoding/json cannot encode leaves the status and no body, as
// the Encoder did; the next answer from the pool is whole.
func TestWriteUnencodable(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, 200, map[string]any{"f": func() {}})
	if rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("unencodable = %d %q, want 200 and no body", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	Write(rec, 200, []int{1, 2})
	if rec.Body.String() != "[1,2]\n" {
		t.Errorf("after it: %q", rec.Body)
	}
}

// BenchmarkAppendString writes a policy title as the match answer does;
// encoding-json is the baseline, encoding/json's Marshal of the same
// string into a reused buffer.
func BenchmarkAppendString(b *testing.B) {
	s := "青岛市人民政府办公厅关于印发青岛市支持中小企业高质量发展若干政策措施的通知（青政办发〔2023〕5号）"
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = AppendString(buf[:0], s)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for b.Loop() {
			buf.Reset()
			_ = enc.Encode(s)
		}
	})
}
