package projections

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
)

// ErrRebuildRunning is returned when another rebuild of the same projection
// is in progress (in this or another govpulse process).
var ErrRebuildRunning = errors.New("a rebuild of this projection is already running")

// RebuildOptions tune Rebuild. Zero values take the documented defaults.
type RebuildOptions struct {
	// Progress, when set, is called from one goroutine as the replay
	// advances, with the log positions replayed so far and in all (every
	// event of the applied batches counts, whatever its type).
	Progress func(done, total int64)
	// ChunkEvents is how many log positions one read of the log covers.
	// Default 50,000.
	ChunkEvents int64
	// Workers decode events in parallel (each read model's folding runs
	// beside them), and RebuildAll loads and swaps as many read models at
	// a time. Default GOMAXPROCS.
	Workers int
	// SwapLockTimeout bounds one attempt's wait for the locks the swap
	// takes (the live consumer's batch in flight, readers of the old
	// table); an attempt that times out gives the live consumer its turn
	// and the swap is tried again. Default 30s.
	SwapLockTimeout time.Duration
	// SwapWait bounds the swap with its retries: past it (or when ctx
	// ends) the rebuild fails and leaves the live table as it was.
	// Default 5 minutes.
	SwapWait time.Duration
}

func (o *RebuildOptions) setDefaults() {
	if o.ChunkEvents <= 0 {
		o.ChunkEvents = 50_000
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.SwapLockTimeout <= 0 {
		o.SwapLockTimeout = 30 * time.Second
	}
	if o.SwapWait <= 0 {
		o.SwapWait = 5 * time.Minute
	}
}

// RebuildReport says what a rebuild replayed.
type RebuildReport struct {
	Projection string `json:"projection"`
	// Batches is how many applied batches were replayed, CaughtUp how many
	// of them the live consumer applied while the rebuild ran.
	Batches  int `json:"batches"`
	CaughtUp int `json:"caught_up_batches"`
	// LogEvents is the log positions the batches cover; Events the events
	// of the projection's types among them.
	LogEvents int64 `json:"log_events"`
	Events    int64 `json:"events"`
	// Rows is the new table's row count before the last catch-up.
	Rows    int           `json:"rows"`
	Took    time.Duration `json:"-"`
	Seconds float64       `json:"seconds"`
}

// Rebuild replays the log into a fresh table and swaps it in for the live
// one, without stopping the live consumer or readers. The result equals the
// live table exactly, because both hold exactly the batches recorded in
// consumer_batches for the projection:
//
//  1. It reads the batches applied so far, folds their events from the log
//     in memory and COPYs the result into a new table <name>_new (LIKE the
//     live one). The live consumer keeps applying batches to the live
//     table meanwhile; up to three catch-up passes replay them into the
//     new table too.
//  2. In one short transaction it takes the projection's swap lock
//     exclusively, which waits for the live Apply in flight (Apply holds
//     it shared from its start to its commit) and keeps the next one
//     waiting; replays into the new table the batches applied since step
//     1; points the boards' view of the table at the new one
//     (repointBoardView); drops the live table and renames the new one
//     (and its indexes) to the live names; and commits. Readers, the
//     boards' views included, read the old table until the commit and the
//     new one after it. An Apply that waited for the lock
//     resolves the table name only after the commit, so it writes to the
//     new table, and its batch was not yet recorded when step 2 read
//     consumer_batches.
//
// Only one rebuild of a projection runs at a time: another gets
// ErrRebuildRunning. If Rebuild fails, the live table is untouched.
// RebuildAll rebuilds several projections with one pass over the log.
func (p *Projection) Rebuild(ctx context.Context, pool *pgxpool.Pool, opts RebuildOptions) (RebuildReport, error) {
	reps, err := RebuildAll(ctx, pool, []*Projection{p}, opts)
	if len(reps) == 0 {
		return RebuildReport{Projection: p.name}, err
	}
	return reps[0], err
}

// RebuildAll rebuilds the projections ps as Rebuild does each, with one
// pass over the log for all of them: each event is read and decoded once
// and folded into every projection of ps that folds its type and has
// applied its batch (each projection replays exactly the batches recorded
// for it, as Rebuild does). Reading the log, decoding and folding run at
// once, and each projection's COPY, catch-up and swap run as soon as the
// pass ends, several projections at a time (opts.Workers).
//
// The reports are in ps' order; a projection whose rebuild failed has no
// report. A failure in the pass changes no live table; one in a
// projection's load or swap leaves that projection's live table as it was
// and the others' rebuilds go on. The error joins every failure.
// Opts.Progress counts the log positions of the one pass.
func RebuildAll(ctx context.Context, pool *pgxpool.Pool, ps []*Projection, opts RebuildOptions) ([]RebuildReport, error) {
	opts.setDefaults()
	start := time.Now()
	for i, p := range ps {
		for _, q := range ps[:i] {
			if q.name == p.name {
				return nil, fmt.Errorf("rebuild: %s given twice", p.name)
			}
		}
	}
	// One connection holds every projection's rebuild lock and reads the
	// log; the loads and swaps take connections of their own.
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("rebuild: %w", err)
	}
	defer conn.Release()
	rs := make([]*rebuilding, 0, len(ps))
	defer func() {
		for _, r := range rs {
			if !r.swapped {
				_, _ = conn.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+strings.Join(r.p.table.tableNames("_new"), ", "))
			}
			_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, r.p.rebuildLock)
		}
	}()
	for _, p := range ps {
		var locked bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, p.rebuildLock).Scan(&locked); err != nil {
			return nil, fmt.Errorf("rebuild %s: %w", p.name, err)
		}
		if !locked {
			return nil, fmt.Errorf("rebuild %s: %w", p.name, ErrRebuildRunning)
		}
		r := &rebuilding{p: p, rep: RebuildReport{Projection: p.name}, newTable: p.name + "_new", applied: appliedSet{}}
		rs = append(rs, r)
		// Step 1: the applied batches so far.
		bs, err := postgres.AppliedBatches(ctx, conn, p.name)
		if err != nil {
			return nil, fmt.Errorf("rebuild %s: %w", p.name, err)
		}
		r.applied.addAll(bs)
		r.ranges = mergeRanges(bs)
		r.rep.Batches, r.rep.LogEvents = len(bs), rangeEvents(r.ranges)
		// The live table's size as the statistics have it (-1 or 0 when
		// unknown): room for its rows spares the folds growing their maps.
		var rows float64
		if err := conn.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = $1::regclass`, p.name).Scan(&rows); err != nil {
			return nil, fmt.Errorf("rebuild %s: %w", p.name, err)
		}
		r.sizeHint = int(min(max(rows, 0), 1<<24))
	}
	if err := replay(ctx, conn, rs, opts); err != nil {
		names := make([]string, len(rs))
		for i, r := range rs {
			names[i] = r.p.name
		}
		return nil, fmt.Errorf("rebuild %s: %w", strings.Join(names, ", "), err)
	}

	// Then each projection on its own: load, catch up, swap. The largest
	// start first: the pass's end waits for the last one to finish, and a
	// large read model started after the small ones would finish alone.
	errs := make([]error, len(rs))
	sem := make(chan struct{}, opts.Workers)
	var wg sync.WaitGroup
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rs[b].sizeHint - rs[a].sizeHint })
	for _, i := range order {
		r := rs[i]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = r.finish(ctx, pool, opts, start)
		})
	}
	wg.Wait()
	var reps []RebuildReport
	for i, r := range rs {
		if errs[i] == nil {
			reps = append(reps, r.rep)
		}
	}
	return reps, errors.Join(errs...)
}

// loadPiece is how many rows a rebuild's load makes, checks and sends at
// a time.
const loadPiece = 4096

// rebuilding is one projection's rebuild in RebuildAll.
type rebuilding struct {
	p        *Projection
	rep      RebuildReport
	applied  appliedSet
	ranges   []events.Batch // the applied batches, merged
	newTable string
	fold     fold
	swapped  bool
	// sizeHint is about how many rows the fold will hold.
	sizeHint int
}

// covers reports whether the projection's replay includes log position seq.
func (r *rebuilding) covers(seq int64) bool {
	i := sort.Search(len(r.ranges), func(i int) bool { return r.ranges[i].Last >= seq })
	return i < len(r.ranges) && r.ranges[i].First <= seq
}

// finish loads the folded rows into the new table, catches up and swaps.
func (r *rebuilding) finish(ctx context.Context, pool *pgxpool.Pool, opts RebuildOptions, start time.Time) error {
	p := r.p
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", p.name, err)
	}
	defer conn.Release()
	p.warnUnknown(r.fold, "rebuild up to", 0, lastSeq(r.ranges))
	newTable := r.newTable
	// The new table gets the live one's indexes after the COPY (but the
	// sparse ones, see copyIndexes): building an index over the rows at
	// once is cheaper than adding each row to it.
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		lives := p.table.tableNames("") // the read model's table, and its totals'
		ixs := make([][]tableIndex, len(lives))
		for i, live := range lives {
			var err error
			if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS `+live+`_new`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TABLE %s_new (LIKE %s INCLUDING ALL EXCLUDING INDEXES)`, live, live)); err != nil {
				return err
			}
			if ixs[i], err = tableIndexes(ctx, tx, live); err != nil {
				return fmt.Errorf("read the indexes of %s: %w", live, err)
			}
			if err := copyIndexes(ctx, tx, ixs[i], live+"_new", true); err != nil {
				return err
			}
		}
		// The parallel workers of an index build would each write their
		// share of the rows to a file for the leader to merge, where a
		// build alone passes once over rows that mostly come sorted.
		if _, err := tx.Exec(ctx, `SET LOCAL max_parallel_maintenance_workers = 0`); err != nil {
			return err
		}
		// The rows are made, checked and sent a piece at a time, so that
		// the server writes the first pieces while the next are made.
		n, err := p.table.copyInto(ctx, tx, newTable, func(send func([][]any) error) error {
			return r.fold.rowsByKey(loadPiece, func(rows [][]any) error {
				if err := p.checkCodes(rows); err != nil {
					return err
				}
				return send(rows)
			})
		})
		if err != nil {
			return err
		}
		r.rep.Rows = n
		for i, live := range lives {
			if err := copyIndexes(ctx, tx, ixs[i], live+"_new", false); err != nil {
				return err
			}
		}
		return nil
	})
	r.fold = nil
	if err != nil {
		return fmt.Errorf("rebuild %s: load %s: %w", p.name, newTable, err)
	}

	// Catch up outside the lock, so that the swap has little left to do.
	for range 3 {
		n, err := p.catchUp(ctx, conn, newTable, r.applied, &r.rep)
		if err != nil {
			return fmt.Errorf("rebuild %s: catch up: %w", p.name, err)
		}
		if n == 0 {
			break
		}
	}

	// Step 2: the swap. A reader holding the live table past the lock
	// timeout makes an attempt fail; the new table is kept and the swap
	// tried again until it succeeds or SwapWait ends. The wait is bounded
	// by each attempt's lock_timeout rather than by cancelling a query,
	// which would close the connection and leave the rebuild lock held
	// until the server notices.
	deadline := time.Now().Add(opts.SwapWait)
	for attempt := 1; ; attempt++ {
		wait := max(time.Millisecond, min(opts.SwapLockTimeout, time.Until(deadline)))
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = %d`, wait.Milliseconds())); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, p.swapLock); err != nil {
				return fmt.Errorf("take swap lock: %w", err)
			}
			// On a retry, what this attempt caught up was rolled back.
			caught, known := r.rep, maps.Clone(r.applied)
			if _, err := p.catchUp(ctx, tx, newTable, known, &caught); err != nil {
				return fmt.Errorf("catch up: %w", err)
			}
			if err := p.swapTables(ctx, tx, newTable); err != nil {
				return err
			}
			r.rep = caught
			return nil
		})
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55P03" { // lock_not_available
			break
		}
		if time.Until(deadline) <= 0 {
			err = fmt.Errorf("gave up waiting for the locks after %d attempts in %s (SwapWait): %w", attempt, opts.SwapWait, err)
			break
		}
		if p.log != nil {
			p.log.Warn("rebuild: swap waited too long for a lock; retrying", "projection", p.name, "attempt", attempt, "err", err)
		}
	}
	if err != nil {
		return fmt.Errorf("rebuild %s: swap: %w", p.name, err)
	}
	r.swapped = true
	r.rep.Took = time.Since(start)
	r.rep.Seconds = r.rep.Took.Seconds()
	if p.log != nil {
		p.log.Info("rebuilt projection", "projection", p.name, "batches", r.rep.Batches,
			"events", r.rep.Events, "log_events", r.rep.LogEvents, "caught_up_batches", r.rep.CaughtUp, "took", r.rep.Took)
	}
	return nil
}

