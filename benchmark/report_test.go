package benchmark

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

func TestMedianAndQuantile(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
	xs := make([]float64, 100)
	for i := range xs {
		xs[i] = float64(100 - i) // 100 … 1
	}
	if got := quantile(xs, 0.99); got != 99 {
		t.Errorf("p99 of 1…100 = %v, want 99", got)
	}
	if got := quantile(xs, 1); got != 100 {
		t.Errorf("max of 1…100 = %v, want 100", got)
	}
	if got := quantile(xs, 0.5); got != 50 {
		t.Errorf("p50 of 1…100 = %v, want 50", got)
	}
}

func TestCheckBars(t *testing.T) {
	figs := []Figure{
		{ID: "copy", Unit: "events/s", Runs: []float64{100, 120, 110}},
		{ID: "e2e", Unit: "events/s", Runs: []float64{40, 50, 60}},
		{ID: "lag", Unit: "s", Runs: []float64{0.4}},
	}
	for _, tc := range []struct {
		bar           Bar
		measured, met bool
		got           string
	}{
		{Bar{Figure: "e2e", Against: "copy", AtLeast: true, Value: 0.45}, true, true, "45%"},
		{Bar{Figure: "e2e", Against: "copy", AtLeast: true, Value: 0.5}, true, false, "45%"},
		{Bar{Figure: "e2e", Against: "copy", AtLeast: true, Value: 3}, true, false, "0.5×"},
		{Bar{Figure: "lag", Value: 0.5}, true, true, "0.400 s"},
		{Bar{Figure: "lag", Value: 0.4}, true, false, "0.400 s"},
		{Bar{Figure: "portal", Value: 20}, false, false, "not measured"},
		{Bar{Figure: "e2e", Against: "missing", AtLeast: true, Value: 1}, false, false, "not measured"},
	} {
		v := Check(tc.bar, figs)
		if v.Measured != tc.measured || v.Met != tc.met || v.GotText(figs) != tc.got {
			t.Errorf("Check(%+v) = measured %v met %v %q, want %v %v %q", tc.bar, v.Measured, v.Met, v.GotText(figs), tc.measured, tc.met, tc.got)
		}
	}
}

func TestRunReport(t *testing.T) {
	r := NewRun(2, nil)
	steps := []Step{
		{Name: "one", Title: "Step one", Run: func(ctx context.Context, r *Run) error {
			for _, v := range []float64{1000, 3000} {
				r.Add(Figure{ID: "base", Name: "the baseline", Unit: "events/s", Runs: []float64{v}},
					Figure{ID: "fig", Name: "the figure", Unit: "events/s", Runs: []float64{v / 2}, Baseline: "base"})
			}
			r.Note("a note on step one")
			r.Peak("govpulse serve, one", 50<<20)
			r.Peak("govpulse serve, one", 70<<20)
			return nil
		}},
		{Name: "two", Title: "Step two", Run: func(ctx context.Context, r *Run) error { return errors.New("broke") }},
	}
	results := r.Execute(context.Background(), steps)
	if len(results) != 2 || results[0].Err != nil || results[1].Err == nil {
		t.Fatalf("results = %+v", results)
	}
	var b bytes.Buffer
	rep := Report{Command: "govpulse bench --runs 2", Started: time.Now(), Finished: time.Now(), Runs: 2, Steps: results, Run: r,
		Bars: []Bar{{Figure: "fig", Against: "base", AtLeast: true, Value: 0.6, Text: "fig ≥ 60% of base"}, {Figure: "absent", Value: 1, Text: "absent bar"}}}
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"govpulse bench --runs 2", "| fig ≥ 60% of base | 50% | **missed** |", "| absent bar | not measured | not measured in this run |",
		"## Step one", "| `fig` the figure | 1,000 events/s | 500, 1,500 | 50% of base |", "a note on step one",
		"## Step two", "**Failed:** broke", "| govpulse serve, one | `one` | 2 | 70 MB |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}

//go:noinline
func spin(until time.Time) (n int) {
	for time.Now().Before(until) {
		for i := 0; i < 1000; i++ {
			n += i * i
		}
	}
	return n
}

func TestTopEntriesOfARealProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	// Spin until the profiler has a few samples of spin, however busy the
	// machine (it samples CPU time, not wall time); give up after 30 s.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		spin(time.Now().Add(300 * time.Millisecond))
		pprof.StopCPUProfile()
		f.Close()
		cpu, _, err := ProfileCPU(path)
		if err != nil {
			t.Fatal(err)
		}
		if cpu >= 100*time.Millisecond {
			break
		}
		if f, err = os.Create(path); err != nil {
			t.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
	}
	top, err := TopEntries(path, 5)
	if err != nil {
		t.Fatal(err)
	}
	share, err := CumulativeOf(path, "benchmark.spin")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range top {
		found = found || strings.HasSuffix(e.Function, "benchmark.spin")
		if e.Flat < 0 || e.Flat > e.Cum+1e-9 || e.Cum > 1+1e-9 {
			t.Errorf("entry %+v: want 0 ≤ flat ≤ cum ≤ 1", e)
		}
	}
	if !found || share < 0.5 {
		t.Errorf("spin not on top of its own profile (share %.2f): %+v", share, top)
	}
	if !strings.Contains(FormatTop(top), "benchmark.spin`") {
		t.Errorf("FormatTop lacks spin:\n%s", FormatTop(top))
	}
}
