package grafana_test

import (
	"path/filepath"
	"strings"
	"testing"

	govalerting "github.com/govpulse/govpulse/alerting"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/grafana"
	"github.com/govpulse/govpulse/targets"
)

// A ratio target has its row on the targets board, saying which sums it
// divides, its value as a percentage, and Grafana rules that write it so.
func TestRatioTargetOnTheBoards(t *testing.T) {
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	// The ratio targets of the targets' tests, one on each read model.
	extra, err := targets.Load(filepath.Join("..", "targets", "testdata", "ratios.yaml"), cat)
	if err != nil {
		t.Fatal(err)
	}
	ts := append(shippedTargets(t), extra...)
	b := decode(t, boards(t, ts)["govpulse-targets.json"])
	var text, value *panel
	for i, p := range b.Panels {
		if p.Type == "row" && p.Title == "电子证照九成 · Nine in ten licences electronic" && i+2 < len(b.Panels) {
			text, value = &b.Panels[i+1], &b.Panels[i+2]
		}
	}
	if text == nil {
		t.Fatal("no row for the ratio target on the targets board")
	}
	for _, want := range []string{"比率（electronic / issued） ratio of electronic to issued", "| 90% |"} {
		if !strings.Contains(text.Options.Content, want) {
			t.Errorf("definition lacks %q:\n%s", want, text.Options.Content)
		}
	}
	if got := value.FieldConfig.Defaults.Unit; got != "percentunit" {
		t.Errorf("value panel unit %q, want percentunit", got)
	}
	var missed bool
	for _, r := range provisionedRules(t, files(t, ts)[grafana.AlertingFile]) {
		if r.Labels[govalerting.LabelTarget] != "electronic_licences" || r.Labels[grafana.LabelAlert] != govalerting.AlertTargetMissed {
			continue
		}
		missed = true
		if en := r.Annotations["summary_en"]; !strings.Contains(en, "humanizePercentage") || !strings.Contains(en, "90%") {
			t.Errorf("missed rule's summary %q: want its value and threshold as percentages", en)
		}
	}
	if !missed {
		t.Error("no missed rule for the ratio target")
	}
}
