package collector

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// Portal exports the portal's usage (portal_views, portal_searches): views
// by the viewed policy's document type and the visitor's origin, views by
// policy category, searches and zero-result searches. Never by policy or
// query: those are unbounded, and live in the read model and the boards.
type Portal struct {
	DB postgres.Querier
	// FromRows sums portal_views' rows instead of its totals
	// (portal_views_totals), as Cases.FromRows.
	FromRows bool
}

// UnknownDocumentType labels views of a policy the policies read model
// does not hold (yet).
const UnknownDocumentType = "unknown"

var (
	portalViewsDesc = prometheus.NewDesc("govpulse_portal_views_total",
		"Policy pages shown on the portal, by the policy's document type (unknown: not in the policies read model) and where the visitor came from (search, match, home, feed, direct).",
		[]string{"document_type", "origin"}, nil)
	portalCategoryViewsDesc = prometheus.NewDesc("govpulse_portal_category_views_total",
		"Policy pages shown on the portal, by policy category; a policy of several categories counts in each.",
		[]string{"category"}, nil)
	portalSearchesDesc = prometheus.NewDesc("govpulse_portal_searches_total",
		"Searches the portal answered.", nil, nil)
	portalZeroResultsDesc = prometheus.NewDesc("govpulse_portal_zero_result_searches_total",
		"Searches the portal answered with no policy found.", nil, nil)
)

// Describe implements Collector.
func (c Portal) Describe(ch chan<- *prometheus.Desc) {
	ch <- portalViewsDesc
	ch <- portalCategoryViewsDesc
	ch <- portalSearchesDesc
	ch <- portalZeroResultsDesc
}

// Update implements Collector. It asks for everything in one statement,
// one round trip and one plan, where a scrape on a fresh connection paid
// for three.
func (c Portal) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	// The totals hold a row per policy and origin; the read model's own
	// rows are summed to that first. Then they are joined with the few
	// hundred policies.
	views := `SELECT policy_id, origin, views FROM ` + projections.PortalViews.Table().Totals.Name
	if c.FromRows {
		views = `SELECT policy_id, origin, sum(views)::bigint AS views FROM ` + projections.PortalViews.Name() + ` GROUP BY policy_id, origin`
	}
	rows, err := c.DB.Query(ctx, `WITH views AS (`+views+`),
		searches AS (SELECT coalesce(sum(searches), 0)::bigint AS searches, coalesce(sum(zero_results), 0)::bigint AS zero FROM portal_searches)
		SELECT 'views', coalesce(p.document_type, $1), v.origin, sum(v.views)::bigint
			FROM views v LEFT JOIN policies p USING (policy_id) GROUP BY 2, 3
		UNION ALL
		SELECT 'category', category, '', sum(v.views)::bigint
			FROM views v JOIN policies p USING (policy_id), unnest(p.categories) AS category GROUP BY 2
		UNION ALL SELECT 'searches', '', '', searches FROM searches
		UNION ALL SELECT 'zero_results', '', '', zero FROM searches`, UnknownDocumentType)
	if err != nil {
		return err
	}
	var kind, label, origin string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&kind, &label, &origin, &n}, func() error {
		switch kind {
		case "views":
			ch <- prometheus.MustNewConstMetric(portalViewsDesc, prometheus.CounterValue, float64(n), label, origin)
		case "category":
			ch <- prometheus.MustNewConstMetric(portalCategoryViewsDesc, prometheus.CounterValue, float64(n), label)
		case "searches":
			ch <- prometheus.MustNewConstMetric(portalSearchesDesc, prometheus.CounterValue, float64(n))
		case "zero_results":
			ch <- prometheus.MustNewConstMetric(portalZeroResultsDesc, prometheus.CounterValue, float64(n))
		}
		return nil
	})
	return err
}
