package benchmark

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// Step is one named part of govpulse bench: it measures some figures and
// adds them to the run. Steps run one after the other, in the order of the
// plan; a later one may use what an earlier one left in Run.Shared (the
// database loaded with a year of demo data, say).
type Step struct {
	// Name is the step's stable name, for --steps and the progress lines.
	Name string
	// Title says what it measures, for the report.
	Title string
	// Run measures; it adds figures with r.Add and notes with r.Note.
	Run func(ctx context.Context, r *Run) error
}

// Run is the state of one govpulse bench invocation that steps share.
type Run struct {
	// Runs is how many times each measurement is repeated.
	Runs int
	// Progress receives a line per measured run (the terminal).
	Progress io.Writer
	// Shared holds what one step leaves for later ones, by name.
	Shared map[string]any

	mu      sync.Mutex
	figures []Figure
	notes   []Note
	procs   []ProcessPeak
	step    string
	// figureSteps is the step that added each figure.
	figureSteps map[string]string
}

// Note is a paragraph of the report under a step's section: what limits a
// figure, a profile's top entries.
type Note struct {
	Step string
	Text string
}

// ProcessPeak is a process's peak resident set size.
type ProcessPeak struct {
	Step  string
	What  string
	MaxMB float64
}

// NewRun prepares a run of runs repetitions that reports progress to w.
func NewRun(runs int, w io.Writer) *Run {
	return &Run{Runs: runs, Progress: w, Shared: map[string]any{}, figureSteps: map[string]string{}}
}

// Add adds figures (or, for a figure already added, its further runs).
func (r *Run) Add(fs ...Figure) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range fs {
		found := false
		for i := range r.figures {
			if r.figures[i].ID == f.ID {
				r.figures[i].Runs = append(r.figures[i].Runs, f.Runs...)
				found = true
			}
		}
		if !found {
			r.figures = append(r.figures, f)
			r.figureSteps[f.ID] = r.step
		}
	}
}

// Note adds a paragraph to the current step's section of the report.
func (r *Run) Note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, Note{Step: r.step, Text: fmt.Sprintf(format, args...)})
}

// Peak records a process's peak RSS in bytes.
func (r *Run) Peak(what string, bytes int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.procs = append(r.procs, ProcessPeak{Step: r.step, What: what, MaxMB: float64(bytes) / (1 << 20)})
}

// Printf writes a progress line.
func (r *Run) Printf(format string, args ...any) {
	if r.Progress != nil {
		fmt.Fprintf(r.Progress, "  "+format+"\n", args...)
	}
}

// Figures returns the figures measured so far.
func (r *Run) Figures() []Figure {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Figure(nil), r.figures...)
}

// Peaks returns the processes' peak RSS recorded so far.
func (r *Run) Peaks() []ProcessPeak {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ProcessPeak(nil), r.procs...)
}

// StepResult is how one step went.
type StepResult struct {
	Step
	Took time.Duration
	Err  error
}

// Execute runs steps in order. A step that fails is reported and the
// others still run, so one broken path does not hide the rest.
func (r *Run) Execute(ctx context.Context, steps []Step) []StepResult {
	out := make([]StepResult, 0, len(steps))
	for i, s := range steps {
		if r.Progress != nil {
			fmt.Fprintf(r.Progress, "[%d/%d] %s: %s\n", i+1, len(steps), s.Name, s.Title)
		}
		r.mu.Lock()
		r.step = s.Name
		r.mu.Unlock()
		start := time.Now()
		err := s.Run(ctx, r)
		res := StepResult{Step: s, Took: time.Since(start), Err: err}
		if err != nil && r.Progress != nil {
			fmt.Fprintf(r.Progress, "  FAILED: %v\n", err)
		}
		out = append(out, res)
		if ctx.Err() != nil {
			break
		}
	}
	return out
}

// NotesOf returns the notes of step.
func (r *Run) NotesOf(step string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, n := range r.notes {
		if n.Step == step {
			out = append(out, n.Text)
		}
	}
	return out
}
