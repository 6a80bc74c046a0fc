// Package projections folds the event log into read models and rebuilds
// them. Each read model is declared once (see CaseStats, LicenseStats,
// LawsuitStats); the declaration drives its upsert, its COPY in a
// rebuild and the check of its table against the migrations. Each
// *Projection is a bus.Consumer: it applies a batch inside the bus's
// transaction, so it takes effect exactly once. IngestTally is the first
// consumer and counts what arrived.
//
// Reading the read models is the job of package projections/read;
// exporting them as Prometheus metrics that of projections/collector.
package projections
