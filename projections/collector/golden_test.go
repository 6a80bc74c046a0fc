package collector

import (
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/govpulse/govpulse/internal/pgtest"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/domain_metrics.txt.gz from what the collectors export now")

// TestDomainMetricsUnchanged exports generated read models of many
// groups (loadDemoSized) and compares every domain family, as /metrics
// serves it in text, with testdata/domain_metrics.txt.gz (690 kB of text,
// zcat shows it): what the collectors exported before they were made
// faster. Label sets, values,
// help texts and order must stay byte for byte what the targets, boards
// and alert rules read; the collectors' own timings are left out.
func TestDomainMetricsUnchanged(t *testing.T) {
	pool := pgtest.NewPool(t)
	loadDemoSized(t, pool, 3)
	e := &Exporter{Entries: append(ReadModels(pool, 0), Entry{Name: "portal_usage", ReadModel: "portal_views", Collector: Portal{DB: pool}})}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	for _, mf := range mfs {
		if mf.GetName() == "govpulse_scrape_collector_duration_seconds" {
			continue
		}
		if _, err := expfmt.MetricFamilyToText(&got, mf); err != nil {
			t.Fatal(err)
		}
	}
	golden := "testdata/domain_metrics.txt.gz"
	if *updateGolden {
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		_, _ = w.Write(got.Bytes()) // into memory: cannot fail
		_ = w.Close()
		if err := os.WriteFile(golden, gz.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gz, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err == nil {
		want, err = io.ReadAll(r)
	}
	if err != nil {
		t.Fatalf("%s: %v", golden, err)
	}
	if n := bytes.Count(want, []byte("\n")); n < 5000 {
		t.Fatalf("%s holds %d lines, want the thousands of series of a demo-sized year", golden, n)
	}
	if !bytes.Equal(got.Bytes(), want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("the domain metrics differ from %s first at line %d:\n got %s\nwant %s", golden, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("the domain metrics differ from %s in length: %d lines, want %d", golden, len(gl), len(wl))
	}
}
