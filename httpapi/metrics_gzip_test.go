package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/httpapi"
)

// TestMetricsGzip: /metrics answers a client that takes gzip (as
// Prometheus and Go's HTTP client ask) with gzip, whose text is what an
// uncompressed answer holds; a client refusing gzip, or preferring
// identity, gets no gzip, as from promhttp itself.
func TestMetricsGzip(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gzip_test_total", Help: "A counter of many series."}, []string{"n"})
	reg.MustRegister(c)
	for i := range 500 {
		c.WithLabelValues(strings.Repeat("x", i%37) + string(rune('a'+i%26)) + strings.Repeat("y", i/26)).Add(float64(i))
	}
	srv := newHandlerServer(t, func(s *httpapi.Server) { s.Registry = reg })
	get := func(acceptEncoding string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", acceptEncoding) // set: the transport neither adds nor inflates
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("Accept-Encoding %q: HTTP %d, %v: %.200s", acceptEncoding, resp.StatusCode, err, body)
		}
		return resp, body
	}
	resp, plain := get("identity")
	if enc := resp.Header.Get("Content-Encoding"); enc != "" || !bytes.Contains(plain, []byte(`gzip_test_total{n="a"} 0`)) {
		t.Fatalf("identity: Content-Encoding %q, body %.200s", enc, plain)
	}
	for _, ae := range []string{"gzip", "gzip, deflate", "deflate, gzip;q=0.8", "zstd, gzip", "identity;q=0.5, gzip"} {
		resp, body := get(ae)
		if enc := resp.Header.Get("Content-Encoding"); enc != "gzip" {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want gzip", ae, enc)
			continue
		}
		r, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("Accept-Encoding %q: %v", ae, err)
		}
		text, err := io.ReadAll(r)
		if err != nil || family(text) != family(plain) {
			t.Errorf("Accept-Encoding %q: inflated %d bytes (%v), want the identity answer's series", ae, len(text), err)
		}
		if len(body) >= len(plain)/4 {
			t.Errorf("Accept-Encoding %q: %d bytes for %d of text", ae, len(body), len(plain))
		}
	}
	for ae, want := range map[string]string{"gzip;q=0": "", "zstd": "", "gzip;q=0.5, identity": "", "br": "", "gzip;q=x": "", "*;q=0": "", "*": "", "*, identity;q=0.1": ""} {
		if resp, _ := get(ae); resp.Header.Get("Content-Encoding") != want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", ae, resp.Header.Get("Content-Encoding"), want)
		}
	}
}

// family returns the lines of the test's counter in a /metrics answer
// (the API's request metrics around it change from request to request).
func family(text []byte) string {
	var b strings.Builder
	for _, line := range strings.Split(string(text), "\n") {
		if strings.Contains(line, "gzip_test_total") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
