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

// Update implements Collector.
func (c Portal) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	// Per policy first (small: a few hundred rows), then joined. The
	// totals hold a row per policy and origin already.
	viewsTable := projections.PortalViews.Table().Totals.Name
	if c.FromRows {
		viewsTable = projections.PortalViews.Name()
	}
	rows, err := c.DB.Query(ctx, `WITH per_policy AS (
			SELECT policy_id, origin, sum(views)::bigint AS views FROM `+viewsTable+` GROUP BY policy_id, origin)
		SELECT coalesce(p.document_type, $1), v.origin, sum(v.views)::bigint
		FROM per_policy v LEFT JOIN policies p USING (policy_id)
		GROUP BY 1, 2`, UnknownDocumentType)
	if err != nil {
		return err
	}
	var docType, origin string
	var views int64
	if _, err := pgx.ForEachRow(rows, []any{&docType, &origin, &views}, func() error {
		ch <- prometheus.MustNewConstMetric(portalViewsDesc, prometheus.CounterValue, float64(views), docType, origin)
		return nil
	}); err != nil {
		return err
	}
	rows, err = c.DB.Query(ctx, `WITH per_policy AS (
			SELECT policy_id, sum(views)::bigint AS views FROM `+viewsTable+` GROUP BY policy_id)
		SELECT category, sum(v.views)::bigint
		FROM per_policy v JOIN policies p USING (policy_id), unnest(p.categories) AS category
		GROUP BY 1`)
	if err != nil {
		return err
	}
	var category string
	if _, err := pgx.ForEachRow(rows, []any{&category, &views}, func() error {
		ch <- prometheus.MustNewConstMetric(portalCategoryViewsDesc, prometheus.CounterValue, float64(views), category)
		return nil
	}); err != nil {
		return err
	}
	rows, err = c.DB.Query(ctx, `SELECT coalesce(sum(searches), 0)::bigint, coalesce(sum(zero_results), 0)::bigint FROM portal_searches`)
	if err != nil {
		return err
	}
	var searches, zero int64
	_, err = pgx.ForEachRow(rows, []any{&searches, &zero}, func() error {
		ch <- prometheus.MustNewConstMetric(portalSearchesDesc, prometheus.CounterValue, float64(searches))
		ch <- prometheus.MustNewConstMetric(portalZeroResultsDesc, prometheus.CounterValue, float64(zero))
		return nil
	})
	return err
}
