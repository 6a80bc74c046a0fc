package httpapi

// IngestInFlight is how many ingest requests hold a slot, for tests that
// must know a request is being processed before they send the next.
func (s *Server) IngestInFlight() int { return len(s.slots) }
