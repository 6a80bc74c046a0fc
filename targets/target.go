package targets

import "time"

// Measure kinds.
const (
	// MeasureCount is how many events the scope saw in the window.
	MeasureCount = "count"
	// MeasureShareWithinWorkingDays is the share of cases or licences done
	// within WorkingDays working days (over those whose days are known).
	MeasureShareWithinWorkingDays = "share_within_working_days"
	// MeasureAverageWorkingDays is the mean elapsed working days.
	MeasureAverageWorkingDays = "average_working_days"
	// MeasureP90WorkingDays is the 90th percentile of elapsed working days,
	// estimated from the read models' histogram.
	MeasureP90WorkingDays = "p90_working_days"
	// MeasureSpeedup is 1 − Σelapsed / Σpromised over cases with a promise.
	MeasureSpeedup = "speedup"
	// MeasureOverdueShare is the share of cases finished after their
	// promised working days.
	MeasureOverdueShare = "overdue_share"
	// MeasureShareWithinSeconds is the share of instant-mode cases done
	// within Seconds seconds.
	MeasureShareWithinSeconds = "share_within_seconds"
	// MeasureAppearanceRate is head (or deputy head) appearances per
	// administrative lawsuit hearing.
	MeasureAppearanceRate = "appearance_rate"
	// MeasureRatio is Numerator / Denominator, two scalar sums of the
	// scope's read model named by column: a target on any figure the read
	// model sums, written in targets.yaml alone. It is shown as a
	// percentage.
	MeasureRatio = "ratio"
)

// Window kinds.
const (
	WindowCalendarMonth   = "calendar_month"
	WindowCalendarQuarter = "calendar_quarter"
	WindowCalendarYear    = "calendar_year"
	WindowCampaign        = "campaign"
	WindowRolling         = "rolling"
)

// Statuses of an evaluation.
const (
	StatusMet              = "met"
	StatusMissed           = "missed"
	StatusAtRisk           = "at_risk"
	StatusInsufficientData = "insufficient_data"
)

// CityWide is the department label of a target's city-wide result.
const CityWide = "all"

// Target is one target: what it measures, over which events and window,
// and what counts as meeting it.
type Target struct {
	ID          string  `yaml:"id" json:"id"`
	Title       string  `yaml:"title" json:"title"`
	TitleEN     string  `yaml:"title_en" json:"title_en"`
	Description string  `yaml:"description" json:"description,omitempty"`
	Scope       Scope   `yaml:"scope" json:"scope"`
	Measure     Measure `yaml:"measure" json:"measure"`
	Comparator  string  `yaml:"comparator" json:"comparator"`
	Threshold   float64 `yaml:"threshold" json:"threshold"`
	Window      Window  `yaml:"window" json:"window"`
	// PerDepartment makes each department's result alert on its own; the
	// city-wide result is always computed and alerts the reform office.
	PerDepartment bool `yaml:"per_department" json:"per_department"`
	// MinSamples is the fewest samples below which the result is
	// insufficient data rather than a miss.
	MinSamples int64 `yaml:"min_samples" json:"min_samples"`
	// Severity of the missed alert: critical or warning (default).
	Severity string `yaml:"severity" json:"severity"`

	line int
}

// Scope says which events a target looks at. Empty lists match everything.
type Scope struct {
	EventType    string   `yaml:"event_type" json:"event_type"`
	Departments  []string `yaml:"departments" json:"departments,omitempty"`
	Districts    []string `yaml:"districts" json:"districts,omitempty"`
	Items        []string `yaml:"items" json:"items,omitempty"`
	Modes        []string `yaml:"modes" json:"modes,omitempty"`
	Channels     []string `yaml:"channels" json:"channels,omitempty"`
	LicenseTypes []string `yaml:"license_types" json:"license_types,omitempty"`
	HolderTypes  []string `yaml:"holder_types" json:"holder_types,omitempty"`
	Courts       []string `yaml:"courts" json:"courts,omitempty"`
}

// Measure says what number a target is about.
type Measure struct {
	Kind        string  `yaml:"kind" json:"kind"`
	WorkingDays float64 `yaml:"working_days" json:"working_days,omitempty"`
	Seconds     float64 `yaml:"seconds" json:"seconds,omitempty"`
	// Numerator and Denominator name the read model's sums a ratio
	// divides (its columns, e.g. assisted and finished).
	Numerator   string `yaml:"numerator" json:"numerator,omitempty"`
	Denominator string `yaml:"denominator" json:"denominator,omitempty"`
}

// IsShare reports whether the measure is a fraction of 1 (a share, a rate
// or a speedup), shown as a percentage. A ratio is shown so too, though
// it passes 1 when its numerator is not a part of its denominator.
func (m Measure) IsShare() bool {
	switch m.Kind {
	case MeasureShareWithinWorkingDays, MeasureShareWithinSeconds, MeasureOverdueShare, MeasureAppearanceRate, MeasureSpeedup, MeasureRatio:
		return true
	}
	return false
}

// Window says over which days of event time a target is measured.
type Window struct {
	Kind string `yaml:"kind" json:"kind"`
	// Days is the length of a rolling window.
	Days int `yaml:"days" json:"days,omitempty"`
	// From and To bound a campaign window, inclusive (YYYY-MM-DD).
	From string `yaml:"from" json:"from,omitempty"`
	To   string `yaml:"to" json:"to,omitempty"`
}

// Span is a window resolved for one evaluation date: the days From..To
// (inclusive) of which Through is the last one measured so far.
type Span struct {
	From    time.Time
	To      time.Time
	Through time.Time
}

// DaysTotal is the number of days in the span.
func (s Span) DaysTotal() int { return int(s.To.Sub(s.From).Hours()/24) + 1 }

// DaysElapsed is the number of days measured so far.
func (s Span) DaysElapsed() int { return int(s.Through.Sub(s.From).Hours()/24) + 1 }

// Resolve returns the window's span for evaluation date at (a date in the
// calendar's zone, at midnight). ok is false when at lies before a
// campaign.
func (w Window) Resolve(at time.Time) (span Span, ok bool) {
	y, m, d := at.Date()
	loc := at.Location()
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	at = date(y, m, d)
	switch w.Kind {
	case WindowCalendarMonth:
		span = Span{From: date(y, m, 1), To: date(y, m+1, 0)}
	case WindowCalendarQuarter:
		q := (int(m) - 1) / 3
		span = Span{From: date(y, time.Month(q*3+1), 1), To: date(y, time.Month(q*3+4), 0)}
	case WindowCalendarYear:
		span = Span{From: date(y, 1, 1), To: date(y, 12, 31)}
	case WindowRolling:
		span = Span{From: at.AddDate(0, 0, -(w.Days - 1)), To: at}
	case WindowCampaign:
		from, _ := time.ParseInLocation(time.DateOnly, w.From, loc)
		to, _ := time.ParseInLocation(time.DateOnly, w.To, loc)
		if at.Before(from) {
			return Span{}, false
		}
		span = Span{From: from, To: to}
	}
	span.Through = at
	if span.Through.After(span.To) {
		span.Through = span.To
	}
	return span, true
}

// Projects reports whether the window has an end to project to: calendar
// and campaign windows do, rolling windows don't.
func (w Window) Projects() bool { return w.Kind != WindowRolling }
