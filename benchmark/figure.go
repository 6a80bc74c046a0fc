package benchmark

import (
	"fmt"
	"slices"
)

// Figure is one measured quantity of a benchmark run: the value of each
// run, and the same-run baseline it is compared with.
type Figure struct {
	// ID names the figure for bars and baselines ("e2e", "copy").
	ID string
	// Name says what was measured, for the report.
	Name string
	// Unit is "events/s", "s", "ms" or "MB".
	Unit string
	// Runs holds one value per run; the report shows their median.
	Runs []float64
	// Baseline is the ID of the figure measured beside it in the same run,
	// which the report shows its ratio to; empty for none.
	Baseline string
	// Note says how it was measured, or why there are fewer runs.
	Note string
}

// Median is the median of the figure's runs (0 without runs).
func (f Figure) Median() float64 { return median(f.Runs) }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

// Bar is a bar the project holds a figure to: a ratio to another figure of
// the same run (Against set) or an absolute value.
type Bar struct {
	// Figure is the ID of the figure held to the bar.
	Figure string
	// Against is the ID of the figure the ratio is taken to; empty for an
	// absolute bar.
	Against string
	// AtLeast says the figure (or ratio) must be ≥ Value; otherwise it must
	// be < Value.
	AtLeast bool
	Value   float64
	// Text is the bar as the issue states it.
	Text string
}

// Verdict is a bar checked against a run's figures.
type Verdict struct {
	Bar
	// Measured is false when a figure the bar needs was not measured.
	Measured bool
	// Got is the figure's median, or its ratio to Against's median.
	Got float64
	Met bool
}

// Check checks bar against figures.
func Check(bar Bar, figures []Figure) Verdict {
	v := Verdict{Bar: bar}
	f, ok := find(figures, bar.Figure)
	if !ok || len(f.Runs) == 0 {
		return v
	}
	got := f.Median()
	if bar.Against != "" {
		base, ok := find(figures, bar.Against)
		if !ok || base.Median() == 0 {
			return v
		}
		got /= base.Median()
	}
	v.Measured, v.Got = true, got
	if bar.AtLeast {
		v.Met = got >= bar.Value
	} else {
		v.Met = got < bar.Value
	}
	return v
}

// GotText is the checked value as the report prints it.
func (v Verdict) GotText(figures []Figure) string {
	if !v.Measured {
		return "not measured"
	}
	if v.Against != "" {
		if v.Value < 2 {
			return fmt.Sprintf("%.0f%%", 100*v.Got)
		}
		return fmt.Sprintf("%.1f×", v.Got)
	}
	f, _ := find(figures, v.Figure)
	return formatValue(v.Got, f.Unit)
}

func find(figures []Figure, id string) (Figure, bool) {
	for _, f := range figures {
		if f.ID == id {
			return f, true
		}
	}
	return Figure{}, false
}

// formatValue prints v in unit with sensible precision.
func formatValue(v float64, unit string) string {
	switch unit {
	case "events/s":
		return thousands(v) + " events/s"
	case "s":
		return fmt.Sprintf("%.3f s", v)
	case "ms":
		return fmt.Sprintf("%.1f ms", v)
	case "MB":
		return fmt.Sprintf("%.0f MB", v)
	}
	return fmt.Sprintf("%g %s", v, unit)
}

// thousands prints v rounded, with commas between thousands.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// quantile is the p-quantile of xs (nearest rank; p = 1 is the maximum).
func quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}
