package demo

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/govpulse/govpulse/events"
)

// System is a department's sending system as examples/sources.yaml
// declares it: its name (the CloudEvents source), the environment variable
// holding its token, and what it may send.
type System struct {
	Name        string
	TokenEnv    string
	Departments []string // nil: any department
	EventTypes  []string // nil: any type
}

// ServiceHub is the city's shared government-service system; it may send
// any event for any department.
const ServiceHub = "qd-service-hub"

// Systems returns the sending systems of examples/sources.yaml.
func Systems() []System {
	return []System{
		{Name: "qd-approval-bureau", TokenEnv: "GOVPULSE_TOKEN_QD_APPROVAL",
			Departments: []string{"qd-xzsp", "qd-scjg"},
			EventTypes:  []string{events.TypeCaseFinished, events.TypeLicenseIssued}},
		{Name: "qd-housing-construction", TokenEnv: "GOVPULSE_TOKEN_QD_HOUSING",
			Departments: []string{"qd-zjj", "qd-bdc", "qd-zrzy"},
			EventTypes:  []string{events.TypeCaseFinished, events.TypeLicenseIssued}},
		{Name: "qd-utilities", TokenEnv: "GOVPULSE_TOKEN_QD_UTILITIES",
			Departments: []string{"qd-gas", "qd-water", "qd-power"},
			EventTypes:  []string{events.TypeCaseFinished}},
		{Name: "qd-justice-bureau", TokenEnv: "GOVPULSE_TOKEN_QD_JUSTICE",
			EventTypes: []string{events.TypeLawsuitAppearance}},
		{Name: Portal, TokenEnv: "GOVPULSE_TOKEN_PORTAL",
			EventTypes: []string{events.TypePolicyViewed, events.TypePortalSearched}},
		{Name: ServiceHub, TokenEnv: "GOVPULSE_TOKEN_QD_HUB"},
	}
}

// allows reports whether s may send an event of type typ for department.
func (s System) allows(department, typ string) bool {
	return (s.Departments == nil || slices.Contains(s.Departments, department)) &&
		(s.EventTypes == nil || slices.Contains(s.EventTypes, typ))
}

// router picks the sending system of each event: the first available
// system made for the department and type, else the service hub.
type router struct {
	systems []System
}

func newRouter(available []string) router {
	var r router
	for _, s := range Systems() {
		if available == nil || slices.Contains(available, s.Name) {
			r.systems = append(r.systems, s)
		}
	}
	return r
}

func (r router) source(department, typ string) string {
	for _, s := range r.systems {
		if s.Name != ServiceHub && s.allows(department, typ) {
			return s.Name
		}
	}
	return ServiceHub
}

// Tokens returns each system's token, looked up by its TokenEnv with
// lookup (the process environment, say). Systems without a token are left
// out; the Sender names them if they have events to send.
func Tokens(lookup func(string) string) map[string]string {
	tokens := map[string]string{}
	for _, s := range Systems() {
		if t := lookup(s.TokenEnv); t != "" {
			tokens[s.Name] = t
		}
	}
	return tokens
}

// ReadEnvFile reads a file of KEY=VALUE lines such as examples/demo.env:
// blank lines and # comments are skipped, an "export " prefix and quotes
// around the value are allowed.
func ReadEnvFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read env file: %w", err)
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("%s:%d: want KEY=VALUE, got %q", path, n, line)
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		vars[key] = value
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read env file %s: %w", path, err)
	}
	return vars, nil
}
