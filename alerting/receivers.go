package alerting

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/targets"
)

// DefaultReceiverName is the Alertmanager receiver of the reform office,
// which gets every alert no department receiver takes.
const DefaultReceiverName = "reform-office"

// Receivers says who is told about alerts: the reform office (Default) and
// the departments that have a receiver of their own. It is read from the
// receivers file (see examples/receivers.yaml):
//
//	default:
//	  webhook_url: https://reform-office.example.gov.cn/alerts
//	departments:
//	  qd-xzsp:
//	    webhook_url: https://xzsp.example.gov.cn/hooks/alerts
//
// A department without an entry falls back to the default receiver.
type Receivers struct {
	Default     Receiver            `yaml:"default"`
	Departments map[string]Receiver `yaml:"departments"`
}

// Receiver is where one receiver's notifications go. Webhook is the only
// kind for now: Alertmanager POSTs its webhook JSON to WebhookURL.
type Receiver struct {
	// WebhookURL receives the notifications; empty means none are sent
	// (the alerts still show in the Alertmanager UI under this receiver).
	WebhookURL string `yaml:"webhook_url"`
	// SendResolved also notifies when an alert resolves; default true.
	SendResolved *bool `yaml:"send_resolved"`
}

// LoadReceivers reads the receivers file at path and checks its
// department codes against cat. An empty path means no receivers file:
// every alert goes to a reform-office receiver that notifies no one.
func LoadReceivers(path string, cat *events.Catalog) (Receivers, error) {
	if path == "" {
		return Receivers{}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Receivers{}, fmt.Errorf("receivers file: %w", err)
	}
	r, err := ParseReceivers(b, cat)
	if err != nil {
		return Receivers{}, fmt.Errorf("receivers file %s: %w", path, err)
	}
	return r, nil
}

// ParseReceivers reads a receivers file's contents. Unknown fields and
// department codes that are not in the catalogue cat are refused.
func ParseReceivers(data []byte, cat *events.Catalog) (Receivers, error) {
	var r Receivers
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil && !errors.Is(err, io.EOF) {
		return Receivers{}, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var errs []error
	if err := r.Default.check(); err != nil {
		errs = append(errs, fmt.Errorf("default: %w", err))
	}
	for _, code := range sortedCodes(r.Departments) {
		switch {
		case code == targets.CityWide:
			errs = append(errs, fmt.Errorf("departments: %q is the city-wide result, which goes to the default receiver; configure it under default", code))
		case !cat.HasDepartment(code):
			errs = append(errs, fmt.Errorf("departments: unknown department code %q (see GET /v1/catalog)", code))
		case code == DefaultReceiverName:
			errs = append(errs, fmt.Errorf("departments: %q is the default receiver's name", code))
		}
		if err := r.Departments[code].check(); err != nil {
			errs = append(errs, fmt.Errorf("departments: %s: %w", code, err))
		}
	}
	if len(errs) > 0 {
		return Receivers{}, errors.Join(errs...)
	}
	return r, nil
}

func (r Receiver) check() error {
	if r.WebhookURL == "" {
		return nil
	}
	u, err := url.Parse(r.WebhookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhook_url %q: must be an absolute http or https URL", r.WebhookURL)
	}
	return nil
}

func sortedCodes(m map[string]Receiver) []string {
	codes := make([]string, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}
