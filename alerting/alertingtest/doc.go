// Package alertingtest runs the real Prometheus tools for tests: promtool
// and amtool on generated files, and Prometheus and Alertmanager servers
// on free ports with their own storage, stopped when the test ends.
//
// A missing binary fails the test with the command that installs it;
// tests never skip for want of the tools.
package alertingtest
