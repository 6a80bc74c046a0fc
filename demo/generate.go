package demo

import (
	"cmp"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// Office hours, as seconds after midnight in the calendar's zone: cases
// that are not instant are accepted between 09:00 and 16:30 and finished
// by 17:30.
const (
	officeOpen      = 9 * 3600
	lastAcceptance  = 16*3600 + 1800
	officeClose     = 17*3600 + 1800
	minSameDayWork  = 15 * 60
	maxSameDayWork  = 3 * 3600
	maxInstantDelay = 60 // seconds from acceptance to an instant decision
)

// Generate returns the demo's events for o, sorted by event time: cases,
// the licences approved cases issue, construction projects with their
// permits, lawsuit hearings, the portal's policies (their whole history
// up to o.To, the same for every period and scale) and the period's
// portal usage (views and searches). cat must hold every code the profiles use
// (the shipped catalogue does) and cal must cover the period. The same
// inputs always give the same events, ids included.
func Generate(cat *events.Catalog, cal *calendar.Calendar, o Options) ([]Event, error) {
	if err := o.Validate(cal); err != nil {
		return nil, fmt.Errorf("demo options: %w", err)
	}
	days, err := workingDays(cal, o.From, o.To)
	if err != nil {
		return nil, err
	}
	if len(days) < minWorkingDays {
		return nil, fmt.Errorf("demo options: %s to %s has %d working days; the demo needs at least %d (construction approvals take up to 85)",
			o.From, o.To, len(days), minWorkingDays)
	}
	g := &generator{opts: o, cat: cat, loc: cal.Location(), days: days, tag: o.runTag(), route: newRouter(o.Sources)}
	for _, p := range instantItems() {
		if err := g.instantCases(p); err != nil {
			return nil, err
		}
	}
	for _, p := range standardItems() {
		if err := g.standardCases(p); err != nil {
			return nil, err
		}
	}
	if err := g.constructionProjects(); err != nil {
		return nil, err
	}
	g.hearings()
	policyEvents, policies := generatePolicies(o.Seed, g.loc, o.To)
	for _, e := range policyEvents {
		e.Source = g.route.source(e.Data.Department(), e.Data.EventType())
		g.out = append(g.out, e)
	}
	g.portalUsage(sortedPolicies(policies))
	slices.SortFunc(g.out, func(a, b Event) int {
		return cmp.Or(a.Time().Compare(b.Time()), cmp.Compare(a.Source, b.Source), cmp.Compare(a.ID, b.ID))
	})
	return g.out, nil
}

// generator holds one Generate call's state.
type generator struct {
	opts  Options
	cat   *events.Catalog
	loc   *time.Location
	days  []calendar.Date // the period's working days, in order
	tag   string
	route router
	out   []Event
}

// workingDays lists the working days from..to, inclusive.
func workingDays(cal *calendar.Calendar, from, to calendar.Date) ([]calendar.Date, error) {
	var days []calendar.Date
	start := time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, time.UTC)
	for t := start; ; t = t.AddDate(0, 0, 1) {
		d := calendar.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
		if d.Compare(to) > 0 {
			return days, nil
		}
		ok, err := cal.IsWorkingDay(d)
		if err != nil {
			return nil, fmt.Errorf("demo period: %w", err)
		}
		if ok {
			days = append(days, d)
		}
	}
}

// stream is the random source of one named part of the demo, so that
// changing one profile leaves the others' events as they were.
func (g *generator) stream(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(g.opts.Seed, h.Sum64()))
}

// span picks the working days a case of n working days was accepted and
// finished on: the finish uniformly over the period, the acceptance n
// working days before it, both inside the period.
func (g *generator) span(r *rand.Rand, n int) (accepted, finished int) {
	n = min(n, len(g.days)-1)
	f := n + r.IntN(len(g.days)-n)
	return f - n, f
}

