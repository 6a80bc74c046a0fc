package projections_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/portaltest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// policyEvent is a policy event at time at (RFC 3339).
func policyEvent(t testing.TB, typ, id, at string, data map[string]any) postgres.NewEvent {
	t.Helper()
	return portaltest.EventFrom(t, testSource, typ, id, at, data)
}

func publishedPolicy(id, doc, title, body string) map[string]any {
	return map[string]any{"policy_id": id, "doc_number": doc, "title": title, "issuer": "qd-xzsp",
		"document_type": "normative", "categories": []string{"enterprise-startup"}, "written_at": "2020-02-28",
		"effective_from": "2020-03-05", "effective_to": "2022-03-04", "body": body,
		"criteria": map[string]any{"enterprise_sizes": []string{"small", "micro"}}, "support": "补贴最高2000元。"}
}

// policyBatches is a small life cycle: two policies published, one
// amended, interpreted twice (the second replacing the first) and
// repealed in favour of the other, which is extended.
func policyBatches(t testing.TB) [][]postgres.NewEvent {
	return [][]postgres.NewEvent{
		{
			policyEvent(t, events.TypePolicyPublished, "p1", "2020-03-05T09:00:00+08:00",
				publishedPolicy("qd-2020-12", "青政办发〔2020〕12号", "关于压缩企业开办时间的若干措施", "第一条　总则。\n第二条　补贴2000元。\n第三条　附则。")),
			policyEvent(t, events.TypePolicyPublished, "p2", "2020-04-01T09:00:00+08:00",
				publishedPolicy("qd-2020-30", "青政办发〔2020〕30号", "关于社会保险补贴的通知", "社会保险补贴按月发放。")),
		},
		{
			policyEvent(t, events.TypePolicyAmended, "a1", "2021-01-10T09:00:00+08:00", map[string]any{
				"policy_id": "qd-2020-12", "issuer": "qd-xzsp", "doc_number": "青政办发〔2021〕3号", "reason": "补贴标准调整",
				"support": "补贴最高3000元。", "body": "第一条　总则。\n第二条　补贴3000元。\n第三条　附则。"}),
			policyEvent(t, events.TypePolicyInterpreted, "i1", "2020-03-10T09:00:00+08:00", map[string]any{
				"policy_id": "qd-2020-12", "issuer": "qd-xzsp", "interpretation_id": "jd-1", "kind": "official",
				"title": "解读", "body": "初稿", "by": "市行政审批局"}),
		},
		{
			policyEvent(t, events.TypePolicyInterpreted, "i2", "2020-03-11T09:00:00+08:00", map[string]any{
				"policy_id": "qd-2020-12", "issuer": "qd-xzsp", "interpretation_id": "jd-1", "kind": "qa",
				"title": "问答", "qa": []map[string]string{{"q": "谁能申请？", "a": "新设企业。"}}, "by": "市行政审批局"}),
			policyEvent(t, events.TypePolicyExtended, "e1", "2022-02-01T09:00:00+08:00", map[string]any{
				"policy_id": "qd-2020-30", "issuer": "qd-xzsp", "effective_to": "2025-12-31", "doc_number": "青政办字〔2022〕1号"}),
			policyEvent(t, events.TypePolicyRepealed, "r1", "2021-06-01T09:00:00+08:00", map[string]any{
				"policy_id": "qd-2020-12", "issuer": "qd-xzsp", "repealed_at": "2021-06-01", "reason": "政策清理",
				"superseded_by": "qd-2020-30"}),
		},
	}
}

// applyPolicyBatch applies evs to the read model as the bus does.
func applyPolicyBatch(t testing.TB, pool *pgxpool.Pool, p *projections.Policies, b events.Batch) {
	t.Helper()
	ctx := context.Background()
	store := &postgres.EventStore{Pool: pool}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		evs, err := store.ReadBatch(ctx, tx, b)
		if err != nil {
			return err
		}
		return p.Apply(ctx, tx, evs)
	})
	if err != nil {
		t.Fatalf("apply %d-%d: %v", b.First, b.Last, err)
	}
}

