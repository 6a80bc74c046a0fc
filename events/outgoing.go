package events

// Outgoing is an event as govpulse's own senders (the demo and the
// portal's usage recorder) write it: CloudEvents 1.0 JSON in structured
// mode, the data an Event. Build it with NewOutgoing.
type Outgoing struct {
	SpecVersion     string `json:"specversion"`
	ID              string `json:"id"`
	Source          string `json:"source"`
	Type            string `json:"type"`
	Time            string `json:"time"`
	DataContentType string `json:"datacontenttype"`
	Data            Event  `json:"data"`
}

// NewOutgoing is data as event id of source, happened at at (RFC 3339
// with offset, formatted by the sender).
func NewOutgoing(id, source, at string, data Event) Outgoing {
	return Outgoing{SpecVersion: SpecVersion, ID: id, Source: source, Type: data.EventType(), Time: at,
		DataContentType: ContentTypeJSON, Data: data}
}
