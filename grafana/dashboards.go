// Package grafana builds govpulse's Grafana dashboards in Go with the
// grafana-foundation-sdk, from the target definitions and the metric names
// govpulse exports. "govpulse dashboards" writes them as JSON files for
// Grafana's file provisioning (deploy/grafana/dashboards).
//
// No dashboard JSON is written by hand: change the builders here and run
// the command again. The same input gives the same bytes.
package grafana

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/govpulse/govpulse/alerting"
	"github.com/govpulse/govpulse/targets"
)

// Board is one dashboard and the name of the file it is provisioned from.
type Board struct {
	// File is the file name, the dashboard's uid with ".json".
	File      string
	Dashboard dashboard.Dashboard
}

// Boards builds every govpulse dashboard, in a fixed order: the overview,
// the targets and the pipeline. ts are the target definitions; o are the
// options the alerting rules are written with, whose limits the boards
// mark (zero fields take the defaults).
func Boards(ts []targets.Target, o alerting.Options) ([]Board, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	o = withDefaults(o)
	sorted := sortedTargets(ts)
	for i, t := range sorted {
		if i > 0 && sorted[i-1].ID == t.ID {
			return nil, fmt.Errorf("target %q: defined twice", t.ID)
		}
	}
	builds := []struct {
		name  string
		build func() (dashboard.Dashboard, error)
	}{
		{UIDOverview, func() (dashboard.Dashboard, error) { return Overview(ts) }},
		{UIDTargets, func() (dashboard.Dashboard, error) { return Targets(ts, o) }},
		{UIDPipeline, func() (dashboard.Dashboard, error) { return Pipeline(o) }},
	}
	boards := make([]Board, 0, len(builds))
	for _, b := range builds {
		d, err := b.build()
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", b.name, err)
		}
		numberPanels(&d)
		boards = append(boards, Board{File: b.name + ".json", Dashboard: d})
	}
	return boards, nil
}

// withDefaults fills the zero limits of o that the boards mark.
func withDefaults(o alerting.Options) alerting.Options {
	d := alerting.DefaultOptions()
	if o.StallAfter == 0 {
		o.StallAfter = d.StallAfter
	}
	if o.LagAfter == 0 {
		o.LagAfter = d.LagAfter
	}
	if o.EvaluationStaleAfter == 0 {
		o.EvaluationStaleAfter = d.EvaluationStaleAfter
	}
	return o
}

// numberPanels gives every panel and row an id in board order, so links
// to a panel (viewPanel=N) stay valid from one generation to the next.
func numberPanels(d *dashboard.Dashboard) {
	var id uint32
	for _, p := range d.Panels {
		id++
		switch {
		case p.Panel != nil:
			p.Panel.Id = ptr(id)
		case p.RowPanel != nil:
			p.RowPanel.Id = id
			for i := range p.RowPanel.Panels {
				id++
				p.RowPanel.Panels[i].Id = ptr(id)
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }

// JSON is the board as Grafana provisions it: indented, ending in a
// newline, with non-ASCII text kept readable.
func (b Board) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b.Dashboard); err != nil {
		return nil, fmt.Errorf("dashboard %s: %w", b.File, err)
	}
	return unescapeHTML(buf.Bytes()), nil
}

// htmlEscapes are the escapes encoding/json writes for <, > and &. The
// SDK's own MarshalJSON methods call json.Marshal, which always writes
// them; they make "<=" in a target's text unreadable in the file.
var htmlEscapes = map[string]byte{`u003c`: '<', `u003e`: '>', `u0026`: '&'}

// unescapeHTML turns those escapes back into their characters. Outside
// strings JSON has no backslashes, and inside one "\\" is a literal
// backslash, so escapes are read pairwise from the left.
func unescapeHTML(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' || i+1 >= len(data) {
			out = append(out, data[i])
			continue
		}
		if i+6 <= len(data) {
			if c, ok := htmlEscapes[string(data[i+1:i+6])]; ok {
				out = append(out, c)
				i += 5
				continue
			}
		}
		out = append(out, data[i], data[i+1])
		i++
	}
	return out
}
