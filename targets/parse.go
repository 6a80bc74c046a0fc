package targets

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/projections"
)

//go:embed targets.yaml
var defaultTargets []byte

// Default returns the shipped targets, checked against cat.
func Default(cat *events.Catalog) ([]Target, error) {
	ts, err := Parse(defaultTargets, cat)
	if err != nil {
		return nil, fmt.Errorf("shipped targets: %w", err)
	}
	return ts, nil
}

// Load reads the targets file at path, or the shipped one when path is
// empty. Errors name the file, the line and the problem.
func Load(path string, cat *events.Catalog) ([]Target, error) {
	if path == "" {
		return Default(cat)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("targets file: %w", err)
	}
	ts, err := Parse(b, cat)
	if err != nil {
		return nil, fmt.Errorf("targets file %s: %w", path, err)
	}
	return ts, nil
}

var targetID = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// measuresOf lists the measures each event type supports.
var measuresOf = map[string][]string{
	events.TypeCaseFinished: {MeasureCount, MeasureShareWithinWorkingDays, MeasureAverageWorkingDays,
		MeasureP90WorkingDays, MeasureSpeedup, MeasureOverdueShare, MeasureShareWithinSeconds, MeasureRatio},
	events.TypeLicenseIssued:     {MeasureCount, MeasureShareWithinWorkingDays, MeasureAverageWorkingDays, MeasureP90WorkingDays, MeasureRatio},
	events.TypeLawsuitAppearance: {MeasureCount, MeasureAppearanceRate, MeasureRatio},
}

// tableOf is the read model each event type's targets are measured on:
// the sums a ratio may name are its declared scalar measures.
var tableOf = map[string]*projections.Table{
	events.TypeCaseFinished:      projections.CaseStats.Table(),
	events.TypeLicenseIssued:     projections.LicenseStats.Table(),
	events.TypeLawsuitAppearance: projections.LawsuitStats.Table(),
}

