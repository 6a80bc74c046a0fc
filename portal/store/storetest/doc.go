// Package storetest gives tests a portal store over a fresh database
// holding the portaltest corpus. It is apart from portaltest so that the
// store's own internal tests can use portaltest without an import cycle.
package storetest
