package usage

// Recorder records portal usage. The web layer calls it once per policy
// page shown and once per search answered. Its methods never block on I/O,
// never fail and are safe for concurrent use: what cannot be recorded is
// dropped and counted.
type Recorder interface {
	// View records that the page of policyID was shown, and where the
	// visitor came from: one of events.ViewOrigins (events.OriginSearch,
	// OriginMatch, OriginHome, OriginFeed, OriginDirect); another origin
	// is recorded as direct.
	View(policyID, origin string)
	// Search records a search's text and how many policies it found. The
	// text is cleaned (control characters dropped, runs of spaces made
	// one) and cut to events.MaxSearchQueryRunes characters; a blank
	// query (a search by filters only) is not recorded.
	Search(query string, results int)
}

// Discard is a Recorder that records nothing, for tests of pages and for
// a portal run without a log.
type Discard struct{}

// View does nothing.
func (Discard) View(string, string) {}

// Search does nothing.
func (Discard) Search(string, int) {}