// at is second s of working day i in the calendar's zone.
func (g *generator) at(i, s int) time.Time {
	d := g.days[i]
	return time.Date(d.Year, d.Month, d.Day, 0, 0, s, 0, g.loc)
}

func (g *generator) item(code string) (events.Item, error) {
	it, ok := g.cat.Item(code)
	if !ok {
		return events.Item{}, fmt.Errorf("demo: item %q is not in the catalogue", code)
	}
	return it, nil
}

func (g *generator) id(parts ...any) string {
	var b strings.Builder
	b.WriteString("demo-" + g.tag)
	for _, p := range parts {
		fmt.Fprintf(&b, "-%v", p)
	}
	return b.String()
}

func (g *generator) emit(data events.Event, id string) {
	g.out = append(g.out, Event{Source: g.route.source(data.Department(), data.EventType()), ID: id, Data: data})
}

// caseID is a department-style case number: department, acceptance date,
// item and sequence.
func caseID(it events.Item, accepted time.Time, seq int) string {
	dept := strings.ToUpper(strings.ReplaceAll(it.Department, "-", ""))
	h := fnv.New32a()
	h.Write([]byte(it.Code))
	return fmt.Sprintf("%s-%s-%04X-%06d", dept, accepted.Format("20060102"), h.Sum32()&0xffff, seq)
}

// instantCases makes p's instant-approval cases: accepted on working days
// (online and mobile from 07:00 to 23:00, self-service terminals in office
// hours) and decided 1–60 seconds later, mostly within a few.
func (g *generator) instantCases(p itemProfile) error {
	it, err := g.item(p.item)
	if err != nil {
		return err
	}
	r := g.stream("instant/" + p.item)
	for i := range g.opts.count(p.cases) {
		day := r.IntN(len(g.days))
		channel := pick(r, p.channels)
		open, close := 7*3600, 23*3600
		if channel == "self_service" {
			open, close = 8*3600+1800, officeClose
		}
		accepted := g.at(day, open+r.IntN(close-open-maxInstantDelay))
		u := r.Float64()
		delay := 1 + int(float64(maxInstantDelay-1)*u*u*u)
		finished := accepted.Add(time.Duration(delay) * time.Second)
		result := "approved"
		if r.Float64() < instantRejectedShare {
			result = "rejected"
		}
		c := events.CaseFinished{
			CaseID: caseID(it, accepted, i), ItemCode: it.Code, DepartmentCode: it.Department,
			District: pick(r, p.districts), Channel: channel, Mode: "instant",
			AcceptedAt: accepted, FinishedAt: finished, PromisedWorkingDays: it.PromisedWorkingDays,
			Result: result,
		}
		g.emit(c, g.id(p.item, fmt.Sprintf("%06d", i)))
		if p.licence != nil && result == "approved" {
			g.licence(r, c, *p.licence, i)
		}
	}
	return nil
}

// standardCases makes p's cases handled over working days: accepted in
// office hours on a working day, finished in office hours the number of
// working days later that p.elapsed draws.
func (g *generator) standardCases(p itemProfile) error {
	it, err := g.item(p.item)
	if err != nil {
		return err
	}
	mode := cmp.Or(it.Mode, "standard")
	r := g.stream("standard/" + p.item)
	for i := range g.opts.count(p.cases) {
		a, f := g.span(r, p.elapsed(r))
		accepted, finished := g.officeTimes(r, a, f)
		channel := pick(r, p.channels)
		c := events.CaseFinished{
			CaseID: caseID(it, accepted, i), ItemCode: it.Code, DepartmentCode: it.Department,
			District: pick(r, p.districts), Channel: channel, Mode: mode,
			AcceptedAt: accepted, FinishedAt: finished, PromisedWorkingDays: it.PromisedWorkingDays,
			Result: outcome(r), Assisted: assisted(r, channel),
		}
		g.emit(c, g.id(p.item, fmt.Sprintf("%06d", i)))
		if p.licence != nil && c.Result == "approved" {
			g.licence(r, c, *p.licence, i)
		}
	}
	return nil
}