// dbtx is a connection or a transaction: what catchUp runs on.
type dbtx interface {
	postgres.Querier
	Begin(ctx context.Context) (pgx.Tx, error)
}

// catchUp replays into table the batches applied since applied was read,
// adds them to applied and returns how many there were.
func (p *Projection) catchUp(ctx context.Context, q dbtx, table string, applied appliedSet, rep *RebuildReport) (int, error) {
	delta, err := batchesNotIn(ctx, q, p.name, applied)
	if err != nil || len(delta) == 0 {
		return 0, err
	}
	f := p.newFold()
	for _, r := range mergeRanges(delta) {
		evs, err := postgres.ReadRange(ctx, q, r.First, r.Last, p.types)
		if err != nil {
			return 0, err
		}
		for _, e := range evs {
			if err := p.add(f, e); err != nil {
				return 0, fmt.Errorf("event %d (%s %s): %w", e.Seq, e.Source, e.ID, err)
			}
		}
		rep.Events += int64(len(evs))
		rep.LogEvents += r.Last - r.First + 1
	}
	rows := f.rowValues()
	if err := p.checkCodes(rows); err != nil {
		return 0, err
	}
	err = pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error { return p.table.upsert(ctx, tx, table, rows) })
	if err != nil {
		return 0, err
	}
	applied.addAll(delta)
	rep.Batches += len(delta)
	rep.CaughtUp += len(delta)
	return len(delta), nil
}

