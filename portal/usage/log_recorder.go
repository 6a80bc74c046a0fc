package usage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
)

// DefaultSource is the CloudEvents source of the portal's usage events.
const DefaultSource = "govpulse-portal"

// Appender appends validated events of one source to the log, all or
// nothing (postgres.EventStore does).
type Appender interface {
	Append(ctx context.Context, source string, evs []postgres.NewEvent) (postgres.AppendResult, error)
}

// LogConfig tunes a LogRecorder. Zero values take the documented defaults.
type LogConfig struct {
	// Source is the events' CloudEvents source. Default DefaultSource.
	Source string
	// Buffer is how many events may wait to be appended; one more is
	// dropped and counted. Default 10,000.
	Buffer int
	// BatchEvents is the most events one append carries. Default 500.
	BatchEvents int
	// FlushEvery is the longest an event waits before its batch is
	// appended. Default 1s.
	FlushEvery time.Duration
	// AppendTimeout bounds one append; a batch that fails is tried
	// Attempts times in all, then dropped and counted. Defaults 5s and 3.
	AppendTimeout time.Duration
	Attempts      int
	// Now is the clock of the events' time; nil means time.Now.
	Now func() time.Time
}

func (c *LogConfig) setDefaults() {
	if c.Source == "" {
		c.Source = DefaultSource
	}
	if c.Buffer <= 0 {
		c.Buffer = 10_000
	}
	if c.BatchEvents <= 0 {
		c.BatchEvents = 500
	}
	if c.FlushEvery <= 0 {
		c.FlushEvery = time.Second
	}
	if c.AppendTimeout <= 0 {
		c.AppendTimeout = 5 * time.Second
	}
	if c.Attempts <= 0 {
		c.Attempts = 3
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// LogRecorder is the Recorder that appends usage events to the log. View
// and Search only put an event into a bounded buffer; Run appends the
// buffer in batches. Each event is built as CloudEvents JSON and read back
// with the ingest's own strict reading and validation before it is
// appended, so the log holds only what ingest would have accepted.
type LogRecorder struct {
	cfg       LogConfig
	store     Appender
	validator *events.Validator
	log       *slog.Logger
	queue     chan pending

	recorded, dropped *prometheus.CounterVec

	done chan struct{}
}

// pending is one usage event waiting in the buffer.
type pending struct {
	at   time.Time
	data events.Event
}

// Reasons a usage event is dropped (govpulse_portal_usage_dropped_total).
const (
	dropBufferFull  = "buffer_full"
	dropAppendError = "append_failed"
	dropInvalid     = "invalid"
)

// NewLogRecorder returns a LogRecorder appending to store, checking events
// with validator (whose catalogue and clock ingest uses), and registers its
// counters on reg. Start it with Run.
func NewLogRecorder(store Appender, validator *events.Validator, cfg LogConfig, log *slog.Logger, reg prometheus.Registerer) (*LogRecorder, error) {
	cfg.setDefaults()
	r := &LogRecorder{
		cfg: cfg, store: store, validator: validator, log: log,
		queue: make(chan pending, cfg.Buffer),
		done:  make(chan struct{}),
		recorded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "govpulse_portal_usage_recorded_total",
			Help: "Portal usage events appended to the log by this instance, by kind (view, search).",
		}, []string{"kind"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "govpulse_portal_usage_dropped_total",
			Help: "Portal usage events this instance dropped instead of slowing a page: buffer_full (the log was too slow), append_failed (after every attempt), invalid.",
		}, []string{"kind", "reason"}),
	}
	for _, kind := range []string{"view", "search"} {
		r.recorded.WithLabelValues(kind)
		for _, reason := range []string{dropBufferFull, dropAppendError, dropInvalid} {
			r.dropped.WithLabelValues(kind, reason)
		}
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{r.recorded, r.dropped} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("usage recorder metrics: %w", err)
			}
		}
	}
	return r, nil
}

// View implements Recorder.
func (r *LogRecorder) View(policyID, origin string) {
	if !slices.Contains(events.ViewOrigins(), origin) {
		origin = events.OriginDirect
	}
	r.enqueue(events.PolicyViewed{PolicyID: policyID, Origin: origin})
}

// Search implements Recorder.
func (r *LogRecorder) Search(query string, results int) {
	q := CleanQuery(query)
	if q == "" {
		return
	}
	r.enqueue(events.PortalSearched{Query: q, Results: max(results, 0)})
}

func (r *LogRecorder) enqueue(data events.Event) {
	select {
	case r.queue <- pending{at: r.cfg.Now(), data: data}:
	default:
		r.dropped.WithLabelValues(kindOf(data), dropBufferFull).Inc()
	}
}

