// Command govpulse is the one binary of govpulse: the service (serve) and
// its operator tools (migrate, rebuild, log check, demo, rules,
// dashboards, healthcheck, bench, version). Main.Open wires the service in
// named steps, and the consumer set is built once (consumers.go).
package main
