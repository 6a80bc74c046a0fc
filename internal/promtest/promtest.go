package promtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Samples are a scrape's samples by name, then by their labels as Labels
// writes them ("" for none). A histogram's are under name_bucket (with
// le), name_sum and name_count, as the text format names them.
type Samples map[string]map[string]float64

// Gather returns every sample g gathers.
func Gather(t testing.TB, g prometheus.Gatherer) Samples {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return extract(t, mfs)
}

// Parse returns every sample of a scrape in the text format (a /metrics
// body), failing the test on a body the format does not allow.
func Parse(t testing.TB, body []byte) Samples {
	t.Helper()
	dec := expfmt.NewDecoder(bytes.NewReader(body), expfmt.NewFormat(expfmt.TypeTextPlain))
	var mfs []*dto.MetricFamily
	for {
		mf := new(dto.MetricFamily)
		err := dec.Decode(mf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("metrics: %v", err)
		}
		mfs = append(mfs, mf)
	}
	return extract(t, mfs)
}

func extract(t testing.TB, mfs []*dto.MetricFamily) Samples {
	t.Helper()
	vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: model.Now()}, mfs...)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	out := Samples{}
	for _, s := range vec {
		name := string(s.Metric[model.MetricNameLabel])
		var pairs []string
		for k, v := range s.Metric {
			if k != model.MetricNameLabel {
				pairs = append(pairs, string(k), string(v))
			}
		}
		if out[name] == nil {
			out[name] = map[string]float64{}
		}
		out[name][Labels(pairs...)] = float64(s.Value)
	}
	return out
}

// Labels writes label pairs (name, value, name, value…) in the text
// format's form, sorted by name: Labels("route", "GET /search", "code",
// "200") is `code="200",route="GET /search"`.
func Labels(pairs ...string) string {
	if len(pairs)%2 != 0 {
		panic(fmt.Sprintf("promtest.Labels: %d strings, want name and value pairs", len(pairs)))
	}
	type label struct{ name, value string }
	ls := make([]label, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		ls = append(ls, label{pairs[i], pairs[i+1]})
	}
	slices.SortFunc(ls, func(a, b label) int { return strings.Compare(a.name, b.name) })
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", l.name, l.value)
	}
	return b.String()
}

// Series returns the samples whose names start with one of prefixes,
// each keyed by its whole series as the text format writes it:
// name{labels}, or name alone.
func (s Samples) Series(prefixes ...string) map[string]float64 {
	out := map[string]float64{}
	for name, byLabels := range s {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue
		}
		for labels, v := range byLabels {
			key := name
			if labels != "" {
				key += "{" + labels + "}"
			}
			out[key] = v
		}
	}
	return out
}
