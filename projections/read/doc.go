// Package read answers questions on the read models that package
// projections keeps: the grouped sums behind the stats API
// (CaseStats, LicenseStats, LawsuitStats), and the ingest tally. It only
// reads; folding events and rebuilding are projections' job.
package read
