package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/search"
)

// Policies is the policies read model (政策通): every policy's current
// version, each version with its changes, interpretations, the 文号 it
// answers to and its search vectors. It is a bus.Consumer.
//
// A policy's rows are a function of its events in the log alone: a batch
// re-folds each policy it touches from all of that policy's events (found
// through the events_policy_id index). So applying a batch twice, out of
// order or after a rebuild changes nothing, and Rebuild, which folds the
// whole log, gives the same rows as the live consumer.
type Policies struct {
	// Catalog names the issuers in the search vectors (a search for
	// 商务局 finds the bureau's policies); nil indexes codes only.
	Catalog *events.Catalog
	Logger  *slog.Logger
}

// PoliciesName is the consumer's stable name.
const PoliciesName = "policies"

// PoliciesChannel is the channel every write to the read model notifies
// (on commit), so that readers reload without asking.
const PoliciesChannel = "policy_model"

// policiesLock is the advisory lock Apply takes shared and Rebuild
// exclusively; policiesRebuildLock keeps two rebuilds apart. Each key is
// its own (TestAdvisoryLocksAreDistinct): sharing portal_views' swap lock
// would make either model's rebuild hold up the other's live consumer.
const (
	policiesLock        = 7_001_120
	policiesRebuildLock = policiesLock + 100
)

// PolicyTables are the read model's tables, for tests and rebuild.
var PolicyTables = []string{"policies", "policy_versions", "policy_interpretations", "policy_doc_numbers", "policy_search"}

// Name returns PoliciesName.
func (*Policies) Name() string { return PoliciesName }

// Types are the event types the read model folds.
func (*Policies) Types() []string { return slices.Clone(policyTypes) }

// EventTypes are the policy types (bus.EventTypes): the bus hands Apply
// only the policy events of a batch, as it ignores the others.
func (*Policies) EventTypes() []string { return slices.Clone(policyTypes) }

