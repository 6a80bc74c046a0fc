// Package api serves the portal's JSON API under /api/v1: the policies
// list, one policy with its versions (current, as in force on a date, or
// one version), search with facets, and match. Errors have the shape of
// the ingest API's: {"code": ..., "error": ..., "param": ...}.
package api
