// Package pgtest gives each test a fresh PostgreSQL database on a real
// server, migrated, and drops it when the test ends.
package pgtest
