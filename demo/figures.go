package demo

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// Figures are the seed report's measures computed from a set of events
// with the working-day calendar, by event time, the way govpulse's read
// models count them. Sums are in working days.
type Figures struct {
	Events   int
	BySource map[string]int
	Cases    int
	Licences int

	// Enterprise set-up: business licences, from application to issue.
	SetUpLicences int
	SetUpWithin1  int // within 1 working day
	SetUpSteps    int // summed

	// Full construction-project approvals (every result).
	Projects         int
	ProjectsWithin85 int
	ProjectElapsed   int

	// Construction permits and their contract values.
	Permits        int
	PermitValueCNY float64

	// Cases through the window channel; Promised sums the promises of
	// cases that have one (over 0 working days), and PromisedElapsed their
	// elapsed working days, for the speed-up.
	WindowCases           int
	WindowElapsed         int
	WindowPromised        int
	WindowPromisedElapsed int

	// Instant-approval (秒批) cases.
	InstantCases      int
	InstantWithin60s  int
	InstantMaxSeconds float64

	// Real-estate registrations (the 3-working-day items).
	RealEstateCases   int
	RealEstateWithin3 int
	RealEstateElapsed int

	// Utility connections by item code.
	Connections map[string]Tally

	Hearings        int
	HeadAppearances int

	Assisted  int
	Rejected  int
	Withdrawn int

	// Cases accepted on a day that is not a working day, and cases that are
	// not instant but finished outside office hours or off a working day:
	// both should be none.
	AcceptedOffDays      int
	FinishedOutsideHours int

	// The portal (政策通): policy life-cycle events by type, and usage.
	PolicyEvents map[string]int
	Views        int
	Searches     int
	ZeroResults  int
}

// Tally is a count of cases and their summed working days.
type Tally struct {
	Cases   int
	Elapsed int
}

// Average is the mean working days, 0 for no cases.
func (t Tally) Average() float64 { return ratio(t.Elapsed, t.Cases) }

// connectionItems are the utility-connection items and the working days
// the report says they average at most.
var connectionItems = []struct {
	item  string
	limit float64
}{{"gas_connection", 6}, {"water_connection", 3}, {"power_connection", 12}}

func isRealEstateRegistration(item string) bool {
	return strings.HasPrefix(item, "real_estate_") && strings.HasSuffix(item, "_registration")
}

// Measure computes the figures of evs with cal.
func Measure(cal *calendar.Calendar, evs []Event) (Figures, error) {
	f := Figures{BySource: map[string]int{}, Connections: map[string]Tally{}, PolicyEvents: map[string]int{}}
	for _, e := range evs {
		f.Events++
		f.BySource[e.Source]++
		var err error
		switch d := e.Data.(type) {
		case events.CaseFinished:
			err = f.addCase(cal, d)
		case events.LicenseIssued:
			err = f.addLicence(cal, d)
		case events.LawsuitAppearance:
			f.Hearings++
			if d.HeadAppeared {
				f.HeadAppearances++
			}
		case policyEvent:
			f.PolicyEvents[d.typ]++
		case events.PolicyViewed:
			f.Views++
		case events.PortalSearched:
			f.Searches++
			if d.Results == 0 {
				f.ZeroResults++
			}
		default:
			err = fmt.Errorf("unexpected event type %T", e.Data)
		}
		if err != nil {
			return Figures{}, fmt.Errorf("measure event %s: %w", e.ID, err)
		}
	}
	return f, nil
}

func (f *Figures) addCase(cal *calendar.Calendar, c events.CaseFinished) error {
	f.Cases++
	wd, err := cal.WorkingDaysBetween(c.AcceptedAt, c.FinishedAt)
	if err != nil {
		return err
	}
	if ok, err := cal.IsWorkingDay(cal.DateOf(c.AcceptedAt)); err != nil {
		return err
	} else if !ok {
		f.AcceptedOffDays++
	}
	switch c.Result {
	case "rejected":
		f.Rejected++
	case "withdrawn":
		f.Withdrawn++
	}
	if c.Assisted {
		f.Assisted++
	}
	if c.Mode == "instant" {
		f.InstantCases++
		secs := c.FinishedAt.Sub(c.AcceptedAt).Seconds()
		if secs <= maxInstantDelay {
			f.InstantWithin60s++
		}
		f.InstantMaxSeconds = math.Max(f.InstantMaxSeconds, secs)
	} else {
		local := c.FinishedAt.In(cal.Location())
		sec := local.Hour()*3600 + local.Minute()*60 + local.Second()
		ok, err := cal.IsWorkingDay(cal.DateOf(c.FinishedAt))
		if err != nil {
			return err
		}
		if !ok || sec < officeOpen || sec > officeClose {
			f.FinishedOutsideHours++
		}
	}
	if c.Channel == "window" {
		f.WindowCases++
		f.WindowElapsed += wd
		if c.PromisedWorkingDays > 0 {
			f.WindowPromised += c.PromisedWorkingDays
			f.WindowPromisedElapsed += wd
		}
	}
	switch {
	case c.ItemCode == projectItem:
		f.Projects++
		f.ProjectElapsed += wd
		if wd <= 85 {
			f.ProjectsWithin85++
		}
	case isRealEstateRegistration(c.ItemCode):
		f.RealEstateCases++
		f.RealEstateElapsed += wd
		if wd <= 3 {
			f.RealEstateWithin3++
		}
	}
	for _, ci := range connectionItems {
		if c.ItemCode == ci.item {
			t := f.Connections[ci.item]
			t.Cases++
			t.Elapsed += wd
			f.Connections[ci.item] = t
		}
	}
	return nil
}

