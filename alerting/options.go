package alerting

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Options tune the generated rules and Alertmanager configuration. The
// zero value of a field means its default (see DefaultOptions); negative
// durations are refused by Check.
type Options struct {
	// MissedFor is how long a target must stay missed before
	// GovpulseTargetMissed fires. Targets are re-evaluated every minute or
	// so, so this rides out a flapping boundary.
	MissedFor time.Duration
	// AtRiskFor is how long a target must stay at risk before
	// GovpulseTargetAtRisk fires; a projection moves with every case.
	AtRiskFor time.Duration
	// StallAfter is how long a department may send nothing before
	// GovpulseIngestStalled fires for it. A weekend is about 64 hours.
	StallAfter time.Duration
	// LagAfter is the projection lag (age of the oldest unapplied event)
	// above which GovpulseProjectionLagHigh fires.
	LagAfter time.Duration
	// PipelineFor is the "for" of the pipeline alerts (stall, lag, poison
	// queue, rejections, evaluation, down).
	PipelineFor time.Duration
	// RejectedPerSecond is the rate of rejected events per source, over
	// 15 minutes, above which GovpulseIngestRejectedRising fires.
	RejectedPerSecond float64
	// EvaluationStaleAfter is how old the last target evaluation may be
	// before GovpulseTargetsNotEvaluated fires.
	EvaluationStaleAfter time.Duration
	// Job is the Prometheus scrape job of govpulse, for GovpulseDown.
	Job string
	// ExternalURL is govpulse's base URL as the on-call reaches it; when
	// set, target alerts link to GET /v1/targets for their department.
	ExternalURL string

	// GroupWait, GroupInterval, RepeatInterval and ResolveTimeout are the
	// Alertmanager route and global settings of the same names.
	GroupWait      time.Duration
	GroupInterval  time.Duration
	RepeatInterval time.Duration
	ResolveTimeout time.Duration
}

// DefaultOptions returns the defaults for a city's production setup.
func DefaultOptions() Options {
	return Options{
		MissedFor:            10 * time.Minute,
		AtRiskFor:            time.Hour,
		StallAfter:           72 * time.Hour,
		LagAfter:             10 * time.Minute,
		PipelineFor:          5 * time.Minute,
		RejectedPerSecond:    0.05,
		EvaluationStaleAfter: 10 * time.Minute,
		Job:                  "govpulse",
		GroupWait:            30 * time.Second,
		GroupInterval:        5 * time.Minute,
		RepeatInterval:       4 * time.Hour,
		ResolveTimeout:       5 * time.Minute,
	}
}

// withDefaults fills the zero fields of o from DefaultOptions.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	fill := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	fill(&o.MissedFor, d.MissedFor)
	fill(&o.AtRiskFor, d.AtRiskFor)
	fill(&o.StallAfter, d.StallAfter)
	fill(&o.LagAfter, d.LagAfter)
	fill(&o.PipelineFor, d.PipelineFor)
	fill(&o.EvaluationStaleAfter, d.EvaluationStaleAfter)
	fill(&o.GroupWait, d.GroupWait)
	fill(&o.GroupInterval, d.GroupInterval)
	fill(&o.RepeatInterval, d.RepeatInterval)
	fill(&o.ResolveTimeout, d.ResolveTimeout)
	if o.RejectedPerSecond == 0 {
		o.RejectedPerSecond = d.RejectedPerSecond
	}
	if o.Job == "" {
		o.Job = d.Job
	}
	return o
}

// Check reports every unusable option, each named by its flag.
func (o Options) Check() error {
	var errs []error
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{
		{"--for", o.MissedFor}, {"--at-risk-for", o.AtRiskFor}, {"--stall-after", o.StallAfter},
		{"--lag-after", o.LagAfter}, {"--pipeline-for", o.PipelineFor},
		{"--evaluation-stale-after", o.EvaluationStaleAfter}, {"--group-wait", o.GroupWait},
		{"--group-interval", o.GroupInterval}, {"--repeat-interval", o.RepeatInterval},
		{"--resolve-timeout", o.ResolveTimeout},
	} {
		switch {
		case d.v < 0:
			errs = append(errs, fmt.Errorf("%s %s: must not be negative", d.flag, d.v))
		case d.v%time.Millisecond != 0:
			errs = append(errs, fmt.Errorf("%s %s: Prometheus durations are whole milliseconds", d.flag, d.v))
		}
	}
	if o.RejectedPerSecond < 0 || math.IsNaN(o.RejectedPerSecond) || math.IsInf(o.RejectedPerSecond, 0) {
		errs = append(errs, fmt.Errorf("--rejected-per-second %v: must be a number ≥ 0", o.RejectedPerSecond))
	}
	if o.Job != "" && !labelValueSafe(o.Job) {
		errs = append(errs, fmt.Errorf("--job %q: letters, digits, '-', '_' and '.' only", o.Job))
	}
	if o.ExternalURL != "" {
		u, err := url.Parse(o.ExternalURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("--external-url %q: must be an http(s) base URL such as https://govpulse.example.gov.cn", o.ExternalURL))
		} else if strings.Contains(o.ExternalURL, "{{") {
			errs = append(errs, fmt.Errorf("--external-url %q: must not contain {{", o.ExternalURL))
		}
	}
	return errors.Join(errs...)
}

func labelValueSafe(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return s != ""
}

// promDuration writes d the way Prometheus and Alertmanager spell
// durations: "10m", "1h30m", "72h", "500ms" ("0s" for zero).
func promDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		unit string
		size time.Duration
	}{{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}} {
		if n := d / u.size; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10) + u.unit)
			d -= n * u.size
		}
	}
	return b.String()
}

// promNumber writes v as a PromQL number literal, without exponent.
func promNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