// CleanQuery is a search text as a PortalSearched keeps it: control and
// other non-printable characters dropped, every run of white space (the
// ideographic space included) one ASCII space, trimmed, and cut to
// events.MaxSearchQueryRunes characters.
func CleanQuery(q string) string {
	var b strings.Builder
	n, space := 0, false
	for _, c := range q {
		switch {
		case unicode.IsSpace(c):
			space = b.Len() > 0
			continue
		case !unicode.IsPrint(c):
			continue
		}
		if n == events.MaxSearchQueryRunes {
			break
		}
		if space {
			if n+1 == events.MaxSearchQueryRunes {
				break
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(c)
		n++
	}
	return b.String()
}

func kindOf(data events.Event) string {
	if _, ok := data.(events.PortalSearched); ok {
		return "search"
	}
	return "view"
}

// Run appends buffered events until ctx ends, then appends what is left
// (within one AppendTimeout) and returns. Call it once.
func (r *LogRecorder) Run(ctx context.Context) {
	defer close(r.done)
	tick := time.NewTicker(r.cfg.FlushEvery)
	defer tick.Stop()
	batch := make([]pending, 0, r.cfg.BatchEvents)
	flush := func(ctx context.Context) {
		if len(batch) > 0 {
			r.append(ctx, batch)
			batch = batch[:0]
		}
	}
	for {
		select {
		case <-ctx.Done():
			// Drain what is buffered now; the pages have stopped.
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.AppendTimeout)
			defer cancel()
			for {
				select {
				case p := <-r.queue:
					batch = append(batch, p)
					if len(batch) == r.cfg.BatchEvents {
						flush(final)
					}
				default:
					flush(final)
					return
				}
			}
		case p := <-r.queue:
			batch = append(batch, p)
			if len(batch) == r.cfg.BatchEvents {
				flush(ctx)
			}
		case <-tick.C:
			flush(ctx)
		}
	}
}

// Done is closed when Run has returned.
func (r *LogRecorder) Done() <-chan struct{} { return r.done }

// append builds, checks and appends one batch, trying up to Attempts
// times; the events' ids stay the same across attempts, so an append that
// committed but whose answer was lost is a duplicate, not a double count.
func (r *LogRecorder) append(ctx context.Context, batch []pending) {
	news, kinds := r.build(batch)
	if len(news) == 0 {
		return
	}
	var err error
	for attempt := 1; attempt <= r.cfg.Attempts; attempt++ {
		// An append under way finishes even when Run is told to stop.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.AppendTimeout)
		_, err = r.store.Append(actx, r.cfg.Source, news)
		cancel()
		if err == nil {
			for _, k := range kinds {
				r.recorded.WithLabelValues(k).Inc()
			}
			return
		}
		if ctx.Err() != nil || attempt == r.cfg.Attempts {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
		}
	}
	for _, k := range kinds {
		r.dropped.WithLabelValues(k, dropAppendError).Inc()
	}
	if r.log != nil {
		r.log.Warn("portal usage: events dropped, the log did not take them", "events", len(news), "err", err)
	}
}

// build turns buffered usage into events the strict reading and the
// validator accept; one that they refuse is dropped and counted.
func (r *LogRecorder) build(batch []pending) ([]postgres.NewEvent, []string) {
	ces := make([]events.Outgoing, len(batch))
	for i, p := range batch {
		ces[i] = events.NewOutgoing(newID(kindOf(p.data)), r.cfg.Source, p.at.Format(time.RFC3339Nano), p.data)
	}
	body, err := json.Marshal(ces)
	if err != nil {
		r.dropAll(batch, err)
		return nil, nil
	}
	envs, err := events.DecodeRequest(body, events.ContentTypeBatch)
	if err != nil {
		r.dropAll(batch, err)
		return nil, nil
	}
	evs, problems := r.validator.ValidateAll(envs)
	var news []postgres.NewEvent
	var kinds []string
	for i, ev := range evs {
		if ev == nil {
			r.dropped.WithLabelValues(kindOf(batch[i].data), dropInvalid).Inc()
			continue
		}
		news = append(news, postgres.NewEvent{Envelope: envs[i], Department: ev.Department()})
		kinds = append(kinds, kindOf(ev))
	}
	if len(problems) > 0 && r.log != nil {
		r.log.Warn("portal usage: invalid events dropped", "events", len(batch)-len(news), "first", problems[0].Field+": "+problems[0].Reason)
	}
	return news, kinds
}

func (r *LogRecorder) dropAll(batch []pending, err error) {
	for _, p := range batch {
		r.dropped.WithLabelValues(kindOf(p.data), dropInvalid).Inc()
	}
	if r.log != nil {
		r.log.Warn("portal usage: batch dropped", "events", len(batch), "err", err)
	}
}

// newID is a random event id: usage events need only be unique, and a
// random id says nothing about the visitor.
func newID(kind string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return kind + "-" + hex.EncodeToString(b[:])
}
