// Package store implements portal.Reader on the policies read model in
// PostgreSQL: the GIN index of bigram vectors finds candidates, the 文号
// table answers exact lookups, and an in-memory index of the current
// policies, rebuilt when the read model's generation moves, ranks,
// filters, counts facets and matches profiles.
package store
