// Package natstest runs a real NATS server with JetStream inside the test
// process, with its storage in the test's temporary directory.
package natstest
