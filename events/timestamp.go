package events

import (
	"fmt"
	"time"
)

// earliestTime is the earliest instant govpulse accepts; anything before it
// is a default or a typo in the sender's system.
func earliestTime() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }

// timeExample is shown in reasons so a sender sees the expected shape.
const timeExample = "2024-03-01T09:00:00+08:00"

// parseTimestamp parses an RFC 3339 timestamp with a UTC offset and checks
// it lies between 2000-01-01 and latest. On failure it returns a reason.
func parseTimestamp(s string, latest time.Time) (time.Time, string) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
			if _, err := time.Parse(layout, s); err == nil {
				return time.Time{}, fmt.Sprintf("%q has no UTC offset; write RFC 3339 with an offset, e.g. %s", s, timeExample)
			}
		}
		return time.Time{}, fmt.Sprintf("%q is not an RFC 3339 timestamp with UTC offset, e.g. %s", s, timeExample)
	}
	if t.Before(earliestTime()) {
		return time.Time{}, fmt.Sprintf("(%s) is before 2000-01-01", s)
	}
	if t.After(latest) {
		return time.Time{}, fmt.Sprintf("(%s) is in the future (latest accepted now is %s)", s, latest.Format(time.RFC3339))
	}
	return t, ""
}
