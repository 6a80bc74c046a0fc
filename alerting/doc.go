// Package alerting generates, from the target definitions, the Prometheus
// alerting rules and the Alertmanager configuration that route a missed
// target to the department that missed it. Every PromQL expression of
// govpulse's alerts is written here, from the definitions and Options, so
// the rules cannot drift from the targets.
package alerting
