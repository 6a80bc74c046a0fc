// Package sources knows the department systems allowed to send events:
// each source's token (kept only as a SHA-256 hash), the departments it may
// speak for and the event types it may send. It is loaded from a YAML file.
package sources
