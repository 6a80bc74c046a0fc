// Package targets holds the reform office's targets (攻坚目标) as data:
// their definitions, read from a YAML file, and their evaluation on the
// read models by event time.
package targets
