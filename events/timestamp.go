package events

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// errNotRFC3339 is the shape failure without a more specific reason.
var errNotRFC3339 = errors.New("not RFC 3339")

// rfc3339Shape checks s against RFC 3339's date-time grammar exactly
// (time.Parse alone also takes a comma before the fraction and offsets of
// 24 hours or more): YYYY-MM-DDTHH:MM:SS, an optional fraction of 1 to 9
// digits, then Z or an offset ±HH:MM within ±23:59. It returns "" or why
// not.
func rfc3339Shape(s string) string {
	digits := func(from, to int) bool {
		for i := from; i < to; i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	if len(s) < 20 || !digits(0, 4) || s[4] != '-' || !digits(5, 7) || s[7] != '-' || !digits(8, 10) ||
		(s[10] != 'T' && s[10] != 't') || !digits(11, 13) || s[13] != ':' || !digits(14, 16) || s[16] != ':' || !digits(17, 19) {
		return errNotRFC3339.Error()
	}
	i := 19
	if s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i+1 || j-i-1 > 9 {
			return "the fraction of a second must have 1 to 9 digits"
		}
		i = j
	}
	switch {
	case i == len(s):
		return errNotRFC3339.Error()
	case (s[i] == 'Z' || s[i] == 'z') && i+1 == len(s):
		return ""
	case (s[i] == '+' || s[i] == '-') && len(s) == i+6 && digits(i+1, i+3) && s[i+3] == ':' && digits(i+4, i+6):
		if s[i+1:i+3] > "23" || s[i+4:i+6] > "59" {
			return fmt.Sprintf("the UTC offset %s is out of range; offsets lie within ±23:59", s[i:])
		}
		return ""
	}
	return errNotRFC3339.Error()
}

// earliestTime is the earliest instant govpulse accepts; anything before it
// is a default or a typo in the sender's system.
func earliestTime() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }

// timeExample is shown in reasons so a sender sees the expected shape.
const timeExample = "2024-03-01T09:00:00+08:00"

// parseTimestamp parses an RFC 3339 timestamp with a UTC offset and checks
// it lies between 2000-01-01 and latest. On failure it returns a reason.
func parseTimestamp(s string, latest time.Time) (time.Time, string) {
	t, err := time.Time{}, errNotRFC3339
	if reason := rfc3339Shape(s); reason != "" {
		if reason != errNotRFC3339.Error() {
			return time.Time{}, fmt.Sprintf("%q: %s", s, reason)
		}
	} else {
		// The shape allows a lower-case letter only as the 't' between
		// date and time and the 'z' at the end, so those two bytes say
		// whether time.Parse needs the upper-case copy (a look at every
		// byte and, for such a timestamp, an allocation).
		upper := s
		if s[10] == 't' || s[len(s)-1] == 'z' {
			upper = strings.ToUpper(s)
		}
		t, err = time.Parse(time.RFC3339Nano, upper)
	}
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
