package faults

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/govpulse/govpulse/catalog"
)

// The generated events happen in four weeks of March 2025 without public
// holidays or make-up working days, each from a Monday: a case accepted on
// Monday and finished k days later took exactly k working days. So the
// generator knows every working-day figure without asking govpulse's
// calendar.
var (
	shanghai     = time.FixedZone("CST", 8*3600)
	marchMondays = []time.Time{
		time.Date(2025, 3, 3, 0, 0, 0, 0, shanghai),
		time.Date(2025, 3, 10, 0, 0, 0, 0, shanghai),
		time.Date(2025, 3, 17, 0, 0, 0, 0, shanghai),
		time.Date(2025, 3, 24, 0, 0, 0, 0, shanghai),
	}
)

// Event types, spelled out so that a renamed constant breaks the tests.
const (
	typeCase    = "govpulse.case.finished.v1"
	typeLicense = "govpulse.license.issued.v1"
	typeLawsuit = "govpulse.lawsuit.appearance.v1"
)

// caseFacts, licenseFacts and lawsuitFacts are what the generator decided
// for an event, from which it computes the expected figures.
type caseFacts struct {
	Item, Department, District, Channel, Mode, Result string
	Assisted                                          bool
	Accepted, Finished                                time.Time
	Promised, Elapsed                                 int
}

type licenseFacts struct {
	Type, Holder, Department, District string
	Applied, Issued                    time.Time
	Elapsed, Steps                     int
	Electronic                         bool
	ContractCNY                        int64 // 0: none given
}

type lawsuitFacts struct {
	Agency, Court, Role string
	At                  time.Time
}

// genEvent is one generated event: its identity, its JSON as sent, and
// the facts in it.
type genEvent struct {
	Source int
	ID     string
	Type   string
	Raw    json.RawMessage
	Case   *caseFacts
	Lic    *licenseFacts
	Suit   *lawsuitFacts
}

// key identifies an event in the log.
func (e *genEvent) key() string { return sourceName(e.Source) + "\x00" + e.ID }

// workload is a fault test's load and what it must come to: n events
// generated from the run's seed (logged; GOVPULSE_FAULTS_SEED repeats
// it) and the figures they make.
func workload(t testing.TB, n int) (seed uint64, evs []genEvent, want figures) {
	t.Helper()
	seed = testSeed(t)
	evs = generate(t, seed, n)
	return seed, evs, expectFigures(evs)
}

// generate makes n distinct valid events, spread over the sources: 70%
// cases, 20% licences, 10% hearings, on the shipped catalogue's codes.
func generate(t testing.TB, seed uint64, n int) []genEvent {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	var districts, licTypes, agencies, courts []string
	for _, d := range cat.Districts {
		districts = append(districts, d.Code)
	}
	for _, l := range cat.LicenseTypes {
		licTypes = append(licTypes, l.Code)
	}
	for _, a := range cat.Agencies {
		agencies = append(agencies, a.Code)
	}
	for _, c := range cat.Courts {
		courts = append(courts, c.Code)
	}
	var departments []string
	for _, d := range cat.Departments {
		departments = append(departments, d.Code)
	}
	items := cat.Items
	channels := []string{"window", "self_service", "online", "mobile"}
	results := []string{"approved", "approved", "approved", "approved", "rejected", "withdrawn"}
	holders := []string{"enterprise", "individual_business", "institution", "individual"}
	roles := []string{"head", "deputy_head", "staff"}

	out := make([]genEvent, n)
	for i := range out {
		e := &out[i]
		e.Source = i % sourceCount
		e.ID = fmt.Sprintf("f%x-%07d", seed&0xffff, i)
		monday := marchMondays[r.IntN(len(marchMondays))]
		k := r.IntN(5)
		switch x := r.IntN(10); {
		case x < 7:
			it := items[r.IntN(len(items))]
			c := &caseFacts{Item: it.Code, Department: it.Department, District: pick(districts),
				Channel: pick(channels), Mode: it.Mode, Result: pick(results), Assisted: r.IntN(4) == 0,
				Promised: it.PromisedWorkingDays}
			if c.Department == "" {
				c.Department = pick(departments)
			}
			if c.Mode == "" {
				c.Mode = []string{"standard", "commitment"}[r.IntN(2)]
			}
			if c.Mode == "instant" {
				c.Accepted = monday.AddDate(0, 0, k).Add(9 * time.Hour)
				c.Finished = c.Accepted.Add(time.Duration(1+r.IntN(120)) * time.Second)
			} else {
				c.Accepted = monday.Add(9 * time.Hour)
				c.Finished = monday.AddDate(0, 0, k).Add(16*time.Hour + 30*time.Minute)
				c.Elapsed = k
			}
			e.Case = c
		case x < 9:
			l := &licenseFacts{Type: pick(licTypes), Holder: pick(holders), Department: pick(departments),
				District: pick(districts), Applied: monday.Add(9*time.Hour + 30*time.Minute),
				Issued: monday.AddDate(0, 0, k).Add(10 * time.Hour), Elapsed: k, Steps: 1 + r.IntN(8),
				Electronic: r.IntN(3) > 0}
			if r.IntN(4) == 0 {
				l.ContractCNY = 1 + r.Int64N(50_000_000)
			}
			e.Lic = l
		default:
			e.Suit = &lawsuitFacts{Agency: pick(agencies), Court: pick(courts), Role: roles[r.IntN(len(roles))],
				At: monday.AddDate(0, 0, k).Add(14 * time.Hour)}
		}
		e.encode(t)
	}
	return out
}

// encode sets the event's type and JSON from its facts.
func (e *genEvent) encode(t testing.TB) {
	t.Helper()
	var data map[string]any
	var at time.Time
	switch {
	case e.Case != nil:
		c := e.Case
		e.Type, at = typeCase, c.Finished
		data = map[string]any{
			"case_id": "C-" + e.ID, "item_code": c.Item, "department": c.Department, "district": c.District,
			"channel": c.Channel, "mode": c.Mode, "accepted_at": rfc3339(c.Accepted), "finished_at": rfc3339(c.Finished),
			"promised_working_days": c.Promised, "result": c.Result, "assisted": c.Assisted,
		}
	case e.Lic != nil:
		l := e.Lic
		e.Type, at = typeLicense, l.Issued
		data = map[string]any{
			"license_id": "L-" + e.ID, "license_type": l.Type, "holder_type": l.Holder, "department": l.Department,
			"district": l.District, "applied_at": rfc3339(l.Applied), "issued_at": rfc3339(l.Issued),
			"steps": l.Steps, "electronic": l.Electronic,
		}
		if l.ContractCNY > 0 {
			data["contract_value_cny"] = l.ContractCNY
		}
	case e.Suit != nil:
		s := e.Suit
		e.Type, at = typeLawsuit, s.At
		data = map[string]any{
			"case_number": "(2025)鲁02行初" + e.ID + "号", "agency": s.Agency, "court": s.Court,
			"hearing_at": rfc3339(s.At), "head_appeared": s.Role != "staff", "appeared_role": s.Role,
		}
	}
	raw, err := json.Marshal(map[string]any{
		"specversion": "1.0", "id": e.ID, "source": sourceName(e.Source), "type": e.Type,
		"time": rfc3339(at), "datacontenttype": "application/json", "data": data,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Raw = raw
}

func rfc3339(t time.Time) string { return t.In(shanghai).Format(time.RFC3339) }

// targetsAt is the day the tests evaluate the targets for: the end of the
// generated month.
const targetsAt = "2025-03-31"
