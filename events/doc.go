// Package events holds govpulse's event model: the CloudEvents 1.0 envelope,
// the domain event types, their validation against the reference catalogue,
// and the JSON codec. It does no I/O and imports nothing else of govpulse.
package events
