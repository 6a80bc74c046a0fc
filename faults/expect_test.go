package faults

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The histogram bounds the README and the read-model migration document:
// bucket i counts values v with bound[i-1] < v <= bound[i], the last +Inf.
var (
	workingDayBounds = []float64{0, 1, 2, 3, 5, 10, 20, 35, 60, 85, 120}
	secondsBounds    = []float64{1, 5, 10, 30, 60, 300, 3600}
)

func bucket(v float64, bounds []float64) int {
	for i, b := range bounds {
		if v <= b {
			return i
		}
	}
	return len(bounds)
}

func histText(h []int64) string {
	parts := make([]string, len(h))
	for i, v := range h {
		parts[i] = fmt.Sprint(v)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// figures are the read models' rows, the tally and the targets' values as
// the generator works them out from the events it had stored, or as
// govpulse answers them.
type figures struct {
	Cases, Licenses, Lawsuits map[string]string // key columns → measures, as in readModelQueries
	Tally                     map[string]int64  // source|type → events
	Targets                   map[string]string // target|department → value/samples
}

type caseSums struct {
	finished, approved, rejected, withdrawn, assisted, overdue       int64
	elapsed, promised, promisedCases, promisedElapsed, promisedLimit int64
	hist                                                             []int64
	instant, instantMs                                               int64
	instantHist                                                      []int64
}

type licenseSums struct {
	issued, within1, elapsed, steps, electronic, contracts, fen int64
	hist                                                        []int64
}

type lawsuitSums struct{ hearings, heads, head, deputy, staff int64 }

// ratio is a target's value as govpulse computes it: float64(num) /
// float64(den), den being the samples.
type ratio struct{ num, den int64 }

func (r *ratio) add(num, den int64) { r.num += num; r.den += den }

// expectFigures works out the figures of the events evs.
func expectFigures(evs []genEvent) figures {
	cases := map[string]*caseSums{}
	lics := map[string]*licenseSums{}
	suits := map[string]*lawsuitSums{}
	tally := map[string]int64{}
	targets := map[string]*ratio{}
	target := func(id, dept string, num, den int64) {
		for _, d := range []string{dept, "all"} {
			k := id + "|" + d
			if targets[k] == nil {
				targets[k] = &ratio{}
			}
			targets[k].add(num, den)
		}
	}
	b2i := func(b bool) int64 {
		if b {
			return 1
		}
		return 0
	}
	for i := range evs {
		e := &evs[i]
		tally[sourceName(e.Source)+"|"+e.Type]++
		switch {
		case e.Case != nil:
			c := e.Case
			k := strings.Join([]string{c.Finished.Format("2006-01-02"), c.Department, c.District, c.Channel, c.Mode, c.Item}, "|")
			s := cases[k]
			if s == nil {
				s = &caseSums{hist: make([]int64, len(workingDayBounds)+1), instantHist: make([]int64, len(secondsBounds)+1)}
				cases[k] = s
			}
			el, pr := int64(c.Elapsed), int64(c.Promised)
			s.finished++
			s.approved += b2i(c.Result == "approved")
			s.rejected += b2i(c.Result == "rejected")
			s.withdrawn += b2i(c.Result == "withdrawn")
			s.assisted += b2i(c.Assisted)
			s.overdue += b2i(el > pr)
			s.elapsed += el
			s.promised += pr
			if pr > 0 {
				s.promisedCases++
				s.promisedElapsed += el
				s.promisedLimit += pr
			}
			s.hist[bucket(float64(el), workingDayBounds)]++
			if c.Channel == "window" {
				target("window_avg_wd", c.Department, el, 1)
			}
			target("cases_overdue_share", c.Department, b2i(el > pr), 1)
			if c.Mode == "instant" {
				d := c.Finished.Sub(c.Accepted)
				s.instant++
				s.instantMs += d.Milliseconds()
				s.instantHist[bucket(d.Seconds(), secondsBounds)]++
				target("instant_within_60s", c.Department, b2i(d.Seconds() <= 60), 1)
			}
		case e.Lic != nil:
			l := e.Lic
			k := strings.Join([]string{l.Issued.Format("2006-01-02"), l.Type, l.Department, l.District, l.Holder}, "|")
			s := lics[k]
			if s == nil {
				s = &licenseSums{hist: make([]int64, len(workingDayBounds)+1)}
				lics[k] = s
			}
			s.issued++
			s.within1 += b2i(l.Elapsed <= 1)
			s.elapsed += int64(l.Elapsed)
			s.hist[bucket(float64(l.Elapsed), workingDayBounds)]++
			s.steps += int64(l.Steps)
			s.electronic += b2i(l.Electronic)
			if l.ContractCNY > 0 {
				s.contracts++
				s.fen += l.ContractCNY * 100
			}
			target("licences_within_1wd", l.Department, b2i(l.Elapsed <= 1), 1)
		case e.Suit != nil:
			l := e.Suit
			k := strings.Join([]string{l.At.Format("2006-01-02"), l.Agency, l.Court}, "|")
			s := suits[k]
			if s == nil {
				s = &lawsuitSums{}
				suits[k] = s
			}
			s.hearings++
			s.heads += b2i(l.Role != "staff")
			s.head += b2i(l.Role == "head")
			s.deputy += b2i(l.Role == "deputy_head")
			s.staff += b2i(l.Role == "staff")
			target("heads_in_court", l.Agency, b2i(l.Role != "staff"), 1)
		}
	}
	f := figures{Cases: map[string]string{}, Licenses: map[string]string{}, Lawsuits: map[string]string{},
		Tally: tally, Targets: map[string]string{}}
	for k, s := range cases {
		f.Cases[k] = joinFields(s.finished, s.approved, s.rejected, s.withdrawn, s.assisted, 0, s.overdue,
			s.elapsed, s.promised, s.promisedCases, s.promisedElapsed, s.promisedLimit, histText(s.hist),
			s.instant, s.instantMs, histText(s.instantHist))
	}
	for k, s := range lics {
		f.Licenses[k] = joinFields(s.issued, 0, s.within1, s.elapsed, histText(s.hist), s.steps, s.electronic, s.contracts, s.fen)
	}
	for k, s := range suits {
		f.Lawsuits[k] = joinFields(s.hearings, s.heads, s.head, s.deputy, s.staff)
	}
	for k, r := range targets {
		f.Targets[k] = targetText(float64(r.num)/float64(r.den), r.den)
	}
	return f
}

func joinFields(vs ...any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "|")
}

// targetText renders a target result for comparison: the exact float64
// value (shortest round-trip form) and the samples.
func targetText(v float64, samples int64) string {
	return fmt.Sprintf("value=%v samples=%d", v, samples)
}

// diff lists how got differs from want, at most max lines.
func diff(what string, want, got map[string]string, max int) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[k]; !ok {
			out = append(out, fmt.Sprintf("%s %s: missing, want %s", what, k, want[k]))
		} else if g != want[k] {
			out = append(out, fmt.Sprintf("%s %s: got %s, want %s", what, k, g, want[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s %s: unexpected row %s", what, k, got[k]))
		}
	}
	if len(out) > max {
		out = append(out[:max], fmt.Sprintf("… and %d more differences", len(out)-max))
	}
	return out
}

func diffCounts(what string, want, got map[string]int64, max int) []string {
	w, g := map[string]string{}, map[string]string{}
	for k, v := range want {
		w[k] = fmt.Sprint(v)
	}
	for k, v := range got {
		g[k] = fmt.Sprint(v)
	}
	return diff(what, w, g, max)
}

// splitN splits s at "|" into n parts.
func splitN(s string, n int) []string {
	parts := strings.SplitN(s, "|", n)
	for len(parts) < n {
		parts = append(parts, "")
	}
	return parts
}

// sortChanges sorts xs by id.
func sortChanges[T any](xs []T, id func(T) int64) {
	slices.SortFunc(xs, func(a, b T) int { return int(id(a) - id(b)) })
}
