package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

const testSource = "qd-approval-bureau"

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// readModels returns the three read models on the default calendar.
func readModels(t testing.TB) (cases, licenses, lawsuits *projections.Projection) {
	cal := catalogtest.Calendar(t)
	return projections.CaseStats.Projection(cal, quietLogger()), projections.LicenseStats.Projection(cal, quietLogger()),
		projections.LawsuitStats.Projection(cal, quietLogger())
}

// event builds a stored-to-be event of type typ whose data is base with
// change applied; the envelope's time is data[timeField].
func event(t testing.TB, typ, id, timeField string, base map[string]any, change func(d map[string]any)) postgres.NewEvent {
	t.Helper()
	data := maps.Clone(base)
	if change != nil {
		change(data)
	}
	at, err := time.Parse(time.RFC3339, data[timeField].(string))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(map[string]any{
		"specversion": "1.0", "id": id, "source": testSource, "type": typ,
		"time": data[timeField], "datacontenttype": "application/json", "data": data,
	})
	if err != nil {
		t.Fatal(err)
	}
	dept, _ := data["department"].(string)
	if dept == "" {
		dept, _ = data["agency"].(string)
	}
	return postgres.NewEvent{
		Envelope:   events.Envelope{SpecVersion: "1.0", ID: id, Source: testSource, Type: typ, Time: at, Raw: raw},
		Department: dept,
	}
}

// caseEvent is a window case of enterprise_establishment (promised 1
// working day) in shinan, approved, accepted and finished as given.
func caseEvent(t testing.TB, id, accepted, finished string, change func(d map[string]any)) postgres.NewEvent {
	t.Helper()
	return event(t, events.TypeCaseFinished, id, "finished_at", map[string]any{
		"case_id": "C-" + id, "item_code": "enterprise_establishment", "department": "qd-xzsp",
		"district": "shinan", "channel": "window", "mode": "standard",
		"accepted_at": accepted, "finished_at": finished, "promised_working_days": 1,
		"result": "approved", "assisted": false,
	}, change)
}

// licenseEvent is a business licence for an enterprise in shinan, one
// step, paper, without contract value.
func licenseEvent(t testing.TB, id, applied, issued string, change func(d map[string]any)) postgres.NewEvent {
	t.Helper()
	return event(t, events.TypeLicenseIssued, id, "issued_at", map[string]any{
		"license_id": "L-" + id, "license_type": "business_license", "holder_type": "enterprise",
		"department": "qd-xzsp", "district": "shinan", "applied_at": applied, "issued_at": issued,
		"steps": 1, "electronic": false,
	}, change)
}

// hearingEvent is a hearing of qd-zrzy at the intermediate court where
// the head appeared.
func hearingEvent(t testing.TB, id, at string, change func(d map[string]any)) postgres.NewEvent {
	t.Helper()
	return event(t, events.TypeLawsuitAppearance, id, "hearing_at", map[string]any{
		"case_number": "(2024)鲁02行初" + id, "agency": "qd-zrzy", "court": "qd-court-intermediate",
		"hearing_at": at, "head_appeared": true, "appeared_role": "head",
	}, change)
}

