// Package periodic repeats background work at an interval until its
// context ends: the bus's retries of failed batches and the vacuum of the
// read models' totals tables.
package periodic
