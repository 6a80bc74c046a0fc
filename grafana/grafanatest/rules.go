package grafanatest

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"go.yaml.in/yaml/v3"
)

// RuleFile is a Grafana alerting provisioning file read back.
type RuleFile struct {
	APIVersion int
	Groups     []RuleGroup
}

// RuleGroup is one group of a provisioning file, its rules read strictly.
type RuleGroup struct {
	OrgID            int64
	Name             string
	Folder, Interval string
	Rules            []alerting.Rule
}

// ProvisionedRules reads an alerting provisioning file and each of its
// rules with StrictRule, as the provisioning API's form of the rule: with
// its group's org and name, in the folder folderUID. A rule that does not
// read is left out and named in the error.
func ProvisionedRules(data []byte, folderUID string) (RuleFile, error) {
	var file struct {
		APIVersion int `yaml:"apiVersion"`
		Groups     []struct {
			OrgID    int64            `yaml:"orgId"`
			Name     string           `yaml:"name"`
			Folder   string           `yaml:"folder"`
			Interval string           `yaml:"interval"`
			Rules    []map[string]any `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		return RuleFile{}, err
	}
	out := RuleFile{APIVersion: file.APIVersion}
	var errs []error
	for _, g := range file.Groups {
		rg := RuleGroup{OrgID: g.OrgID, Name: g.Name, Folder: g.Folder, Interval: g.Interval}
		for _, r := range g.Rules {
			r["orgID"], r["ruleGroup"], r["folderUID"] = g.OrgID, g.Name, folderUID
			j, err := json.Marshal(r)
			if err != nil {
				return RuleFile{}, err
			}
			rule, err := StrictRule(j)
			if err != nil {
				errs = append(errs, fmt.Errorf("rule %v does not read strictly into the SDK's alerting.Rule: %w", r["uid"], err))
				continue
			}
			rg.Rules = append(rg.Rules, rule)
		}
		out.Groups = append(out.Groups, rg)
	}
	return out, errors.Join(errs...)
}
