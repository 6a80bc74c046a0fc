package benchmark

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// ProfileEntry is one function of a CPU profile: its own time (flat) and
// its time including what it called (cum), as shares of the total.
type ProfileEntry struct {
	Function  string
	Flat, Cum float64
}

// TopEntries reads the CPU profile at path and returns the n functions
// with the most flat time, as `go tool pprof -top` lists them.
func TopEntries(path string, n int) ([]ProfileEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("read profile %s: %w", path, err)
	}
	// The last sample value of a CPU profile is nanoseconds on CPU.
	vi := len(p.SampleType) - 1
	flat, cum := map[string]int64{}, map[string]int64{}
	var total int64
	for _, s := range p.Sample {
		v := s.Value[vi]
		total += v
		seen := map[string]bool{}
		for li, loc := range s.Location {
			for ni, line := range loc.Line {
				if line.Function == nil {
					continue
				}
				name := line.Function.Name
				if li == 0 && ni == 0 {
					flat[name] += v
				}
				if !seen[name] {
					seen[name] = true
					cum[name] += v
				}
			}
		}
	}
	if total == 0 {
		return nil, nil
	}
	out := make([]ProfileEntry, 0, len(flat))
	for name, v := range flat {
		out = append(out, ProfileEntry{Function: name, Flat: float64(v) / float64(total), Cum: float64(cum[name]) / float64(total)})
	}
	slices.SortFunc(out, func(a, b ProfileEntry) int { return cmp.Compare(b.Flat, a.Flat) })
	return out[:min(n, len(out))], nil
}

// CumulativeOf returns the cum share of the functions whose names contain
// any of parts, each profile entry counted once: how much of the time went
// through, say, the strict JSON reading.
func CumulativeOf(path string, parts ...string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return 0, err
	}
	vi := len(p.SampleType) - 1
	var total, hit int64
	for _, s := range p.Sample {
		v := s.Value[vi]
		total += v
	sample:
		for _, loc := range s.Location {
			for _, line := range loc.Line {
				if line.Function == nil {
					continue
				}
				for _, part := range parts {
					if strings.Contains(line.Function.Name, part) {
						hit += v
						break sample
					}
				}
			}
		}
	}
	if total == 0 {
		return 0, nil
	}
	return float64(hit) / float64(total), nil
}

// FormatTop renders entries as a Markdown table.
func FormatTop(entries []ProfileEntry) string {
	var b strings.Builder
	b.WriteString("| flat | cum | function |\n|---:|---:|---|\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "| %.1f%% | %.1f%% | `%s` |\n", 100*e.Flat, 100*e.Cum, e.Function)
	}
	return b.String()
}

// ProfileCPU returns a CPU profile's time on CPU and its wall duration:
// their ratio is how many cores the process got while profiled.
func ProfileCPU(path string) (cpu, wall time.Duration, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return 0, 0, err
	}
	vi := len(p.SampleType) - 1
	var total int64
	for _, s := range p.Sample {
		total += s.Value[vi]
	}
	return time.Duration(total), time.Duration(p.DurationNanos), nil
}