func (f *Figures) addLicence(cal *calendar.Calendar, l events.LicenseIssued) error {
	f.Licences++
	switch l.LicenseType {
	case "business_license":
		wd, err := cal.WorkingDaysBetween(l.AppliedAt, l.IssuedAt)
		if err != nil {
			return err
		}
		f.SetUpLicences++
		f.SetUpSteps += l.Steps
		if wd <= 1 {
			f.SetUpWithin1++
		}
	case permitLicenceType:
		f.Permits++
		if l.ContractValueCNY != nil {
			f.PermitValueCNY += *l.ContractValueCNY
		}
	}
	return nil
}

// Counts says how many events there are, of which kind and from which
// sending system, in one line for people.
func (f Figures) Counts() string {
	var systems []string
	for _, s := range Systems() {
		if n := f.BySource[s.Name]; n > 0 {
			systems = append(systems, s.Name+" "+thousands(n))
		}
	}
	return fmt.Sprintf("%s events: %s cases, %s licences, %s hearings, %s policies (%s policy events), %s portal views, %s searches; by system: %s",
		thousands(f.Events), thousands(f.Cases), thousands(f.Licences), thousands(f.Hearings),
		thousands(f.PolicyEvents[events.TypePolicyPublished]), thousands(f.policyEventCount()),
		thousands(f.Views), thousands(f.Searches), strings.Join(systems, ", "))
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// SetUpWithin1Share is the share of business licences issued within 1
// working day of the application.
func (f Figures) SetUpWithin1Share() float64 { return ratio(f.SetUpWithin1, f.SetUpLicences) }

// SetUpAverageSteps is the average number of steps to a business licence.
func (f Figures) SetUpAverageSteps() float64 { return ratio(f.SetUpSteps, f.SetUpLicences) }

// ProjectsWithin85Share is the share of full construction approvals done
// within 85 working days.
func (f Figures) ProjectsWithin85Share() float64 { return ratio(f.ProjectsWithin85, f.Projects) }

// WindowAverage is the average working days of window cases.
func (f Figures) WindowAverage() float64 { return ratio(f.WindowElapsed, f.WindowCases) }

// WindowPromisedAverage is the average promise of window cases.
func (f Figures) WindowPromisedAverage() float64 { return ratio(f.WindowPromised, f.WindowCases) }

// WindowSpeedup is how much faster than promised window cases were:
// 1 − Σelapsed / Σpromised over cases with a promise.
func (f Figures) WindowSpeedup() float64 {
	if f.WindowPromised == 0 {
		return 0
	}
	return 1 - ratio(f.WindowPromisedElapsed, f.WindowPromised)
}

// InstantShare is the share of cases decided instantly.
func (f Figures) InstantShare() float64 { return ratio(f.InstantCases, f.Cases) }

// RealEstateWithin3Share is the share of real-estate registrations done
// within 3 working days.
func (f Figures) RealEstateWithin3Share() float64 {
	return ratio(f.RealEstateWithin3, f.RealEstateCases)
}

// HeadAppearanceRate is the share of hearings where the agency's head or a
// deputy head appeared.
func (f Figures) HeadAppearanceRate() float64 { return ratio(f.HeadAppearances, f.Hearings) }

// Check is one figure the demo aims for, what the events carry, and
// whether that meets the aim.
type Check struct {
	Figure string
	Aim    string
	Got    string
	OK     bool
}

// Checks compares the figures with the seed report's, scaled as o says.
func (f Figures) Checks(o Options) []Check {
	wantPermits := o.count(permitsPerYear)
	wantValue := permitValuePerYear * o.Scale
	var conn []string
	connOK := true
	var limits []string
	for _, ci := range connectionItems {
		avg := f.Connections[ci.item].Average()
		conn = append(conn, fmt.Sprintf("%.1f", avg))
		limits = append(limits, fmt.Sprintf("%g", ci.limit))
		connOK = connOK && avg <= ci.limit
	}
	return []Check{
		{"enterprise set-up within 1 working day", "≥ 99%",
			fmt.Sprintf("%s of %s business licences", pct(f.SetUpWithin1Share()), thousands(f.SetUpLicences)),
			f.SetUpLicences > 0 && f.SetUpWithin1Share() >= 0.99},
		{"enterprise set-up steps", "2 (was 4)", fmt.Sprintf("%.1f", f.SetUpAverageSteps()),
			f.SetUpLicences > 0 && f.SetUpAverageSteps() <= 2},
		{"construction approval within 85 working days", "100%",
			fmt.Sprintf("%s of %s (avg %.1f wd)", pct(f.ProjectsWithin85Share()), thousands(f.Projects), ratio(f.ProjectElapsed, f.Projects)),
			f.Projects > 0 && f.ProjectsWithin85 == f.Projects},
		{"construction permits", thousands(wantPermits), thousands(f.Permits), f.Permits == wantPermits},
		{"permits' contract value", yi(wantValue), yi(f.PermitValueCNY),
			math.Abs(f.PermitValueCNY-wantValue) <= 0.001*wantValue},
		{"window cases, average", "≈ 3 wd, promised 10",
			fmt.Sprintf("%.2f wd, promised %.1f (%s cases)", f.WindowAverage(), f.WindowPromisedAverage(), thousands(f.WindowCases)),
			math.Abs(f.WindowAverage()-3) <= 0.2 && math.Abs(f.WindowPromisedAverage()-10) <= 0.5},
		{"window cases, faster than promised", "≈ 70%", pct(f.WindowSpeedup()),
			math.Abs(f.WindowSpeedup()-0.70) <= 0.02},
		{"instant (秒批) cases", "most cases, in seconds",
			fmt.Sprintf("%s (%s of cases), %s within 60 s", thousands(f.InstantCases), pct(f.InstantShare()), pct(ratio(f.InstantWithin60s, f.InstantCases))),
			f.InstantShare() > 0.5 && f.InstantWithin60s == f.InstantCases},
		{"real-estate registration within 3 working days", "100%",
			fmt.Sprintf("%s of %s (avg %.1f wd)", pct(f.RealEstateWithin3Share()), thousands(f.RealEstateCases), ratio(f.RealEstateElapsed, f.RealEstateCases)),
			f.RealEstateCases > 0 && f.RealEstateWithin3 == f.RealEstateCases},
		{"gas / water / power connection, average", "≤ " + strings.Join(limits, " / ") + " wd",
			strings.Join(conn, " / ") + " wd", connOK},
		{"agency head or deputy in court", "100% of hearings",
			fmt.Sprintf("%s of %s", pct(f.HeadAppearanceRate()), thousands(f.Hearings)),
			f.Hearings > 0 && f.HeadAppearances == f.Hearings},
		{"assisted cases (帮办代办)", "a modest share",
			fmt.Sprintf("%s (%s)", thousands(f.Assisted), pct(ratio(f.Assisted, f.Cases))),
			f.Assisted > 0 && ratio(f.Assisted, f.Cases) < 0.1},
		{"rejected / withdrawn cases", "some",
			fmt.Sprintf("%s / %s", thousands(f.Rejected), thousands(f.Withdrawn)), f.Rejected > 0 && f.Withdrawn > 0},
		{"cases accepted off working days", "none", thousands(f.AcceptedOffDays), f.AcceptedOffDays == 0},
		{"non-instant cases finished outside office hours", "none", thousands(f.FinishedOutsideHours), f.FinishedOutsideHours == 0},
		{"portal (政策通) policies", "≥ 300, a third interpreted",
			fmt.Sprintf("%s: %s interpretations, %s amended, %s extended, %s repealed", thousands(f.PolicyEvents[events.TypePolicyPublished]),
				thousands(f.PolicyEvents[events.TypePolicyInterpreted]), thousands(f.PolicyEvents[events.TypePolicyAmended]),
				thousands(f.PolicyEvents[events.TypePolicyExtended]), thousands(f.PolicyEvents[events.TypePolicyRepealed])),
			f.PolicyEvents[events.TypePolicyPublished] >= 300 || o.To.Year < lastPolicyDay.Year},
		{"portal (政策通) views", "≈ " + thousands(o.count(290_000)),
			fmt.Sprintf("%s views, %s searches (%s with no result)", thousands(f.Views), thousands(f.Searches), thousands(f.ZeroResults)),
			f.Views == o.count(viewsPerYear)},
	}
}

func (f Figures) policyEventCount() int {
	n := 0
	for _, c := range f.PolicyEvents {
		n += c
	}
	return n
}

// WriteChecks prints checks as a table with a verdict column.
func WriteChecks(w io.Writer, checks []Check) error {
	rows := [][]string{{"figure", "aimed for", "generated", ""}}
	for _, c := range checks {
		verdict := "ok"
		if !c.OK {
			verdict = "MISSED"
		}
		rows = append(rows, []string{c.Figure, c.Aim, c.Got, verdict})
	}
	return writeTable(w, rows)
}

// writeTable writes rows in columns padded to their display width; unlike
// text/tabwriter it counts a Chinese character as two columns.
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		var line strings.Builder
		for i, cell := range row {
			line.WriteString(cell)
			if i < len(row)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-displayWidth(cell)+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth is the number of terminal columns s takes: two for East
// Asian wide characters (CJK, full-width forms), one for the rest.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0xA4CF, r >= 0xAC00 && r <= 0xD7A3,
			r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F, r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6:
			n += 2
		default:
			n++
		}
	}
	return n
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// yi writes an amount of yuan in 亿 (100 million), as the report does.
func yi(cny float64) string { return fmt.Sprintf("%.1f亿 CNY", cny/1e8) }

// thousands writes n with thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Rate is events per second over d, 0 for no time.
func Rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
