// Package projections folds the event log into read models and rebuilds
// them. Each *Projection is a bus.Consumer: it applies a batch inside the
// bus's transaction, so it takes effect exactly once. IngestTally is the
// first consumer and counts what arrived. Reading the read models is the
// job of package projections/read, exporting them as metrics that of
// projections/collector.
//
// # Declaring a read model
//
// A read model is declared once, with Declare: a key struct (its key
// columns), a sums struct (its measures, each an int64 or an [N]int64
// histogram, summed) and a fold function saying how one event adds to its
// row. The declaration drives the upsert of each batch, the COPY of a
// rebuild, the check of the table against the migrations (CheckTables, at
// start-up), and read.Sums, the by-name reading of sums that the stats
// API, the metrics collectors and the targets share. A read model of
// policy views per day and policy, say:
//
//	var PolicyViews = Declare("policy_views", 7_001_104, foldPolicyViews)
//
//	type PolicyViewsKey struct {
//		Day    calendar.Date `col:"day"`
//		Policy string        `col:"policy_id"`
//	}
//
//	type PolicyViewsSums struct {
//		Views int64 `col:"views"`
//	}
//
//	func foldPolicyViews(f *Folding, v events.PolicyViewed, row func(PolicyViewsKey) *PolicyViewsSums) error {
//		row(PolicyViewsKey{f.Day(v.OccurredAt()), v.PolicyID}).Views++
//		return nil
//	}
//
// with a migration creating the table (the key columns its primary key,
// every column NOT NULL) and a line in ReadModels. Adding a measure is a
// field in the sums struct, a line in the fold and a migration adding the
// column; read.Sums then reads it by name into that field.
//
// # Totals
//
// A read model that /metrics sums over the whole log also declares its
// totals, Declare(...).WithTotals(keys...): a table <name>_totals of the
// same measures summed over every day and every key column but keys, a
// row per combination of theirs. Every upsert of a batch adds the batch's
// sums there in the same transaction, and a rebuild loads and swaps a
// fresh copy with the fresh table, so it always equals its read model
// summed; read.Query.Totals reads it, and a scrape reads a thousand rows
// instead of a year's. Its migration creates it like the read model's
// (migration 050), and CheckTables checks it too.
package projections