// policyRows are every row of the read model's tables (but the
// generation that wrote them), sorted.
func policyRows(t testing.TB, pool *pgxpool.Pool) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range projections.PolicyTables {
		rows, err := pool.Query(context.Background(), `SELECT (to_jsonb(t) - 'generation')::text FROM `+table+` t ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		out[table], err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestPoliciesFoldAndRebuild(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := &postgres.EventStore{Pool: pool}
	p := &projections.Policies{Logger: quietLogger()}
	var batches []events.Batch
	for _, b := range policyBatches(t) {
		res, err := store.Append(ctx, testSource, b)
		if err != nil {
			t.Fatal(err)
		}
		batches = append(batches, res.Batch)
	}
	// Out of order and twice: the rows depend on the log alone.
	for _, i := range []int{0, 2, 1, 2, 0} {
		applyPolicyBatch(t, pool, p, batches[i])
	}
	live := policyRows(t, pool)

	var versions int
	var current, repeal string
	if err := pool.QueryRow(ctx, `SELECT versions, current::text, repeal::text FROM policies WHERE policy_id = 'qd-2020-12'`).Scan(&versions, &current, &repeal); err != nil {
		t.Fatal(err)
	}
	if versions != 3 {
		t.Errorf("versions = %d, want 3 (published, amended, repealed)", versions)
	}
	var cur portal.Policy
	if err := json.Unmarshal([]byte(current), &cur); err != nil {
		t.Fatal(err)
	}
	if cur.Support != "补贴最高3000元。" || cur.PublishedAt != portal.NewDate(2020, 3, 5) || cur.DocNumber != "青政办发〔2020〕12号" {
		t.Errorf("current = %+v", cur)
	}
	var changes string
	if err := pool.QueryRow(ctx, `SELECT changes::text FROM policy_versions WHERE policy_id = 'qd-2020-12' AND n = 2`).Scan(&changes); err != nil {
		t.Fatal(err)
	}
	var ch []portal.Change
	if err := json.Unmarshal([]byte(changes), &ch); err != nil {
		t.Fatal(err)
	}
	if len(ch) != 2 || ch[0].Field != "body" || ch[1].Field != "support" || ch[1].Old != "补贴最高2000元。" || len(ch[0].Paragraphs) != 4 {
		t.Errorf("changes of version 2 = %+v", ch)
	}
	var interps int
	var kind string
	if err := pool.QueryRow(ctx, `SELECT count(*), min(kind) FROM policy_interpretations WHERE policy_id = 'qd-2020-12'`).Scan(&interps, &kind); err != nil {
		t.Fatal(err)
	}
	if interps != 1 || kind != "qa" {
		t.Errorf("interpretations = %d (%s), want the replaced one only", interps, kind)
	}
	var docs int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM policy_doc_numbers WHERE policy_id = 'qd-2020-12'`).Scan(&docs); err != nil {
		t.Fatal(err)
	}
	if docs != 2 {
		t.Errorf("doc numbers = %d, want its own and the amending one", docs)
	}
	var effTo time.Time
	if err := pool.QueryRow(ctx, `SELECT effective_to FROM policies WHERE policy_id = 'qd-2020-30'`).Scan(&effTo); err != nil {
		t.Fatal(err)
	}
	if effTo.Format(time.DateOnly) != "2025-12-31" {
		t.Errorf("extended to %s", effTo)
	}

	rep, err := p.Rebuild(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Policies != 2 || rep.Events != 7 {
		t.Errorf("rebuild report = %+v", rep)
	}
	rebuilt := policyRows(t, pool)
	for _, table := range projections.PolicyTables {
		if d := sliceDiff(rebuilt[table], live[table]); d != "" || len(live[table]) == 0 {
			t.Errorf("%s after rebuild differs from live (%d rows):\n%s", table, len(live[table]), d)
		}
	}
	var gen, reset int64
	if err := pool.QueryRow(ctx, `SELECT generation, reset FROM policy_model`).Scan(&gen, &reset); err != nil {
		t.Fatal(err)
	}
	if gen != reset || gen < 2 {
		t.Errorf("generation %d, reset %d: a rebuild marks a reset", gen, reset)
	}
}
