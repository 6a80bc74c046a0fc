package alerting

import (
	"fmt"

	"github.com/govpulse/govpulse/internal/yamlfile"
	"github.com/govpulse/govpulse/targets"
)

// AlertmanagerConfig is the part of an Alertmanager configuration file
// govpulse writes.
type AlertmanagerConfig struct {
	Global       AlertmanagerGlobal `yaml:"global"`
	Route        Route              `yaml:"route"`
	InhibitRules []InhibitRule      `yaml:"inhibit_rules"`
	Receivers    []AMReceiver       `yaml:"receivers"`
}

// AlertmanagerGlobal holds the global settings.
type AlertmanagerGlobal struct {
	ResolveTimeout string `yaml:"resolve_timeout"`
}

// Route is a node of the routing tree.
type Route struct {
	Receiver       string   `yaml:"receiver"`
	Matchers       []string `yaml:"matchers,omitempty"`
	GroupBy        []string `yaml:"group_by,omitempty"`
	GroupWait      string   `yaml:"group_wait,omitempty"`
	GroupInterval  string   `yaml:"group_interval,omitempty"`
	RepeatInterval string   `yaml:"repeat_interval,omitempty"`
	Routes         []Route  `yaml:"routes,omitempty"`
}

// InhibitRule mutes the target alerts while a source alert with the same
// Equal labels fires.
type InhibitRule struct {
	SourceMatchers []string `yaml:"source_matchers"`
	TargetMatchers []string `yaml:"target_matchers"`
	Equal          []string `yaml:"equal"`
}

// AMReceiver is a named receiver and its integrations.
type AMReceiver struct {
	Name           string          `yaml:"name"`
	WebhookConfigs []WebhookConfig `yaml:"webhook_configs,omitempty"`
}

// WebhookConfig is one webhook integration.
type WebhookConfig struct {
	URL          string `yaml:"url"`
	SendResolved bool   `yaml:"send_resolved"`
}

// Alertmanager returns the configuration that routes each department's
// alerts to its own receiver and everything else (the city-wide results,
// departments without a receiver, the pipeline alerts without a
// department) to the reform office. Alerts are grouped per alert name,
// target and department, and a department's at-risk alert is silenced
// while the same target is missed there.
func Alertmanager(r Receivers, o Options) (AlertmanagerConfig, error) {
	if err := o.Check(); err != nil {
		return AlertmanagerConfig{}, err
	}
	o = o.withDefaults()
	cfg := AlertmanagerConfig{
		Global: AlertmanagerGlobal{ResolveTimeout: promDuration(o.ResolveTimeout)},
		Route: Route{
			Receiver:       DefaultReceiverName,
			GroupBy:        []string{"alertname", LabelTarget, LabelDepartment},
			GroupWait:      promDuration(o.GroupWait),
			GroupInterval:  promDuration(o.GroupInterval),
			RepeatInterval: promDuration(o.RepeatInterval),
		},
		InhibitRules: []InhibitRule{{
			SourceMatchers: []string{matcher("alertname", AlertTargetMissed)},
			TargetMatchers: []string{matcher("alertname", AlertTargetAtRisk)},
			Equal:          []string{LabelTarget, LabelDepartment},
		}},
		Receivers: []AMReceiver{amReceiver(DefaultReceiverName, r.Default)},
	}
	for _, code := range sortedCodes(r.Departments) {
		if code == targets.CityWide || code == DefaultReceiverName || !labelValueSafe(code) {
			return AlertmanagerConfig{}, fmt.Errorf("receivers: department %q cannot have a receiver of its own", code)
		}
		cfg.Route.Routes = append(cfg.Route.Routes, Route{
			Receiver: code,
			Matchers: []string{matcher(LabelDepartment, code)},
		})
		cfg.Receivers = append(cfg.Receivers, amReceiver(code, r.Departments[code]))
	}
	return cfg, nil
}

func amReceiver(name string, r Receiver) AMReceiver {
	out := AMReceiver{Name: name}
	if r.WebhookURL != "" {
		out.WebhookConfigs = []WebhookConfig{{URL: r.WebhookURL, SendResolved: r.SendResolved == nil || *r.SendResolved}}
	}
	return out
}

// matcher writes an equality matcher in Alertmanager's syntax.
func matcher(label, value string) string { return fmt.Sprintf("%s=%q", label, value) }

// MarshalAlertmanager writes cfg as YAML under a header saying where it
// came from.
func MarshalAlertmanager(cfg AlertmanagerConfig, header string) ([]byte, error) {
	return yamlfile.Marshal(cfg, header)
}
