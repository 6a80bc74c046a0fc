package portaltest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.yaml.in/yaml/v3"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

//go:embed corpus.yaml
var corpusYAML []byte

// Source is the source the corpus' events carry.
const Source = "qd-policy-office"

// Today is a day on which the corpus' validities are as corpus.yaml
// says (future-1 not yet in force, expired-1 expired, repealed-1 repealed).
var Today = time.Date(2023, 6, 1, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))

// entry is one policy of corpus.yaml. Its publication's data fields
// stand in it under their own names (Publication); the other keys say
// how the events are built.
type entry struct {
	ID  string `yaml:"id"`
	Pub string `yaml:"pub"` // written_at, when not effective_from
	Doc string `yaml:"doc"`
	// Publication is the policy_published data the entry gives as is.
	Publication map[string]any `yaml:",inline"`
	Interp      *struct {
		Kind  string     `yaml:"kind"`
		Title string     `yaml:"title"`
		QA    [][]string `yaml:"qa"`
	} `yaml:"interp"`
	Amend  map[string]string `yaml:"amend"`
	Repeal *struct {
		At     string `yaml:"at"`
		Reason string `yaml:"reason"`
		By     string `yaml:"by"`
	} `yaml:"repeal"`
}

// Events returns the corpus as events: every publication first, then the
// follow-ups (interpretations, amendments, repeals).
func Events(t testing.TB) []postgres.NewEvent {
	t.Helper()
	var es []entry
	if err := yaml.Unmarshal(corpusYAML, &es); err != nil {
		t.Fatalf("corpus.yaml: %v", err)
	}
	var pubs, follow []postgres.NewEvent
	for _, e := range es {
		data := maps.Clone(e.Publication)
		for k, v := range data {
			// YAML reads an unquoted date as a time; the data's dates are
			// calendar days.
			if d, ok := v.(time.Time); ok {
				data[k] = d.Format(time.DateOnly)
			}
		}
		issuer, _ := data["issuer"].(string)
		pub := e.Pub
		if pub == "" {
			pub, _ = data["effective_from"].(string)
		}
		data["policy_id"], data["doc_number"], data["written_at"] = e.ID, e.Doc, pub
		data["how_to_apply"], data["contact"] = "登录青岛政务服务网在线申报。", "0532-12345"
		pubs = append(pubs, Event(t, events.TypePolicyPublished, "pub-"+e.ID, pub+"T09:00:00+08:00", data))
		if e.Interp != nil {
			in := map[string]any{"policy_id": e.ID, "issuer": issuer, "interpretation_id": "jd-" + e.ID,
				"kind": e.Interp.Kind, "title": e.Interp.Title, "by": "发文机关"}
			var qa []map[string]string
			for _, p := range e.Interp.QA {
				qa = append(qa, map[string]string{"q": p[0], "a": p[1]})
			}
			in["qa"] = qa
			follow = append(follow, Event(t, events.TypePolicyInterpreted, "jd-"+e.ID, pub+"T10:00:00+08:00", in))
		}
		if e.Amend != nil {
			am := map[string]any{"policy_id": e.ID, "issuer": issuer, "doc_number": e.Amend["doc"], "reason": e.Amend["reason"]}
			for k, v := range e.Amend {
				if k != "doc" && k != "reason" {
					am[k] = v
				}
			}
			follow = append(follow, Event(t, events.TypePolicyAmended, "am-"+e.ID, shift(t, pub, 200)+"T09:00:00+08:00", am))
		}
		if e.Repeal != nil {
			rp := map[string]any{"policy_id": e.ID, "issuer": issuer, "repealed_at": e.Repeal.At, "reason": e.Repeal.Reason}
			if e.Repeal.By != "" {
				rp["superseded_by"] = e.Repeal.By
			}
			follow = append(follow, Event(t, events.TypePolicyRepealed, "rp-"+e.ID, e.Repeal.At+"T09:00:00+08:00", rp))
		}
	}
	return append(pubs, follow...)
}

func shift(t testing.TB, day string, days int) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	return d.AddDate(0, 0, days).Format(time.DateOnly)
}

// Event builds a policy event of type typ at time at (RFC 3339) from Source.
func Event(t testing.TB, typ, id, at string, data map[string]any) postgres.NewEvent {
	t.Helper()
	return EventFrom(t, Source, typ, id, at, data)
}

// EventFrom builds a policy event as Event does, from source.
func EventFrom(t testing.TB, source, typ, id, at string, data map[string]any) postgres.NewEvent {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(map[string]any{"specversion": "1.0", "id": id, "source": source, "type": typ, "time": at, "data": data})
	if err != nil {
		t.Fatal(err)
	}
	return postgres.NewEvent{Envelope: events.Envelope{SpecVersion: "1.0", ID: id, Source: source, Type: typ, Time: ts, Raw: raw},
		Department: data["issuer"].(string)}
}

// Validate checks evs with the strict validator over cat, as ingest
// would, so the corpus cannot drift from the contract.
func Validate(t testing.TB, cat *events.Catalog, evs []postgres.NewEvent) {
	t.Helper()
	v := &events.Validator{Catalog: cat, Now: func() time.Time { return Today }}
	for _, e := range evs {
		envs, err := events.DecodeRequest(e.Envelope.Raw, events.ContentTypeSingle)
		if err != nil {
			t.Fatalf("corpus event %s: %v", e.Envelope.ID, err)
		}
		if _, ps := v.Validate(0, &envs[0]); len(ps) > 0 {
			t.Fatalf("corpus event %s: %+v", e.Envelope.ID, ps)
		}
	}
}

// Load validates the corpus, appends it to the log of pool and applies it
// to the policies read model (catalogue cat) as the bus would.
func Load(t testing.TB, pool *pgxpool.Pool, cat *events.Catalog) {
	t.Helper()
	evs := Events(t)
	Validate(t, cat, evs)
	if err := Apply(context.Background(), pool, cat, evs); err != nil {
		t.Fatal(err)
	}
}

// Apply appends evs to the log and folds them into the policies read model.
func Apply(ctx context.Context, pool *pgxpool.Pool, cat *events.Catalog, evs []postgres.NewEvent) error {
	store := &postgres.EventStore{Pool: pool}
	res, err := store.Append(ctx, Source, evs)
	if err != nil {
		return err
	}
	if res.Accepted == 0 {
		return nil
	}
	p := &projections.Policies{Catalog: cat}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		recs, err := store.ReadBatch(ctx, tx, res.Batch)
		if err != nil {
			return fmt.Errorf("read batch: %w", err)
		}
		return p.Apply(ctx, tx, recs)
	})
}