// officeTimes picks the acceptance and finish instants of a case accepted
// on working day a and finished on working day f, both in office hours.
func (g *generator) officeTimes(r *rand.Rand, a, f int) (time.Time, time.Time) {
	acceptSec := officeOpen + r.IntN(lastAcceptance-officeOpen)
	var finishSec int
	if a == f {
		room := min(officeClose-acceptSec, maxSameDayWork) - minSameDayWork
		finishSec = acceptSec + minSameDayWork + r.IntN(room)
	} else {
		finishSec = officeOpen + r.IntN(officeClose-officeOpen)
	}
	return g.at(a, acceptSec), g.at(f, finishSec)
}

func outcome(r *rand.Rand) string {
	switch u := r.Float64(); {
	case u < rejectedShare:
		return "rejected"
	case u < rejectedShare+withdrawnShare:
		return "withdrawn"
	}
	return "approved"
}

func assisted(r *rand.Rand, channel string) bool {
	if channel == "window" {
		return r.Float64() < assistedAtWindow
	}
	return r.Float64() < assistedElsewhere
}

// licence issues the licence of an approved case: applied for when the
// case was accepted, issued when it finished.
func (g *generator) licence(r *rand.Rand, c events.CaseFinished, p licenceProfile, seq int) {
	l := events.LicenseIssued{
		LicenseID:   initials(p.licenseType) + "-" + c.CaseID,
		LicenseType: p.licenseType, HolderType: pick(r, p.holders),
		DepartmentCode: c.DepartmentCode, District: c.District,
		AppliedAt: c.AcceptedAt, IssuedAt: c.FinishedAt, Steps: p.steps,
		Electronic: r.Float64() < p.electronic,
	}
	g.emit(l, g.id(c.ItemCode, fmt.Sprintf("%06d", seq), "licence"))
}

// initials abbreviates a code: business_license → BL.
func initials(code string) string {
	var b strings.Builder
	for _, w := range strings.Split(code, "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]))
		}
	}
	return b.String()
}

// constructionProjects makes the year's construction projects: each a full
// approval case of 40–85 working days; approved ones end with the permit
// step (promised 5 working days) and an electronic construction permit
// carrying the contract value. The permits number 1,914 × scale and their
// values add up to 200.7 billion CNY × scale.
func (g *generator) constructionProjects() error {
	project, err := g.item(projectItem)
	if err != nil {
		return err
	}
	permitStep, err := g.item(permitItem)
	if err != nil {
		return err
	}
	r := g.stream("construction")
	permits := g.opts.count(permitsPerYear)
	values, err := contractValues(r, permits, permitValuePerYear*g.opts.Scale)
	if err != nil {
		return err
	}
	rejected := int(math.Round(float64(permits) * projectRejectedShare))
	withdrawn := int(math.Round(float64(permits) * projectWithdrawShare))
	stepElapsed := binomial(0, 5, 0.3)
	for i := range permits + rejected + withdrawn {
		n := projectElapsed(r)
		a, f := g.span(r, n)
		accepted, finished := g.officeTimes(r, a, f)
		district := pick(r, projectDistricts)
		result := "approved"
		switch {
		case i >= permits+rejected:
			result = "withdrawn"
		case i >= permits:
			result = "rejected"
		}
		c := events.CaseFinished{
			CaseID: caseID(project, accepted, i), ItemCode: project.Code, DepartmentCode: project.Department,
			District: district, Channel: pick(r, projectChannels), Mode: cmp.Or(project.Mode, "standard"),
			AcceptedAt: accepted, FinishedAt: finished, PromisedWorkingDays: project.PromisedWorkingDays,
			Result: result, Assisted: r.Float64() < assistedAtWindow, // projects get a helper (帮办) more often
		}
		g.emit(c, g.id(projectItem, fmt.Sprintf("%06d", i)))
		if result != "approved" {
			continue
		}
		// The permit step: applied for a few working days before the end.
		stepStart := f - min(stepElapsed(r), f-a)
		stepAccepted, _ := g.officeTimes(r, stepStart, stepStart)
		if stepStart == f { // same day: accepted in office hours before the permit
			open := g.at(f, officeOpen)
			stepAccepted = open.Add(time.Duration(r.Int64N(int64(finished.Sub(open)) + 1)).Truncate(time.Second))
		}
		step := events.CaseFinished{
			CaseID: caseID(permitStep, stepAccepted, i), ItemCode: permitStep.Code, DepartmentCode: permitStep.Department,
			District: district, Channel: c.Channel, Mode: cmp.Or(permitStep.Mode, "standard"),
			AcceptedAt: stepAccepted, FinishedAt: finished, PromisedWorkingDays: permitStep.PromisedWorkingDays,
			Result: "approved", Assisted: c.Assisted,
		}
		g.emit(step, g.id(permitItem, fmt.Sprintf("%06d", i)))
		value := values[i]
		g.emit(events.LicenseIssued{
			LicenseID:   cmp.Or(districtCode[district], "370200") + finished.Format("20060102") + fmt.Sprintf("%04d", i),
			LicenseType: permitLicenceType, HolderType: "enterprise",
			DepartmentCode: permitStep.Department, District: district,
			AppliedAt: stepAccepted, IssuedAt: finished, Steps: projectStages, Electronic: true,
			ContractValueCNY: &value,
		}, g.id(permitItem, fmt.Sprintf("%06d", i), "licence"))
	}
	return nil
}

