package read

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/postgres"
)

// Store answers the read-side queries on one database: each read model's
// stats, the ingest tally and the consumers' progress (the HTTP API's
// Stats).
type Store struct {
	Pool *pgxpool.Pool
}

// Cases is CaseStats on the store's database.
func (s Store) Cases(ctx context.Context, q Query) ([]CaseGroup, error) {
	return CaseStats(ctx, s.Pool, q)
}

// Licenses is LicenseStats on the store's database.
func (s Store) Licenses(ctx context.Context, q Query) ([]LicenseGroup, error) {
	return LicenseStats(ctx, s.Pool, q)
}

// Lawsuits is LawsuitStats on the store's database.
func (s Store) Lawsuits(ctx context.Context, q Query) ([]LawsuitGroup, error) {
	return LawsuitStats(ctx, s.Pool, q)
}

// Tally is the package's Tally on the store's database.
func (s Store) Tally(ctx context.Context, f TallyFilter) ([]TallyRow, error) {
	return Tally(ctx, s.Pool, f)
}

// Consumers returns each named consumer's progress from the ledger.
func (s Store) Consumers(ctx context.Context, names []string) ([]postgres.ConsumerStatus, error) {
	return postgres.ReadConsumerStatus(ctx, s.Pool, names, nil)
}