// Apply re-folds every policy the batch's events are about.
func (p *Policies) Apply(ctx context.Context, tx pgx.Tx, evs []events.Recorded) error {
	var ids []string
	for _, e := range evs {
		if !slices.Contains(policyTypes, e.Type) {
			continue
		}
		d, err := decodePolicyEvent(e)
		if err != nil {
			if isRefused(err) {
				p.warnRefused(e, err)
				continue
			}
			return err
		}
		if id, _ := d.ev.PolicyRef(); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := p.refold(ctx, tx, ids)
	return err
}

// refold replaces the rows of the policies ids (nil: every policy) with
// a fold of all their events in the log, and returns those events by
// policy. A rebuild (ids nil) takes policiesLock exclusively and resets
// the generation; live applies share the lock.
func (p *Policies) refold(ctx context.Context, tx pgx.Tx, ids []string) (map[string][]decodedPolicyEvent, error) {
	rebuild := ids == nil
	lock := `SELECT pg_advisory_xact_lock_shared($1)`
	if rebuild {
		lock = `SELECT pg_advisory_xact_lock($1)`
	}
	if _, err := tx.Exec(ctx, lock, policiesLock); err != nil {
		return nil, fmt.Errorf("policies: take lock: %w", err)
	}
	gen, err := bumpGeneration(ctx, tx, rebuild)
	if err != nil {
		return nil, err
	}
	q, args := `SELECT seq, source, id, type, department, occurred_at, recorded_at, envelope::text, reading
		FROM events WHERE type = ANY($1)`, []any{policyTypes}
	if !rebuild {
		q, args = q+` AND ((envelope -> 'data') ->> 'policy_id') = ANY($2)`, append(args, ids)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("policies: read events: %w", err)
	}
	byID, err := p.collect(rows)
	if err != nil {
		return nil, err
	}
	if _, err := deletePolicies(ctx, tx, ids); err != nil {
		return nil, err
	}
	return byID, p.write(ctx, tx, byID, gen)
}

// collect decodes policy events from rows, by policy.
func (p *Policies) collect(rows pgx.Rows) (map[string][]decodedPolicyEvent, error) {
	defer rows.Close()
	byID := map[string][]decodedPolicyEvent{}
	for rows.Next() {
		var e events.Recorded
		var env string
		if err := rows.Scan(&e.Seq, &e.Source, &e.ID, &e.Type, &e.Department, &e.OccurredAt, &e.RecordedAt, &env, &e.Reading); err != nil {
			return nil, fmt.Errorf("policies: read events: %w", err)
		}
		e.Envelope = json.RawMessage(env)
		d, err := decodePolicyEvent(e)
		if err != nil {
			if isRefused(err) {
				p.warnRefused(e, err)
				continue
			}
			return nil, err
		}
		id, _ := d.ev.PolicyRef()
		byID[id] = append(byID[id], d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("policies: read events: %w", err)
	}
	return byID, nil
}

func (p *Policies) warnRefused(e events.Recorded, err error) {
	if p.Logger != nil {
		p.Logger.Warn("stored event refused by the strict reading; not counted (see govpulse log check)",
			"projection", PoliciesName, "seq", e.Seq, "source", e.Source, "id", e.ID, "reason", err.Error())
	}
}

// bumpGeneration advances the model's generation (and its reset mark
// for a rebuild), serialising writers on the row.
func bumpGeneration(ctx context.Context, tx pgx.Tx, reset bool) (int64, error) {
	var gen int64
	q := `UPDATE policy_model SET generation = generation + 1 WHERE id = 1 RETURNING generation`
	if reset {
		q = `UPDATE policy_model SET generation = generation + 1, reset = generation + 1 WHERE id = 1 RETURNING generation`
	}
	if err := tx.QueryRow(ctx, q).Scan(&gen); err != nil {
		return 0, fmt.Errorf("policies: bump generation: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, PoliciesChannel); err != nil {
		return 0, fmt.Errorf("policies: notify: %w", err)
	}
	return gen, nil
}

// deletePolicies removes the rows of ids (all rows when ids is nil).
func deletePolicies(ctx context.Context, tx pgx.Tx, ids []string) (int64, error) {
	var n int64
	for _, t := range PolicyTables {
		var err error
		if ids == nil {
			_, err = tx.Exec(ctx, `DELETE FROM `+t)
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM `+t+` WHERE policy_id = ANY($1)`, ids)
		}
		if err != nil {
			return 0, fmt.Errorf("policies: clear %s: %w", t, err)
		}
	}
	return n, nil
}

// write folds each policy and copies its rows in.
func (p *Policies) write(ctx context.Context, tx pgx.Tx, byID map[string][]decodedPolicyEvent, gen int64) error {
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var pol, ver, inter, docs, vec [][]any
	for _, id := range ids {
		s := foldPolicy(byID[id])
		if s == nil {
			continue
		}
		cur := s.current()
		curJSON, err := json.Marshal(cur)
		if err != nil {
			return err
		}
		var repeal, repealedAt, superseded any
		if s.repeal != nil {
			b, err := json.Marshal(s.repeal)
			if err != nil {
				return err
			}
			repeal, repealedAt = b, s.repeal.At.Time()
			if s.repeal.SupersededBy != "" {
				superseded = s.repeal.SupersededBy
			}
		}
		var effTo any
		if !cur.EffectiveTo.IsZero() {
			effTo = cur.EffectiveTo.Time()
		}
		pol = append(pol, []any{s.id, s.issuer, cur.DocNumber, search.DocKey(cur.DocNumber), cur.Title, cur.DocumentType,
			cur.Categories, cur.PublishedAt.Time(), cur.EffectiveFrom.Time(), effTo, repealedAt, superseded,
			len(s.versions), curJSON, repeal, s.lastSeq, gen})
		for _, v := range s.versions {
			pj, err := json.Marshal(v.policy)
			if err != nil {
				return err
			}
			changes := v.Changes
			if changes == nil {
				changes = []portal.Change{}
			}
			cj, err := json.Marshal(changes)
			if err != nil {
				return err
			}
			ver = append(ver, []any{s.id, v.N, string(v.Kind), v.At, v.DocNumber, v.Reason, pj, cj})
		}
		for _, in := range s.interps {
			qa, err := json.Marshal(in.QA)
			if err != nil {
				return err
			}
			inter = append(inter, []any{s.id, in.ID, in.Kind, in.Title, in.Body, qa, in.By, in.At})
		}
		for _, k := range s.docKeys {
			docs = append(docs, []any{k, s.id})
		}
		for i, part := range p.vectors(s) {
			vec = append(vec, []any{s.id, i, part})
		}
	}
	copies := []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"policies", []string{"policy_id", "issuer", "doc_number", "doc_key", "title", "document_type", "categories",
			"published_at", "effective_from", "effective_to", "repealed_at", "superseded_by", "versions", "current",
			"repeal", "last_seq", "generation"}, pol},
		{"policy_versions", []string{"policy_id", "n", "kind", "at", "doc_number", "reason", "policy", "changes"}, ver},
		{"policy_interpretations", []string{"policy_id", "interpretation_id", "kind", "title", "body", "qa", "by_whom", "at"}, inter},
		{"policy_doc_numbers", []string{"doc_key", "policy_id"}, docs},
	}
	for _, c := range copies {
		if len(c.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("policies: write %s: %w", c.table, err)
		}
	}
	// tsvector literals are text, which binary COPY cannot send to a
	// tsvector column: they go in chunks through a cast.
	const chunk = 1000
	for i := 0; i < len(vec); i += chunk {
		part := vec[i:min(i+chunk, len(vec))]
		ids, nums, tsvs := make([]string, len(part)), make([]int32, len(part)), make([]string, len(part))
		for k, r := range part {
			ids[k], nums[k], tsvs[k] = r[0].(string), int32(r[1].(int)), r[2].(string)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO policy_search (policy_id, part, tsv)
			SELECT id, n, t::tsvector FROM unnest($1::text[], $2::int[], $3::text[]) AS u(id, n, t)`, ids, nums, tsvs); err != nil {
			return fmt.Errorf("policies: write policy_search: %w", err)
		}
	}
	return nil
}

// vectors builds the search vectors of a policy: title (A), 文号 and
// issuer (B), interpretations (C), body and application texts (D).
func (p *Policies) vectors(s *policyState) []string {
	cur := s.current()
	var v search.VectorBuilder
	v.Add(cur.Title, 'A')
	v.Add(cur.DocNumber, 'B')
	if p.Catalog != nil {
		for _, d := range p.Catalog.Departments {
			if d.Code == cur.Issuer {
				v.Add(d.Name, 'B')
			}
		}
	}
	for _, in := range s.interps {
		v.Add(in.Title, 'C')
		v.Add(in.Body, 'C')
		for _, q := range in.QA {
			v.Add(q.Q, 'C')
			v.Add(q.A, 'C')
		}
	}
	v.Cut()
	v.Add(cur.Body, 'D')
	v.Add(cur.Conditions, 'D')
	v.Add(cur.Support, 'D')
	for _, m := range cur.Materials {
		v.Add(m, 'D')
	}
	v.Add(cur.HowToApply, 'D')
	return v.Parts()
}

// PolicyRebuildReport says what a rebuild of the policies did.
type PolicyRebuildReport struct {
	Events   int           `json:"events"`
	Policies int           `json:"policies"`
	Took     time.Duration `json:"-"`
}

// Rebuild folds every policy from the log into the tables, replacing
// their rows in one transaction: readers see the old rows until it
// commits, the live consumer waits for it (the lock) and then re-folds
// from the same log, so nothing is lost or doubled. Only one rebuild runs
// at a time (in this or another govpulse process): another gets
// ErrRebuildRunning.
func (p *Policies) Rebuild(ctx context.Context, pool *pgxpool.Pool) (PolicyRebuildReport, error) {
	start := time.Now()
	var rep PolicyRebuildReport
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var free bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, policiesRebuildLock).Scan(&free); err != nil {
			return fmt.Errorf("policies: take rebuild lock: %w", err)
		}
		if !free {
			return ErrRebuildRunning
		}
		byID, err := p.refold(ctx, tx, nil)
		for _, evs := range byID {
			rep.Events += len(evs)
		}
		rep.Policies = len(byID)
		return err
	})
	rep.Took = time.Since(start)
	if err != nil {
		return rep, fmt.Errorf("rebuild policies: %w", err)
	}
	return rep, nil
}