// contractValues draws n log-normal contract values in whole thousands of
// yuan that add up to total exactly (to the yuan).
func contractValues(r *rand.Rand, n int, total float64) ([]float64, error) {
	if n == 0 {
		return nil, nil
	}
	raw := make([]float64, n)
	var sum float64
	for i := range raw {
		raw[i] = math.Exp(1.1 * r.NormFloat64())
		sum += raw[i]
	}
	values := make([]float64, n)
	var rounded float64
	largest := 0
	for i, v := range raw {
		values[i] = math.Round(v/sum*total/1000) * 1000
		rounded += values[i]
		if values[i] > values[largest] {
			largest = i
		}
	}
	values[largest] += math.Round(total - rounded)
	if values[largest] <= 0 {
		return nil, errors.New("demo: contract values do not add up; raise the scale")
	}
	return values, nil
}

// hearings makes the year's administrative lawsuit hearings: on working
// days at the usual session times, the sued agency's head or a deputy head
// in court at every one.
func (g *generator) hearings() {
	r := g.stream("hearings")
	sessions := []int{9 * 3600, 9*3600 + 1800, 10 * 3600, 14 * 3600, 14*3600 + 1800, 15 * 3600}
	docket := map[string]int{}
	for i := range g.opts.count(hearingsPerYear) {
		at := g.at(r.IntN(len(g.days)), sessions[r.IntN(len(sessions))])
		agency := pick(r, suedAgencies)
		court := "qd-court-intermediate"
		if agency != "qd-gov" && !strings.HasPrefix(agency, "qd-gov-") {
			court = pick(r, basicCourts)
		}
		key := fmt.Sprintf("%d%s", at.Year(), court)
		docket[key]++
		role := "deputy_head"
		if r.Float64() < headShare {
			role = "head"
		}
		g.emit(events.LawsuitAppearance{
			CaseNumber: fmt.Sprintf("(%d)%s行初%d号", at.Year(), courtPrefix[court], docket[key]),
			Agency:     agency, Court: court, HearingAt: at,
			HeadAppeared: true, AppearedRole: role,
		}, g.id("hearing", fmt.Sprintf("%06d", i)))
	}
}
