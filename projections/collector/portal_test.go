package collector

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/projections"
)

// TestPortalCollector exports hand-written usage rows by document type,
// origin and category, never by policy; a view of a policy the policies
// read model lacks counts under document_type "unknown".
func TestPortalCollector(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if _, err := pool.Exec(ctx, `INSERT INTO policies (policy_id, issuer, doc_number, doc_key, title, document_type, categories,
			published_at, effective_from, versions, current, last_seq, generation) VALUES
		('p-1', 'qd-xzsp', '青政办发〔2020〕1号', 'k1', '一', 'normative', '{enterprise_startup,tax_finance}', '2020-01-01', '2020-01-01', 1, '{}', 1, 1),
		('p-2', 'qd-swj', '青税发〔2021〕2号', 'k2', '二', 'notice', '{tax_finance}', '2021-01-01', '2021-01-01', 1, '{}', 2, 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO portal_views VALUES
		('2025-05-06', 'p-1', 'search', 3), ('2025-05-07', 'p-1', 'search', 4), ('2025-05-07', 'p-1', 'home', 1),
		('2025-05-07', 'p-2', 'search', 10), ('2025-05-08', 'p-gone', 'direct', 2)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO portal_searches VALUES
		('2025-05-06', '社保', 5, 1, 40), ('2025-05-07', '社保', 2, 0, 9), ('2025-05-07', '开公司', 3, 3, 0)`); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP govpulse_portal_views_total Policy pages shown on the portal, by the policy's document type (unknown: not in the policies read model) and where the visitor came from (search, match, home, feed, direct).
# TYPE govpulse_portal_views_total counter
govpulse_portal_views_total{document_type="normative",origin="home"} 1
govpulse_portal_views_total{document_type="normative",origin="search"} 7
govpulse_portal_views_total{document_type="notice",origin="search"} 10
govpulse_portal_views_total{document_type="unknown",origin="direct"} 2
# HELP govpulse_portal_category_views_total Policy pages shown on the portal, by policy category; a policy of several categories counts in each.
# TYPE govpulse_portal_category_views_total counter
govpulse_portal_category_views_total{category="enterprise_startup"} 8
govpulse_portal_category_views_total{category="tax_finance"} 18
# HELP govpulse_portal_searches_total Searches the portal answered.
# TYPE govpulse_portal_searches_total counter
govpulse_portal_searches_total 10
# HELP govpulse_portal_zero_result_searches_total Searches the portal answered with no policy found.
# TYPE govpulse_portal_zero_result_searches_total counter
govpulse_portal_zero_result_searches_total 4
`
	fillTotals(t, pool, projections.PortalViews.Table())
	for _, fromRows := range []bool{false, true} {
		e := &Exporter{Entries: []Entry{{Name: "portal_usage", ReadModel: "portal_views", Collector: Portal{DB: pool, FromRows: fromRows}}}}
		if err := testutil.CollectAndCompare(e, strings.NewReader(want), "govpulse_portal_views_total", "govpulse_portal_category_views_total",
			"govpulse_portal_searches_total", "govpulse_portal_zero_result_searches_total"); err != nil {
			t.Errorf("from rows %t: %v", fromRows, err)
		}
	}
}
