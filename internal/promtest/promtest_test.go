package promtest

import (
	"bytes"
	"maps"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// TestGatherAndParseAgree: a registry's samples read directly and read
// back from its text exposition are the same, keyed as the text format
// writes them, a histogram's by the names of its series.
func TestGatherAndParseAgree(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "x_total", Help: "x"}, []string{"route", "code", "a1", "a"})
	c.WithLabelValues("GET /search", "200", "一", `q"\`).Add(2)
	c.WithLabelValues("other", "404", "", "").Inc()
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h_seconds", Help: "h", Buckets: []float64{1}})
	h.Observe(0.5)
	h.Observe(3)
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "g", Help: "g"})
	g.Set(-1.5)
	reg.MustRegister(c, h, g)

	got := Gather(t, reg)
	want := Samples{
		"x_total": {
			Labels("route", "GET /search", "code", "200", "a1", "一", "a", `q"\`): 2,
			`a="",a1="",code="404",route="other"`:                                1,
		},
		"h_seconds_bucket": {`le="1"`: 1, `le="+Inf"`: 2},
		"h_seconds_sum":    {"": 3.5},
		"h_seconds_count":  {"": 2},
		"g":                {"": -1.5},
	}
	if !maps.EqualFunc(got, want, maps.Equal) {
		t.Errorf("Gather = %v, want %v", got, want)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&text, mf); err != nil {
			t.Fatal(err)
		}
	}
	if parsed := Parse(t, text.Bytes()); !maps.EqualFunc(parsed, want, maps.Equal) {
		t.Errorf("Parse = %v, want %v\n%s", parsed, want, text.String())
	}
	if s := got.Series("h_"); len(s) != 4 || s["h_seconds_count"] != 2 || s[`h_seconds_bucket{le="1"}`] != 1 {
		t.Errorf("Series(h_) = %v", s)
	}
}

// TestParseRefusesWhatTheFormatDoesNot: a broken body fails the test
// rather than reading as no samples.
func TestParseRefusesWhatTheFormatDoesNot(t *testing.T) {
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		Parse(ft, []byte("x_total{a=\"1\" 2\n"))
	}()
	if !ft.failed {
		t.Error("Parse read a sample with an unclosed label set")
	}
}

// fakeT records a fatal failure and stops the call, as testing.T does.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}
