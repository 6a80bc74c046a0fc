// Package freeport hands out loopback TCP ports for servers that a test or
// the benchmark starts as separate processes (govpulse, PostgreSQL, NATS,
// Prometheus, Alertmanager), which must be told their port before they
// bind it.
//
// The ports come from below the kernel's ephemeral range
// (net.ipv4.ip_local_port_range), never from listening on ":0": an
// ephemeral port that is closed again can be taken by any outgoing
// connection (the tests open thousands to PostgreSQL) before the child
// binds it, which then fails with "address already in use". A port below
// the range is only ever taken by a listener, and this package hands each
// out once per process.
package freeport