// tableIndex is an index of a table as swapTables and copyIndexes compare
// them: def is its definition from USING on, without its name and table.
type tableIndex struct {
	name            string
	primary, unique bool
	def             string
	// sparse says that the index is partial and the statistics have it
	// hold under a hundredth of its table's rows.
	sparse bool
}

// tableIndexes reads the indexes of table.
func tableIndexes(ctx context.Context, tx pgx.Tx, table string) ([]tableIndex, error) {
	const indexes = `SELECT c.relname, i.indisprimary, i.indisunique,
		regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING ', ''),
		i.indpred IS NOT NULL AND c.reltuples >= 0 AND c.reltuples * 100 < t.reltuples
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
		WHERE i.indrelid = $1::regclass ORDER BY c.relname`
	rows, err := tx.Query(ctx, indexes, table)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tableIndex, error) {
		var ix tableIndex
		err := r.Scan(&ix.name, &ix.primary, &ix.unique, &ix.def, &ix.sparse)
		return ix, err
	})
}

// copyIndexes gives newTable the indexes ixs of its live table, its
// primary key included, named <newTable>_<n> (swapTables gives them the
// live names): the sparse ones when sparse is set, the others when not.
// A rebuild makes the sparse ones before its COPY, as keeping an index
// of few rows while the rows are written costs less than a scan of them
// all to build it after, and the others after.
func copyIndexes(ctx context.Context, tx pgx.Tx, ixs []tableIndex, newTable string, sparse bool) error {
	for n, ix := range ixs {
		if ix.sparse != sparse {
			continue
		}
		name := pgx.Identifier{fmt.Sprintf("%s_%d", newTable, n+1)}.Sanitize()
		unique := ""
		if ix.unique {
			unique = "UNIQUE "
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(`CREATE %sINDEX %s ON %s USING %s`, unique, name, newTable, ix.def)); err != nil {
			return fmt.Errorf("index %s like %s: %w", newTable, ix.name, err)
		}
		if ix.primary {
			if _, err := tx.Exec(ctx, fmt.Sprintf(`ALTER TABLE %s ADD PRIMARY KEY USING INDEX %s`, newTable, name)); err != nil {
				return fmt.Errorf("primary key of %s like %s: %w", newTable, ix.name, err)
			}
		}
	}
	return nil
}

