package demo

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/sources"
)

func marshalAll(t *testing.T, evs []Event) []byte {
	t.Helper()
	b, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGenerateIsDeterministic(t *testing.T) {
	o := DefaultOptions()
	o.Scale = 0.2
	a, b := marshalAll(t, generate(t, o)), marshalAll(t, generate(t, o))
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with the same options differ")
	}
	o.Seed = 2
	if c := marshalAll(t, generate(t, o)); bytes.Equal(a, c) {
		t.Fatal("seed 2 gives the same events as seed 1")
	}
}

func TestEventIDsAreUniqueAndDependOnTheSettings(t *testing.T) {
	o := DefaultOptions()
	o.Scale = 0.2
	type key struct{ source, id string }
	seen := map[key]bool{}
	ids := map[string]bool{}
	for _, e := range generate(t, o) {
		k := key{e.Source, e.ID}
		if seen[k] {
			t.Fatalf("source %s id %s appears twice", e.Source, e.ID)
		}
		seen[k] = true
		ids[e.ID] = true
	}
	// Another scale is another demo: none of its ids may collide with
	// these, or its events would be dropped as duplicates. Only the
	// policies are the same in every demo (the portal's catalogue), with
	// the same ids and the same content, so sending them again stores
	// nothing new.
	policies := map[string][]byte{}
	for _, e := range generate(t, o) {
		if _, ok := e.Data.(events.PolicyEvent); ok {
			policies[e.ID] = mustMarshal(t, e)
		}
	}
	o.Scale = 0.1
	n := 0
	for _, e := range generate(t, o) {
		if _, ok := e.Data.(events.PolicyEvent); ok {
			n++
			if !bytes.Equal(policies[e.ID], mustMarshal(t, e)) {
				t.Fatalf("policy event %s differs between scales 0.1 and 0.2", e.ID)
			}
			continue
		}
		if ids[e.ID] {
			t.Fatalf("id %s of scale 0.1 also occurs at scale 0.2", e.ID)
		}
	}
	if n != len(policies) || n == 0 {
		t.Errorf("scale 0.1 has %d policy events, scale 0.2 %d", n, len(policies))
	}
}

