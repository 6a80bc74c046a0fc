// Package demo generates a year of realistic, deterministic departmental
// events whose aggregates reproduce the figures of the seed report on
// Qingdao's government-efficiency campaign (enterprise set-up in 1 working
// day, construction approval within 85, window cases about 70% faster than
// promised, instant approvals in seconds, agency heads at every hearing),
// and sends them to govpulse's ingest API the way department systems would:
// in batches, each system with its own token, retrying when told to.
//
// Generate builds the events, Measure computes the figures they carry with
// the working-day calendar, and Sender delivers them. Event ids derive from
// the options, so sending the same demo twice stores nothing new.
package demo
