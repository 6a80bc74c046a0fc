package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/sources"
)

const logUsage = `usage: govpulse log check [flags]

Reads the whole event log with the strict reading of this version and
lists every stored event it would now refuse (seq, source, id and every
reason), so that an operator upgrading from an earlier, laxer version can
see whether anything that version let in could have inflated figures. It
changes nothing: the log is append-only. The read models already skip
such events (govpulse rebuild counts by the strict reading).

Each event is judged as at its arrival: timestamps against its recording
time (plus --max-clock-skew), codes against the catalogue, and, with
--sources-file, whether its source may send its type for its department.
Exits non-zero when it lists any event.

flags:
`

// logCheckFinding is one event the strict reading refuses.
type logCheckFinding struct {
	Seq      int64            `json:"seq"`
	Source   string           `json:"source"`
	ID       string           `json:"id"`
	Type     string           `json:"type"`
	Recorded time.Time        `json:"recorded_at"`
	Problems []events.Problem `json:"problems"`
}

func runLog(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, logUsage)
		return errors.New(`log: the only subcommand is "check"`)
	}
	cfg, fs, err := commandFlags("log check", getenv, stderr, "database-url", "catalog-file", "sources-file", "max-clock-skew")
	if err != nil {
		return err
	}
	asJSON := fs.Bool("json", false, "print one JSON object per refused event instead of text")
	fs.Usage = func() {
		fmt.Fprint(stderr, logUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cat, err := catalog.Load(cfg.CatalogFile)
	if err != nil {
		return err
	}
	var srcs *sources.Registry
	if cfg.SourcesFile != "" {
		if srcs, err = sources.Load(cfg.SourcesFile, getenv, cat); err != nil {
			return err
		}
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	var checked, refused int64
	var first, last int64
	var after int64
	for {
		page, err := readLogPage(ctx, pool, after, 5000)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, rec := range page {
			if first == 0 {
				first = rec.Seq
			}
			last, checked = rec.Seq, checked+1
			ps := checkStoredEvent(cat, srcs, cfg.MaxClockSkew, rec)
			if len(ps) == 0 {
				continue
			}
			refused++
			f := logCheckFinding{Seq: rec.Seq, Source: rec.Source, ID: rec.ID, Type: rec.Type, Recorded: rec.RecordedAt, Problems: ps}
			if *asJSON {
				b, _ := json.Marshal(f)
				fmt.Fprintf(stdout, "%s\n", b)
				continue
			}
			fmt.Fprintf(stdout, "seq %d  source %s  id %s  type %s  recorded %s\n", f.Seq, f.Source, f.ID, f.Type, f.Recorded.UTC().Format(time.RFC3339))
			for _, p := range ps {
				field := p.Field
				if field == "" {
					field = "(event)"
				}
				fmt.Fprintf(stdout, "    %s: %s\n", field, p.Reason)
			}
		}
		after = page[len(page)-1].Seq
	}
	if checked == 0 {
		fmt.Fprintln(stderr, "log check: the log is empty")
		return nil
	}
	fmt.Fprintf(stderr, "log check: %d events checked (seq %d to %d): %d would now be refused\n", checked, first, last, refused)
	if refused > 0 {
		return fmt.Errorf("log check: %d stored event(s) would now be refused; the read models do not count them", refused)
	}
	return nil
}

// checkStoredEvent judges one stored event as ingest would have at its
// arrival.
func checkStoredEvent(cat *events.Catalog, srcs *sources.Registry, skew time.Duration, rec events.Recorded) []events.Problem {
	v := &events.Validator{Catalog: cat, MaxClockSkew: skew, Now: func() time.Time { return rec.RecordedAt }}
	ps := events.CheckStored(v, rec)
	if srcs == nil {
		return ps
	}
	var src *sources.Source
	for _, s := range srcs.Sources() {
		if s.Name == rec.Source {
			src = s
		}
	}
	switch {
	case src == nil:
		ps = append(ps, events.Problem{ID: rec.ID, Field: "source", Reason: fmt.Sprintf("source %q is not in the sources file", rec.Source)})
	default:
		if !src.MaySend(rec.Type) {
			ps = append(ps, events.Problem{ID: rec.ID, Field: "type", Reason: fmt.Sprintf("source %s may not send %s events", src.Name, rec.Type)})
		}
		if !src.MaySpeakFor(rec.Department) {
			ps = append(ps, events.Problem{ID: rec.ID, Field: "department", Reason: fmt.Sprintf("source %s may not send events for department %q", src.Name, rec.Department)})
		}
	}
	return ps
}

// readLogPage reads up to limit events after seq, in log order.
func readLogPage(ctx context.Context, pool postgres.Querier, after int64, limit int) ([]events.Recorded, error) {
	rows, err := pool.Query(ctx, `SELECT seq, source, id, type, department, occurred_at, recorded_at, envelope::text
		FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read the log after seq %d: %w", after, err)
	}
	recs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (events.Recorded, error) {
		var rec events.Recorded
		var env string
		err := r.Scan(&rec.Seq, &rec.Source, &rec.ID, &rec.Type, &rec.Department, &rec.OccurredAt, &rec.RecordedAt, &env)
		rec.Envelope = []byte(env)
		return rec, err
	})
	if err != nil {
		return nil, fmt.Errorf("read the log after seq %d: %w", after, err)
	}
	return recs, nil
}