func mustMarshal(t *testing.T, e Event) []byte {
	t.Helper()
	b, err := e.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEveryEventValidates sends every event of the default demo through
// the ingest validator with the shipped catalogue, and checks that the
// system named as its source may send it under examples/sources.yaml with
// the token of examples/demo.env.
func TestEveryEventValidates(t *testing.T) {
	cat, _ := fixtures(t)
	evs := generate(t, DefaultOptions())
	env, err := ReadEnvFile(filepath.Join("..", "examples", "demo.env"))
	if err != nil {
		t.Fatal(err)
	}
	registry, err := sources.Load(filepath.Join("..", "examples", "sources.yaml"), func(k string) string { return env[k] }, cat)
	if err != nil {
		t.Fatal(err)
	}
	tokens := Tokens(func(k string) string { return env[k] })
	if len(tokens) != len(Systems()) {
		t.Fatalf("examples/demo.env has tokens for %d of the %d systems", len(tokens), len(Systems()))
	}
	v := &events.Validator{Catalog: cat}
	const chunk = 5000
	for start := 0; start < len(evs); start += chunk {
		part := evs[start:min(start+chunk, len(evs))]
		envs, err := events.DecodeRequest(marshalAll(t, part), events.ContentTypeBatch)
		if err != nil {
			t.Fatal(err)
		}
		decoded, problems := v.ValidateAll(envs)
		for i, p := range problems {
			if i == 10 {
				t.Fatalf("... and %d more problems", len(problems)-i)
			}
			t.Errorf("event %s: %s: %s", p.ID, p.Field, p.Reason)
		}
		if len(problems) > 0 {
			t.FailNow()
		}
		for i, d := range decoded {
			e := part[i]
			src, ok := registry.Authenticate(tokens[e.Source])
			if !ok || src.Name != e.Source {
				t.Fatalf("event %s: the token of %s does not authenticate as it", e.ID, e.Source)
			}
			if !src.MaySend(d.EventType()) || !src.MaySpeakFor(d.Department()) {
				t.Fatalf("event %s: %s may not send %s for %s", e.ID, e.Source, d.EventType(), d.Department())
			}
			if !envs[i].Time.Equal(e.Time()) {
				t.Fatalf("event %s: time attribute %s, want the event's %s", e.ID, envs[i].Time, e.Time())
			}
		}
	}
}

// TestFiguresHitTheSeedReport checks the generated aggregates against the
// seed report's figures for several seeds and scales.
func TestFiguresHitTheSeedReport(t *testing.T) {
	_, cal := fixtures(t)
	for _, tc := range []struct {
		seed  uint64
		scale float64
	}{{1, 1}, {2, 1}, {7, 0.25}} {
		o := DefaultOptions()
		o.Seed, o.Scale = tc.seed, tc.scale
		f, err := Measure(cal, generate(t, o))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range f.Checks(o) {
			if !c.OK {
				t.Errorf("seed %d scale %g: %s: got %s, aimed for %s", tc.seed, tc.scale, c.Figure, c.Got, c.Aim)
			}
		}
		between := func(name string, got, lo, hi float64) {
			t.Helper()
			if got < lo || got > hi {
				t.Errorf("seed %d scale %g: %s = %.4f, want between %g and %g", tc.seed, tc.scale, name, got, lo, hi)
			}
		}
		wantPermits := int(1914*tc.scale + 0.5)
		if f.Permits != wantPermits {
			t.Errorf("seed %d scale %g: permits = %d, want %d", tc.seed, tc.scale, f.Permits, wantPermits)
		}
		between("permit contract value", f.PermitValueCNY, 2.007e11*tc.scale-1, 2.007e11*tc.scale+1)
		between("set-up within 1 working day", f.SetUpWithin1Share(), 0.99, 1)
		between("set-up steps", f.SetUpAverageSteps(), 2, 2)
		between("construction within 85 working days", f.ProjectsWithin85Share(), 1, 1)
		between("window average working days", f.WindowAverage(), 2.8, 3.2)
		between("window promised average", f.WindowPromisedAverage(), 9.5, 10.5)
		between("window speed-up", f.WindowSpeedup(), 0.68, 0.72)
		between("instant share of cases", f.InstantShare(), 0.5, 0.75)
		between("instant cases within 60 s", float64(f.InstantWithin60s)/float64(f.InstantCases), 1, 1)
		between("instant slowest seconds", f.InstantMaxSeconds, 1, 60)
		between("real estate within 3 working days", f.RealEstateWithin3Share(), 1, 1)
		between("gas average", f.Connections["gas_connection"].Average(), 3, 6)
		between("water average", f.Connections["water_connection"].Average(), 1, 3)
		between("power average", f.Connections["power_connection"].Average(), 6, 12)
		between("head appearance rate", f.HeadAppearanceRate(), 1, 1)
		between("assisted share", float64(f.Assisted)/float64(f.Cases), 0.005, 0.1)
		between("rejected share", float64(f.Rejected)/float64(f.Cases), 0.001, 0.05)
		between("withdrawn share", float64(f.Withdrawn)/float64(f.Cases), 0.001, 0.05)
		if f.AcceptedOffDays != 0 || f.FinishedOutsideHours != 0 {
			t.Errorf("seed %d scale %g: %d cases accepted off working days, %d finished outside office hours; want none",
				tc.seed, tc.scale, f.AcceptedOffDays, f.FinishedOutsideHours)
		}
		departmental := f.Cases + f.Licences + f.Hearings
		if tc.scale == 1 && (departmental < 100_000 || departmental > 200_000) {
			t.Errorf("scale 1 has %d departmental events, want 100,000 to 200,000", departmental)
		}
		if tc.scale == 1 && (f.Views < 285_000 || f.Views > 290_000) {
			t.Errorf("scale 1 has %d portal views, want nearly 290,000 (the seed report's figure)", f.Views)
		}
	}
}

func TestGenerateStaysInThePeriod(t *testing.T) {
	_, cal := fixtures(t)
	o := DefaultOptions()
	o.Scale = 0.1
	o.From = calendar.Date{Year: 2024, Month: 2, Day: 1}
	o.To = calendar.Date{Year: 2024, Month: 7, Day: 31}
	evs := generate(t, o)
	inside := func(id, what string, d calendar.Date) {
		if d.Compare(o.From) < 0 || d.Compare(o.To) > 0 {
			t.Fatalf("event %s: %s %s is outside %s to %s", id, what, d, o.From, o.To)
		}
	}
	for i, e := range evs {
		if i > 0 && e.Time().Before(evs[i-1].Time()) {
			t.Fatalf("event %s comes before the event preceding it", e.ID)
		}
		if _, ok := e.Data.(events.PolicyEvent); ok {
			// The portal's catalogue as it stands at the period's end:
			// every policy's history up to then.
			if cal.DateOf(e.Time()).Compare(o.To) > 0 {
				t.Fatalf("policy event %s: time %s is after %s", e.ID, cal.DateOf(e.Time()), o.To)
			}
			continue
		}
		inside(e.ID, "time", cal.DateOf(e.Time()))
		switch d := e.Data.(type) {
		case events.CaseFinished:
			inside(e.ID, "accepted_at", cal.DateOf(d.AcceptedAt))
		case events.LicenseIssued:
			inside(e.ID, "applied_at", cal.DateOf(d.AppliedAt))
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	cat, cal := fixtures(t)
	for name, change := range map[string]func(*Options){
		"zero scale":         func(o *Options) { o.Scale = 0 },
		"huge scale":         func(o *Options) { o.Scale = 1000 },
		"year without data":  func(o *Options) { o.To = calendar.Date{Year: 2031, Month: 1, Day: 1} },
		"to before from":     func(o *Options) { o.From, o.To = o.To, o.From },
		"too short a period": func(o *Options) { o.To = calendar.Date{Year: 2025, Month: 3, Day: 1} },
		"unknown source":     func(o *Options) { o.Sources = []string{ServiceHub, "qd-nowhere"} },
		"no service hub":     func(o *Options) { o.Sources = []string{"qd-approval-bureau"} },
	} {
		o := DefaultOptions()
		change(&o)
		if _, err := Generate(cat, cal, o); err == nil {
			t.Errorf("%s: Generate accepted %+v", name, o)
		}
	}
}

// TestSourcesFallBackToTheServiceHub checks that without a department's
// own system its events go through qd-service-hub.
func TestSourcesFallBackToTheServiceHub(t *testing.T) {
	o := DefaultOptions()
	o.Scale = 0.05
	o.Sources = []string{"qd-approval-bureau", ServiceHub}
	for _, e := range generate(t, o) {
		want := ServiceHub
		typ := e.Data.EventType()
		if d := e.Data.Department(); (d == "qd-xzsp" || d == "qd-scjg") && (typ == events.TypeCaseFinished || typ == events.TypeLicenseIssued) {
			want = "qd-approval-bureau"
		}
		if e.Source != want {
			t.Fatalf("event %s (%s for %s) comes from %s, want %s", e.ID, e.Data.EventType(), e.Data.Department(), e.Source, want)
		}
	}
}
