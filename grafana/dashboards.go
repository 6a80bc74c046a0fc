package grafana

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/govpulse/govpulse/alerting"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/targets"
)

// Board is one dashboard, the folder it is provisioned into and the name
// of its file.
type Board struct {
	// File is the file name, the dashboard's uid with ".json".
	File      string
	Folder    Folder
	Dashboard dashboard.Dashboard
}

// Path is the board's file under the dashboards directory: its folder's
// directory and its file name.
func (b Board) Path() string { return b.Folder.Dir + "/" + b.File }

// Definitions are what the boards are generated from.
type Definitions struct {
	// Targets are the target definitions; their thresholds mark the boards.
	Targets []targets.Target
	// Alerting are the options the alerting rules are written with, whose
	// limits the boards mark (zero fields take the defaults).
	Alerting alerting.Options
	// TimeZone is the IANA zone the read models count days in
	// (GOVPULSE_TIME_ZONE); empty means Asia/Shanghai.
	TimeZone string
	// Catalog, when set, names the codes tables show (departments,
	// districts, items, licence types, agencies, courts).
	Catalog *events.Catalog
}

// generator builds the boards from checked definitions.
type generator struct {
	targets  []targets.Target // sorted by id
	alerting alerting.Options
	zone     zone
	names    names
}

func newGenerator(d Definitions) (*generator, error) {
	if err := d.Alerting.Check(); err != nil {
		return nil, err
	}
	if d.TimeZone == "" {
		d.TimeZone = "Asia/Shanghai"
	}
	if _, err := time.LoadLocation(d.TimeZone); err != nil {
		return nil, fmt.Errorf("time zone %q: %w", d.TimeZone, err)
	}
	sorted := sortedTargets(d.Targets)
	for i, t := range sorted {
		if i > 0 && sorted[i-1].ID == t.ID {
			return nil, fmt.Errorf("target %q: defined twice", t.ID)
		}
	}
	return &generator{targets: sorted, alerting: withDefaults(d.Alerting), zone: zone(d.TimeZone), names: newNames(d.Catalog, sorted)}, nil
}

// Boards builds every govpulse dashboard, in a fixed order: the reform
// office's overview, targets, licences and lawsuits boards, the
// department board, the operators' pipeline board and the portal's
// board. Every board links
// to every other.
func Boards(d Definitions) ([]Board, error) {
	g, err := newGenerator(d)
	if err != nil {
		return nil, err
	}
	builds := []struct {
		uid    string
		folder Folder
		build  func() (dashboard.Dashboard, error)
	}{
		{UIDOverview, folderReformOffice, g.overview},
		{UIDTargets, folderReformOffice, g.targetsBoard},
		{UIDLicences, folderReformOffice, g.licences},
		{UIDLawsuits, folderReformOffice, g.lawsuits},
		{UIDDepartment, folderDepartments, g.department},
		{UIDPipeline, folderOperations, g.pipeline},
		{UIDPortal, folderPortal, g.portal},
	}
	boards := make([]Board, 0, len(builds))
	for _, b := range builds {
		d, err := b.build()
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", b.uid, err)
		}
		if d.Uid == nil || *d.Uid != b.uid {
			return nil, fmt.Errorf("dashboard %s: built with uid %v", b.uid, d.Uid)
		}
		if err := checkLayout(d); err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", b.uid, err)
		}
		numberPanels(&d)
		boards = append(boards, Board{File: b.uid + ".json", Folder: b.folder, Dashboard: d})
	}
	linkBoards(boards)
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

// checkLayout refuses a panel that sticks out of Grafana's 24 columns:
// the SDK's builder lays panels out left to right but does not wrap one
// that does not fit.
func checkLayout(d dashboard.Dashboard) error {
	for _, p := range d.Panels {
		if p.Panel == nil || p.Panel.GridPos == nil {
			continue
		}
		if g := p.Panel.GridPos; g.X+g.W > 24 {
			return fmt.Errorf("panel %q at column %d is %d wide: it sticks out of the 24 columns; change the spans of its line", *p.Panel.Title, g.X, g.W)
		}
	}
	return nil
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

// board starts a generated board the way every govpulse board starts:
// its title and uid, tagged "govpulse", "generated" and tags, showing
// from from to now and refreshing every refresh, in the browser's time
// zone with a shared crosshair, read-only. The caller adds the
// description, the variables and the panels.
func board(title, uid, from, refresh string, tags ...string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Tags(append([]string{"govpulse", "generated"}, tags...)).
		Time(from, "now").
		Refresh(refresh).
		Timezone("browser").
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Readonly()
}