// swapTables replaces the live table with newTable, and the live totals
// table (WithTotals) with its fresh copy, giving the new tables' indexes
// the live ones' names.
func (p *Projection) swapTables(ctx context.Context, tx pgx.Tx, newTable string) error {
	for _, live := range p.table.tableNames("") {
		if err := swapTable(ctx, tx, live, live+strings.TrimPrefix(newTable, p.name)); err != nil {
			return err
		}
	}
	return nil
}

// swapTable replaces the table live with newTable, giving the new table's
// indexes the live ones' names.
func swapTable(ctx context.Context, tx pgx.Tx, live, newTable string) error {
	liveIndexes, err := tableIndexes(ctx, tx, live)
	if err != nil {
		return err
	}
	fresh, err := tableIndexes(ctx, tx, newTable)
	if err != nil {
		return err
	}
	if err := repointBoardView(ctx, tx, live, newTable); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DROP TABLE `+live); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf(`ALTER TABLE %s RENAME TO %s`, newTable, live)); err != nil {
		return err
	}
	for _, n := range fresh {
		for _, l := range liveIndexes {
			if n.primary == l.primary && n.unique == l.unique && n.def == l.def && n.name != l.name {
				_, err := tx.Exec(ctx, fmt.Sprintf(`ALTER INDEX %s RENAME TO %s`,
					pgx.Identifier{n.name}.Sanitize(), pgx.Identifier{l.name}.Sanitize()))
				if err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

// replay folds, for each of rs, the events of its ranges from the log in
// one pass into r.fold: one goroutine reads the log over the union of the
// ranges, chunk by chunk, with q; workers decode each event once and hand
// it to every projection that folds its type and covers its position,
// whose own goroutine folds it.
func replay(ctx context.Context, q postgres.Querier, rs []*rebuilding, opts RebuildOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var all []events.Batch
	var types []string
	for _, r := range rs {
		all = append(all, r.ranges...)
		for _, t := range r.p.types {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
	}
	ranges := mergeRanges(all)
	total := rangeEvents(ranges)
	// byType lists, for each type, the projections that fold it.
	byType := map[string][]int{}
	for i, r := range rs {
		for _, t := range r.p.types {
			byType[t] = append(byType[t], i)
		}
	}
	type chunk struct {
		evs       []events.Recorded
		positions int64
		// whole says that every projection folding a type covers the
		// whole chunk, which spares the check for each event.
		whole bool
		// read holds the memory of the read the chunk is a piece of.
		read *readMemory
	}
	// Each read of the log is handed to the workers in pieces of
	// workPiece events, so that they share the last read too instead of
	// one folding it while the others wait.
	const workPiece = 4096
	// The reader keeps up to as many reads ahead as there are workers,
	// as when each read went to one worker whole.
	chunks := make(chan chunk, opts.Workers*int(opts.ChunkEvents/workPiece+1))
	done := make(chan int64, opts.Workers)
	var (
		mu       sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	rd := &logReader{free: make(chan []byte, maxFreeBlocks), freeEvents: make(chan []events.Recorded, maxFreeReads)}
	go func() {
		defer close(chunks)
		for _, rg := range ranges {
			for lo := rg.First; lo <= rg.Last; lo += opts.ChunkEvents {
				hi := min(lo+opts.ChunkEvents-1, rg.Last)
				whole := true
				for _, r := range rs {
					whole = whole && rangeEvents(clipRanges(r.ranges, lo, hi)) == hi-lo+1
				}
				// The whole read is in memory before the workers get it, so
				// that no query stays open while the reader waits for them.
				evs, err := rd.read(ctx, q, lo, hi, types)
				if err != nil {
					fail(err)
					return
				}
				read := &readMemory{evs: evs, blocks: rd.blocks, rd: rd}
				read.held.Store(int32(max(1, (len(evs)+workPiece-1)/workPiece)))
				// The pieces' positions add up to the read's: each piece
				// counts the positions up to its last event, the last
				// piece up to hi.
				sent := lo - 1
				for len(evs) > 0 || sent < hi {
					n := min(len(evs), workPiece)
					end := hi
					if n < len(evs) {
						end = max(sent, evs[n-1].Seq)
					}
					select {
					case chunks <- chunk{evs[:n:n], end - sent, whole, read}:
					case <-ctx.Done():
						return
					}
					evs, sent = evs[n:], end
				}
			}
		}
	}()
	// The workers decode; each projection's events are folded by a
	// goroutine of its own into the projection's one fold, so that no
	// worker's fold has to be merged into another's after the pass (a
	// year's rows, each looked up again, before the load can start).
	type decodedEvent struct {
		e   *events.Recorded
		ev  events.Event
		err error
	}
	// A piece to fold holds the memory of the read its events are of.
	type foldPiece struct {
		evs  []decodedEvent
		read *readMemory
	}
	toFold := make([]chan foldPiece, len(rs))
	// spent hands a folded piece's slice back to the workers to fill again.
	spent := make([]chan []decodedEvent, len(rs))
	var folders sync.WaitGroup
	for i, r := range rs {
		toFold[i] = make(chan foldPiece, 2*opts.Workers)
		spent[i] = make(chan []decodedEvent, 3*opts.Workers)
		r.fold = r.p.newFold()
		if f, ok := r.fold.(interface{ reserve(n int) }); ok {
			f.reserve(r.sizeHint)
		}
		folders.Go(func() {
			// After a failure the pieces sent still come, unfolded, until
			// the workers are done.
			failed := false
			for fp := range toFold[i] {
				piece := fp.evs
				for _, d := range piece {
					if failed {
						break
					}
					if err := r.p.addDecoded(r.fold, d.e, d.ev, d.err); err != nil {
						err = fmt.Errorf("event %d (%s %s): %w", d.e.Seq, d.e.Source, d.e.ID, err)
						if len(rs) > 1 {
							err = fmt.Errorf("%s: %w", r.p.name, err)
						}
						fail(err)
						failed = true
						break
					}
					r.rep.Events++
				}
				clear(piece)
				select {
				case spent[i] <- piece[:0]:
				default:
				}
				fp.read.release()
			}
		})
	}
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Go(func() {
			pieces := make([][]decodedEvent, len(rs))
			for c := range chunks {
				for k := range c.evs {
					e := &c.evs[k]
					var (
						ev      events.Event
						err     error
						decoded bool
					)
					for _, i := range byType[e.Type] {
						if !c.whole && !rs[i].covers(e.Seq) {
							continue
						}
						if !decoded {
							ev, err = events.DecodeRecorded(e.Type, e.Reading, e.Envelope)
							decoded = true
						}
						if pieces[i] == nil {
							select {
							case pieces[i] = <-spent[i]:
							default:
								pieces[i] = make([]decodedEvent, 0, len(c.evs))
							}
						}
						pieces[i] = append(pieces[i], decodedEvent{e, ev, err})
					}
				}
				for i, piece := range pieces {
					if piece == nil {
						continue
					}
					c.read.hold()
					select {
					case toFold[i] <- foldPiece{piece, c.read}:
					case <-ctx.Done():
						return
					}
					pieces[i] = nil
				}
				c.read.release()
				select {
				case done <- c.positions:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		wg.Wait()
		for _, ch := range toFold {
			close(ch)
		}
		folders.Wait()
		close(done)
	}()
	var progress int64
	if opts.Progress != nil {
		opts.Progress(0, total)
	}
	for n := range done {
		progress += n
		if opts.Progress != nil {
			opts.Progress(progress, total)
		}
	}
	// A worker that failed left the others to drain chunks; wait for all.
	mu.Lock()
	err := firstErr
	mu.Unlock()
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// logReader reads the log for a rebuild's pass: what postgres.ReadRange
// reads, from the rows' raw values, with each chunk's envelopes in a few
// large blocks, its ids in one string, and the types and sources shared
// strings (the fields of a row that is not as expected are scanned as
// ReadRange scans them). It spares four or five allocations per event.
type logReader struct {
	sources map[string]string
	block   []byte
	// blocks are the blocks of the last read's envelopes; free and
	// freeEvents, when not nil, give back blocks and events whose read is
	// done with (readMemory).
	blocks     [][]byte
	free       chan []byte
	freeEvents chan []events.Recorded
	// ids and idEnds gather a read's ids, reused from read to read: the
	// ids' bytes, and where each event's id ends in them (-1 for an event
	// scanned whole).
	ids    []byte
	idEnds []int
}

// logBlock is the size of a block of envelopes, and maxFreeBlocks how
// many blocks done with a pass keeps for the reads to come: about as many
// as the reads in flight fill (a read of 50,000 events fills 10 to 30);
// maxFreeReads is how many reads' events it keeps.
const (
	logBlock      = 1 << 20
	maxFreeBlocks = 64
	maxFreeReads  = 4
)

// newEvents returns an empty slice for n events: one given back, or a
// new one.
func (rd *logReader) newEvents(n int) []events.Recorded {
	select {
	case evs := <-rd.freeEvents:
		if cap(evs) >= n {
			return evs[:0]
		}
	default:
	}
	return make([]events.Recorded, 0, n)
}

// newBlock returns an empty block for at least n bytes of envelopes: one
// given back, or a new one.
func (rd *logReader) newBlock(n int) []byte {
	if n <= logBlock {
		select {
		case b := <-rd.free:
			return b[:0]
		default:
		}
	}
	return make([]byte, 0, max(logBlock, n))
}

// readMemory is the memory of one read of the log, handed to the workers
// in pieces: its events and the blocks of their envelopes. Once every
// piece is decoded and every piece of decoded events folded, nothing
// refers to it any more (no decoded event holds the envelope's memory,
// no fold an event), so it goes back to the log reader for the reads to
// come: a pass would otherwise allocate as much as it reads.
type readMemory struct {
	evs    []events.Recorded
	blocks [][]byte
	rd     *logReader
	// held counts the pieces to decode and the pieces to fold not done.
	held atomic.Int32
}

// hold counts a piece to fold, before it is sent (while its decoded
// piece still holds the read).
func (r *readMemory) hold() { r.held.Add(1) }

// release says that a piece is done with; after the last one the memory
// goes back (as much as the reader has room for).
func (r *readMemory) release() {
	if r.held.Add(-1) != 0 {
		return
	}
	// Not cleared: the read that takes them fills each event anew, and
	// what is left past its last one is at most a read's strings.
	select {
	case r.rd.freeEvents <- r.evs:
	default:
	}
	for _, b := range r.blocks {
		if cap(b) != logBlock {
			continue
		}
		select {
		case r.rd.free <- b:
		default:
			return
		}
	}
}

func (rd *logReader) read(ctx context.Context, q postgres.Querier, lo, hi int64, types []string) ([]events.Recorded, error) {
	rows, err := q.Query(ctx, `SELECT seq, source, id, type, occurred_at, envelope::text, reading FROM events
		WHERE seq BETWEEN $1 AND $2 AND type = ANY($3)`, lo, hi, types)
	if err != nil {
		return nil, fmt.Errorf("read events %d-%d: %w", lo, hi, err)
	}
	defer rows.Close()
	if rd.sources == nil {
		rd.sources = map[string]string{}
	}
	fds := rows.FieldDescriptions()
	raw := len(fds) == 7
	for i, f := range fds {
		text := i != 0 && i != 4 && i != 6 // seq, occurred_at and reading are read in binary, the rest as their bytes
		raw = raw && (text || f.Format == pgx.BinaryFormatCode)
	}
	out := rd.newEvents(int(hi - lo + 1))
	rd.ids, rd.idEnds = rd.ids[:0], rd.idEnds[:0]
	// Each read has blocks of its own, which go back to free together.
	rd.block, rd.blocks = nil, nil
	for rows.Next() {
		// Filled in place: a Recorded is large, and a copy of it into out
		// costs more than all its fields.
		out = append(out, events.Recorded{})
		e := &out[len(out)-1]
		v := rows.RawValues()
		if !raw || len(v) != 7 || len(v[0]) != 8 || len(v[4]) != 8 || len(v[6]) != 2 || v[1] == nil || v[2] == nil || v[3] == nil || v[5] == nil {
			if err := rows.Scan(&e.Seq, &e.Source, &e.ID, &e.Type, &e.OccurredAt, &e.Envelope, &e.Reading); err != nil {
				return nil, fmt.Errorf("read events %d-%d: %w", lo, hi, err)
			}
			rd.idEnds = append(rd.idEnds, -1)
			continue
		}
		e.Seq = int64(binary.BigEndian.Uint64(v[0]))
		e.Reading = int(int16(binary.BigEndian.Uint16(v[6])))
		us := int64(binary.BigEndian.Uint64(v[4])) + pgEpochDays*86400*1_000_000 // from 2000-01-01 to the Unix epoch
		e.OccurredAt = time.Unix(us/1_000_000, us%1_000_000*1000)
		e.Source = rd.sources[string(v[1])]
		if e.Source == "" {
			e.Source = string(v[1])
			if len(rd.sources) < 1024 {
				rd.sources[e.Source] = e.Source
			}
		}
		rd.ids = append(rd.ids, v[2]...)
		rd.idEnds = append(rd.idEnds, len(rd.ids))
		for _, t := range types {
			if t == string(v[3]) {
				e.Type = t
				break
			}
		}
		if e.Type == "" {
			e.Type = string(v[3])
		}
		if len(rd.block)+len(v[5]) > cap(rd.block) {
			rd.block = rd.newBlock(len(v[5]))
			rd.blocks = append(rd.blocks, rd.block)
		}
		n := len(rd.block)
		rd.block = append(rd.block, v[5]...)
		e.Envelope = rd.block[n:len(rd.block):len(rd.block)]
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events %d-%d: %w", lo, hi, err)
	}
	// One string of the read's ids, which each event's id is a part of.
	ids, start := string(rd.ids), 0
	for i, end := range rd.idEnds {
		if end >= 0 {
			out[i].ID, start = ids[start:end], end
		}
	}
	return out, nil
}

// clipRanges returns the parts of the sorted ranges within lo..hi.
func clipRanges(ranges []events.Batch, lo, hi int64) []events.Batch {
	var out []events.Batch
	for _, r := range ranges {
		if r.Last < lo || r.First > hi {
			continue
		}
		out = append(out, events.Batch{First: max(r.First, lo), Last: min(r.Last, hi)})
	}
	return out
}

func lastSeq(ranges []events.Batch) int64 {
	if len(ranges) == 0 {
		return 0
	}
	return ranges[len(ranges)-1].Last
}