// Parse reads a targets file's contents and checks every target against
// the catalogue cat.
func Parse(data []byte, cat *events.Catalog) ([]Target, error) {
	var doc struct {
		Targets []Target `yaml:"targets"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var nodes struct {
		Targets []yaml.Node `yaml:"targets"`
	}
	if err := yaml.Unmarshal(data, &nodes); err != nil {
		return nil, err
	}
	if len(doc.Targets) == 0 {
		return nil, errors.New(`no targets: the file needs a "targets:" list`)
	}
	seen := map[string]int{}
	var errs []error
	for i := range doc.Targets {
		t := &doc.Targets[i]
		if i < len(nodes.Targets) {
			t.line = nodes.Targets[i].Line
		}
		if first, dup := seen[t.ID]; dup && t.ID != "" {
			errs = append(errs, fmt.Errorf("line %d: target %q: id already used on line %d", t.line, t.ID, first))
		}
		seen[t.ID] = t.line
		if err := t.check(cat); err != nil {
			errs = append(errs, fmt.Errorf("line %d: target %q: %w", t.line, t.ID, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return doc.Targets, nil
}

// check validates one target.
func (t *Target) check(cat *events.Catalog) error {
	if !targetID.MatchString(t.ID) {
		return errors.New("id must be lower-case letters, digits and underscores, starting with a letter")
	}
	if strings.TrimSpace(t.Title) == "" {
		return errors.New("title is required (Chinese)")
	}
	if strings.TrimSpace(t.TitleEN) == "" {
		return errors.New("title_en is required (English)")
	}
	measures, ok := measuresOf[t.Scope.EventType]
	if !ok {
		return fmt.Errorf("scope.event_type %q: must be one of %s", t.Scope.EventType, strings.Join(slices.Sorted(maps.Keys(measuresOf)), ", "))
	}
	if err := t.Scope.check(cat); err != nil {
		return err
	}
	if !slices.Contains(measures, t.Measure.Kind) {
		return fmt.Errorf("measure.kind %q: for %s must be one of %s", t.Measure.Kind, t.Scope.EventType, strings.Join(measures, ", "))
	}
	switch t.Measure.Kind {
	case MeasureShareWithinWorkingDays:
		if !slices.Contains(projections.WorkingDayBounds(), t.Measure.WorkingDays) {
			return fmt.Errorf("measure.working_days %v: must be a histogram bound, one of %v", t.Measure.WorkingDays, projections.WorkingDayBounds())
		}
	case MeasureShareWithinSeconds:
		if !slices.Contains(projections.InstantSecondsBounds(), t.Measure.Seconds) {
			return fmt.Errorf("measure.seconds %v: must be a histogram bound, one of %v", t.Measure.Seconds, projections.InstantSecondsBounds())
		}
	}
	if t.Measure.WorkingDays != 0 && t.Measure.Kind != MeasureShareWithinWorkingDays {
		return fmt.Errorf("measure.working_days applies only to %s", MeasureShareWithinWorkingDays)
	}
	if t.Measure.Seconds != 0 && t.Measure.Kind != MeasureShareWithinSeconds {
		return fmt.Errorf("measure.seconds applies only to %s", MeasureShareWithinSeconds)
	}
	if err := t.Measure.checkRatio(t.Scope.EventType); err != nil {
		return err
	}
	switch t.Comparator {
	case ">=", ">", "<=", "<":
	default:
		return fmt.Errorf(`comparator %q: must be one of ">=", ">", "<=", "<"`, t.Comparator)
	}
	if math.IsNaN(t.Threshold) || math.IsInf(t.Threshold, 0) || t.Threshold < 0 {
		return fmt.Errorf("threshold %v: must be a number ≥ 0", t.Threshold)
	}
	// A ratio passes 1 when its numerator is not a part of its
	// denominator, so only the other shares stop at 1.
	if t.Measure.IsShare() && t.Measure.Kind != MeasureRatio && t.Threshold > 1 {
		return fmt.Errorf("threshold %v: a %s is between 0 and 1 (write 0.99, not 99)", t.Threshold, t.Measure.Kind)
	}
	if err := t.Window.check(); err != nil {
		return err
	}
	if t.MinSamples < 0 {
		return fmt.Errorf("min_samples %d: must be ≥ 0", t.MinSamples)
	}
	switch t.Severity {
	case "":
		t.Severity = "warning"
	case "warning", "critical":
	default:
		return fmt.Errorf("severity %q: must be warning or critical", t.Severity)
	}
	return nil
}

// checkRatio checks that a ratio names two different scalar sums of the
// read model of eventType, and that no other kind names any.
func (m *Measure) checkRatio(eventType string) error {
	terms := []struct{ field, name string }{{"numerator", m.Numerator}, {"denominator", m.Denominator}}
	if m.Kind != MeasureRatio {
		for _, f := range terms {
			if f.name != "" {
				return fmt.Errorf("measure.%s applies only to %s", f.field, MeasureRatio)
			}
		}
		return nil
	}
	table := tableOf[eventType]
	sums := strings.Join(table.Scalars(), ", ")
	for _, f := range terms {
		c, ok := table.Measure(f.name)
		switch {
		case f.name == "":
			return fmt.Errorf("measure.%s is required for %s: a sum of %s, one of %s", f.field, MeasureRatio, table.Name, sums)
		case !ok:
			return fmt.Errorf("measure.%s %q: for %s must be a sum of %s, one of %s", f.field, f.name, eventType, table.Name, sums)
		case c.Kind != projections.SumInt:
			return fmt.Errorf("measure.%s %q: a histogram, not one sum; for %s must be one of %s", f.field, f.name, eventType, sums)
		}
	}
	if m.Numerator == m.Denominator {
		return fmt.Errorf("measure.numerator and measure.denominator are both %q: a ratio of a sum to itself is always 1", m.Numerator)
	}
	return nil
}

func (s *Scope) check(cat *events.Catalog) error {
	allowed := map[string][]string{
		events.TypeCaseFinished:      {"departments", "districts", "items", "modes", "channels"},
		events.TypeLicenseIssued:     {"departments", "districts", "license_types", "holder_types"},
		events.TypeLawsuitAppearance: {"departments", "courts"},
	}[s.EventType]
	lists := []struct {
		name  string
		codes []string
		known func(string) bool
	}{
		{"departments", s.Departments, cat.HasDepartment},
		{"districts", s.Districts, cat.HasDistrict},
		{"items", s.Items, cat.HasItem},
		{"modes", s.Modes, events.Mode.Has},
		{"channels", s.Channels, events.Channel.Has},
		{"license_types", s.LicenseTypes, cat.HasLicenseType},
		{"holder_types", s.HolderTypes, events.HolderType.Has},
		{"courts", s.Courts, cat.HasCourt},
	}
	for _, l := range lists {
		if len(l.codes) == 0 {
			continue
		}
		if !slices.Contains(allowed, l.name) {
			return fmt.Errorf("scope.%s does not apply to %s (it may filter on %s)", l.name, s.EventType, strings.Join(allowed, ", "))
		}
		for _, c := range l.codes {
			if !l.known(c) {
				return fmt.Errorf("scope.%s: unknown code %q (see GET /v1/catalog)", l.name, c)
			}
		}
	}
	return nil
}

func (w *Window) check() error {
	switch w.Kind {
	case WindowCalendarMonth, WindowCalendarQuarter, WindowCalendarYear:
		if w.Days != 0 || w.From != "" || w.To != "" {
			return fmt.Errorf("window %s takes no days, from or to", w.Kind)
		}
	case WindowRolling:
		if w.Days < 1 || w.Days > 3660 {
			return fmt.Errorf("window.days %d: a rolling window needs 1 to 3660 days", w.Days)
		}
	case WindowCampaign:
		from, err1 := time.Parse(time.DateOnly, w.From)
		to, err2 := time.Parse(time.DateOnly, w.To)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("window: a campaign needs from and to as YYYY-MM-DD, got %q and %q", w.From, w.To)
		}
		if to.Before(from) {
			return fmt.Errorf("window: to (%s) is before from (%s)", w.To, w.From)
		}
	default:
		return fmt.Errorf("window.kind %q: must be calendar_month, calendar_quarter, calendar_year, campaign or rolling", w.Kind)
	}
	return nil
}
