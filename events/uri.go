package events

import (
	"fmt"
	"net/url"
)

// checkURI returns why s is not an RFC 3986 URI (absolute, with a scheme)
// or, when absolute is false, URI-reference, or "". Beyond url.Parse, it
// allows only the characters RFC 3986 allows and well-formed
// percent-escapes, so what is stored is a URI for every reader.
func checkURI(s string, absolute bool) string {
	what := "a URI-reference, e.g. /qd-xzsp/approval-system"
	if absolute {
		what = "an absolute URI, e.g. https://example.org/schemas/case.json"
	}
	if len(s) > maxURILen {
		return fmt.Sprintf("is %d bytes long; the limit is %d", len(s), maxURILen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return fmt.Sprintf("%q has a broken percent-escape at byte %d; must be %s", clip(s, 100), i, what)
			}
		case isURIChar(c):
		default:
			return fmt.Sprintf("%q contains %q, which a URI may not contain unescaped; must be %s", clip(s, 100), string(rune(c)), what)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Sprintf("%q is not %s", clip(s, 100), what)
	}
	if absolute && u.Scheme == "" {
		return fmt.Sprintf("%q has no scheme; must be %s", clip(s, 100), what)
	}
	return ""
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// isURIChar reports whether c may appear unescaped in a URI-reference:
// unreserved, sub-delims, gen-delims (RFC 3986, section 2).
func isURIChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', // unreserved
		'!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', // sub-delims
		':', '/', '?', '#', '[', ']', '@': // gen-delims
		return true
	}
	return false
}