// applyBatches appends each batch to the log and applies it to the
// projections through the event store's ApplyOnce, as the bus does.
func applyBatches(t testing.TB, pool *pgxpool.Pool, ps []*projections.Projection, batches ...[]postgres.NewEvent) {
	t.Helper()
	ctx := context.Background()
	store := &postgres.EventStore{Pool: pool}
	for _, b := range batches {
		res, err := store.Append(ctx, testSource, b)
		if err != nil {
			t.Fatal(err)
		}
		if res.Accepted == 0 {
			continue
		}
		for _, p := range ps {
			if _, err := store.ApplyOnce(ctx, p.Name(), res.Batch, p.Apply); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// tableRows returns every row of table as JSON text, sorted, so that two
// tables compare row for row.
func tableRows(t testing.TB, pool *pgxpool.Pool, table string) []string {
	t.Helper()
	out := pgtest.Strings(t, pool, `SELECT row_to_json(t)::text FROM `+table+` t`)
	slices.Sort(out)
	return out
}

// rowsByKey decodes table's rows keyed by the values of keyCols joined
// with "|".
func rowsByKey(t testing.TB, pool *pgxpool.Pool, table string, keyCols ...string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range tableRows(t, pool, table) {
		var m map[string]any
		if err := json.Unmarshal([]byte(r), &m); err != nil {
			t.Fatal(err)
		}
		var key []string
		for _, k := range keyCols {
			key = append(key, fmt.Sprint(m[k]))
		}
		out[strings.Join(key, "|")] = m
	}
	return out
}

// wantRow checks the named columns of a row; histogram columns are given
// as []int.
func wantRow(t *testing.T, rows map[string]map[string]any, key string, want map[string]any) {
	t.Helper()
	got, ok := rows[key]
	if !ok {
		t.Errorf("no row %s; rows: %v", key, slices.Sorted(maps.Keys(rows)))
		return
	}
	for col, w := range want {
		g, _ := json.Marshal(got[col])
		wj, _ := json.Marshal(w)
		if string(g) != string(wj) {
			t.Errorf("row %s: %s = %s, want %s", key, col, g, wj)
		}
	}
}

// hist builds a per-bucket histogram with value counts at bucket indexes.
func hist(buckets int, counts map[int]int) []int {
	h := make([]int, buckets)
	for i, n := range counts {
		h[i] = n
	}
	return h
}

func sliceDiff(got, want []string) string {
	var b strings.Builder
	gs, ws := map[string]bool{}, map[string]bool{}
	for _, g := range got {
		gs[g] = true
	}
	for _, w := range want {
		ws[w] = true
	}
	for _, g := range got {
		if !ws[g] {
			fmt.Fprintf(&b, "+ %s\n", g)
		}
	}
	for _, w := range want {
		if !gs[w] {
			fmt.Fprintf(&b, "- %s\n", w)
		}
	}
	return b.String()
}

// randomEvents makes n valid events of all three types with dimensions and
// dates drawn from rng (2023–2024, and a few in 2027 without holiday data),
// ids prefix-0, prefix-1, ...
func randomEvents(t testing.TB, rng *rand.Rand, prefix string, n int) []postgres.NewEvent {
	t.Helper()
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	instant := func() (time.Time, time.Time) {
		a := start.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
		if rng.IntN(200) == 0 {
			a = time.Date(2027, 1, 2+rng.IntN(20), 3, 0, 0, 0, time.UTC)
		}
		var d time.Duration
		switch rng.IntN(4) {
		case 0:
			d = time.Duration(rng.Int64N(int64(time.Hour)))
		case 1:
			d = time.Duration(rng.Int64N(int64(10 * 24 * time.Hour)))
		default:
			d = time.Duration(rng.Int64N(int64(150 * 24 * time.Hour)))
		}
		return a, a.Add(d)
	}
	out := make([]postgres.NewEvent, n)
	for i := range out {
		id := fmt.Sprintf("%s-%d", prefix, i)
		from, to := instant()
		f, tt := from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano)
		switch r := rng.IntN(10); {
		case r < 7:
			out[i] = caseEvent(t, id, f, tt, func(d map[string]any) {
				d["district"] = pick("shinan", "shibei", "laoshan", "huangdao")
				d["channel"] = pick("window", "self_service", "online", "mobile")
				d["result"] = pick("approved", "approved", "approved", "rejected", "withdrawn")
				d["assisted"] = rng.IntN(3) == 0
				d["promised_working_days"] = rng.IntN(20)
				if rng.IntN(3) == 0 {
					d["item_code"], d["mode"] = "enterprise_establishment_instant", "instant"
				}
			})
		case r < 9:
			out[i] = licenseEvent(t, id, f, tt, func(d map[string]any) {
				d["license_type"] = pick("business_license", "construction_permit")
				d["district"] = pick("shinan", "huangdao")
				d["holder_type"] = pick("enterprise", "individual_business")
				d["steps"] = 1 + rng.IntN(6)
				d["electronic"] = rng.IntN(2) == 0
				if rng.IntN(2) == 0 {
					d["contract_value_cny"] = float64(rng.IntN(1e9)) / 100
				}
			})
		default:
			out[i] = hearingEvent(t, id, tt, func(d map[string]any) {
				d["court"] = pick("qd-court-intermediate", "qd-court-shinan")
				d["appeared_role"] = pick("head", "deputy_head", "staff")
				d["head_appeared"] = d["appeared_role"] != "staff"
			})
		}
	}
	return out
}
