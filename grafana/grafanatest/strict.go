package grafanatest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/govpulse/govpulse/grafana"
)

// registerVariants registers, once per test binary, the SDK's panel and
// query types and govpulse's SQL query with the SDK's runtime, which
// chooses a panel's or query's type by its plugin id when it reads JSON.
var registerVariants = sync.OnceFunc(func() {
	plugins.RegisterDefaultPlugins()
	cog.NewRuntime().RegisterDataqueryVariant(grafana.SQLQueryVariant())
})

// StrictDashboard reads a board with the SDK's strict unmarshalling: a
// field the model does not know, a field of the wrong type or a missing
// required field is an error naming its path.
//
// The SDK (v0.0.22) returns its list of errors even when the list is
// empty, and its dashboard reader takes that for a failed panel and drops
// the panel (after checking it): so the board is checked as a whole, then
// each panel is read again, strictly, on its own.
func StrictDashboard(data []byte) (dashboard.Dashboard, error) {
	d, err := strictly[dashboard.Dashboard](data)
	if err != nil {
		return d, err
	}
	var raw struct {
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return d, err
	}
	d.Panels = nil
	for i, p := range raw.Panels {
		panel, err := strictPanel(p)
		if err != nil {
			return d, fmt.Errorf("panels[%d]: %w", i, err)
		}
		d.Panels = append(d.Panels, panel)
	}
	return d, nil
}

func strictPanel(raw json.RawMessage) (dashboard.PanelOrRowPanel, error) {
	var kind struct {
		Type   string            `json:"type"`
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(raw, &kind); err != nil {
		return dashboard.PanelOrRowPanel{}, err
	}
	if kind.Type != "row" {
		p, err := strictPanelOnly(raw)
		return dashboard.PanelOrRowPanel{Panel: &p}, err
	}
	r, err := strictly[dashboard.RowPanel](raw)
	if err != nil {
		return dashboard.PanelOrRowPanel{}, err
	}
	r.Panels = []dashboard.Panel{}
	for i, p := range kind.Panels {
		panel, err := strictPanelOnly(p)
		if err != nil {
			return dashboard.PanelOrRowPanel{}, fmt.Errorf("panels[%d]: %w", i, err)
		}
		r.Panels = append(r.Panels, panel)
	}
	return dashboard.PanelOrRowPanel{RowPanel: &r}, nil
}

// strictPanelOnly reads one panel strictly. The SDK checks its queries,
// options and custom field config by their types' strict readers but
// drops what they read (the same empty error list), and reads the field
// config itself loosely: all of them are read again here, strictly.
func strictPanelOnly(raw json.RawMessage) (dashboard.Panel, error) {
	p, err := strictly[dashboard.Panel](raw)
	if err != nil {
		return p, err
	}
	var parts struct {
		Options     json.RawMessage   `json:"options"`
		FieldConfig json.RawMessage   `json:"fieldConfig"`
		Targets     []json.RawMessage `json:"targets"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return p, err
	}
	hint := ""
	if p.Datasource != nil && p.Datasource.Type != nil {
		hint = *p.Datasource.Type
	}
	p.Targets = nil
	for i, t := range parts.Targets {
		q, err := cog.StrictUnmarshalDataquery(t, hint)
		if !isNoError(err) {
			return p, fmt.Errorf("targets[%d]: %w", i, err)
		}
		if q == nil {
			// Passed, but returned as the empty error list: read it again.
			if q, err = cog.UnmarshalDataquery(t, hint); err != nil {
				return p, fmt.Errorf("targets[%d]: %w", i, err)
			}
		}
		p.Targets = append(p.Targets, q)
	}
	cfg, found := cog.ConfigForPanelcfgVariant(p.Type)
	if !found {
		return p, fmt.Errorf("panel type %q: the SDK has no model of it", p.Type)
	}
	if parts.Options != nil && cfg.StrictOptionsUnmarshaler != nil {
		opts, err := cfg.StrictOptionsUnmarshaler(parts.Options)
		if !isNoError(err) {
			return p, fmt.Errorf("options: %w", err)
		}
		if opts == nil {
			// The reader returned its empty error list instead of the
			// options; read them again, loosely, now that they passed.
			opts, err = cfg.OptionsUnmarshaler(parts.Options)
			if err != nil {
				return p, fmt.Errorf("options: %w", err)
			}
		}
		p.Options = opts
	}
	if parts.FieldConfig != nil {
		if _, err := strictly[dashboard.FieldConfigSource](parts.FieldConfig); err != nil {
			return p, fmt.Errorf("fieldConfig: %w", err)
		}
		var custom struct {
			Defaults struct {
				Custom json.RawMessage `json:"custom"`
			} `json:"defaults"`
		}
		if err := json.Unmarshal(parts.FieldConfig, &custom); err != nil {
			return p, err
		}
		if custom.Defaults.Custom != nil && cfg.StrictFieldConfigUnmarshaler != nil {
			c, err := cfg.StrictFieldConfigUnmarshaler(custom.Defaults.Custom)
			if !isNoError(err) {
				return p, fmt.Errorf("fieldConfig.defaults.custom: %w", err)
			}
			if c == nil {
				if c, err = cfg.FieldConfigUnmarshaler(custom.Defaults.Custom); err != nil {
					return p, fmt.Errorf("fieldConfig.defaults.custom: %w", err)
				}
			}
			p.FieldConfig.Defaults.Custom = c
		}
	}
	return p, nil
}

// strictly reads data into a T with the SDK's strict unmarshalling (the
// variants registered first, so the runtime knows every panel and query
// type), its empty error list taken for success.
func strictly[T any, PT interface {
	*T
	UnmarshalJSONStrict([]byte) error
}](data []byte) (T, error) {
	registerVariants()
	var v T
	if err := PT(&v).UnmarshalJSONStrict(data); !isNoError(err) {
		return v, err
	}
	return v, nil
}

// isNoError reports whether err from the SDK's strict unmarshalling means
// success: it returns its error list even when the list is empty.
func isNoError(err error) bool {
	var be cog.BuildErrors
	if errors.As(err, &be) {
		return len(be) == 0
	}
	return err == nil
}

// StrictRule reads a Grafana-managed alert rule (the provisioning API's
// form) with the SDK's strict unmarshalling, its queries' models as the
// types of their data sources (Prometheus, server-side expressions).
func StrictRule(data []byte) (alerting.Rule, error) {
	r, err := strictly[alerting.Rule](data)
	if err != nil {
		return r, err
	}
	var raw struct {
		Data []struct {
			Model json.RawMessage `json:"model"`
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return r, err
	}
	for i, d := range raw.Data {
		q, err := cog.StrictUnmarshalDataquery(d.Model, "")
		if !isNoError(err) {
			return r, fmt.Errorf("data[%d].model: %w", i, err)
		}
		if q == nil {
			if q, err = cog.UnmarshalDataquery(d.Model, ""); err != nil {
				return r, fmt.Errorf("data[%d].model: %w", i, err)
			}
		}
		r.Data[i].Model = q
	}
	return r, nil
}
