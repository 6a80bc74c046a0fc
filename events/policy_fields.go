package events

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of policy fields, in characters.
const (
	maxPolicyIDLen   = 100
	maxDocNumberLen  = 100
	maxTitleLen      = 300
	maxPolicyBodyLen = 200_000
	maxPolicyTextLen = 20_000 // conditions, support, how_to_apply, an interpretation's body
	maxContactLen    = 1_000
	maxListItems     = 50
	maxListItemLen   = 2_000
	maxCodes         = 30 // codes in one list (categories, industries, ...)
)

// PolicyChange is what every event about an existing policy (amended,
// extended, repealed, interpreted) names first: the policy, and its
// issuer, the department the event counts under.
type PolicyChange struct {
	PolicyID string `json:"policy_id"`
	Issuer   string `json:"issuer"`
}

// Department returns the issuer.
func (p PolicyChange) Department() string { return p.Issuer }

// PolicyRef returns the policy changed; the event does not publish it.
func (p PolicyChange) PolicyRef() (string, bool) { return p.PolicyID, false }

// readPolicyChange reads policy_id and issuer.
func readPolicyChange(r *fieldReader) PolicyChange {
	id := r.PolicyID("policy_id", true)
	return PolicyChange{PolicyID: id, Issuer: r.Code("issuer", "department", r.catalog.HasDepartment)}
}

// policyIDShaped keeps policy ids safe in URLs and paths: it reports
// whether s matches ^[A-Za-z0-9][A-Za-z0-9_.-]*$, by hand rather than by
// regexp, as every policy event read from the log asks it
// (FuzzPolicyIDShaped holds it to the regexp).
func policyIDShaped(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '_' || c == '.' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// PolicyID reads a policy_id: letters, digits, '_', '.', '-'.
func (r *fieldReader) PolicyID(name string, required bool) string {
	if !required {
		if _, ok := r.fields.get(name); !ok {
			r.asked = append(r.asked, name)
			return ""
		}
	}
	s := r.repeated(name, maxPolicyIDLen)
	if s != "" && !policyIDShaped(s) {
		r.fail(name, fmt.Sprintf("%q must be letters, digits, '_', '.' or '-', starting with a letter or digit", clip(s, maxPolicyIDLen)))
		return ""
	}
	return s
}

// OptionalText reads an optional text of at most maxLen characters that may
// span lines (newlines, tabs and wide spaces such as U+3000 allowed); it
// returns "" when absent.
func (r *fieldReader) OptionalText(name string, maxLen int) string {
	return r.longText(name, false, maxLen)
}

// Text reads a required text, as OptionalText.
func (r *fieldReader) Text(name string, maxLen int) string {
	return r.longText(name, true, maxLen)
}

func (r *fieldReader) longText(name string, required bool, maxLen int) string {
	v, ok := r.value(name, required)
	if !ok {
		return ""
	}
	return r.text(name, v, maxLen, checkLongText)
}

// checkLongText returns why s is not an acceptable text, or "".
func checkLongText(s string, maxLen int) string {
	if s == "" || len(s) == 0 {
		return "must not be empty (leave the field out instead)"
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return fmt.Sprintf("is %d characters long; the limit is %d", n, maxLen)
	}
	blank := true
	for _, c := range s {
		switch {
		case c == '\n' || c == '\r' || c == '\t' || unicode.Is(unicode.Zs, c):
		case !unicode.IsPrint(c):
			return fmt.Sprintf("contains the non-printable character %U", c)
		default:
			blank = false
		}
	}
	if blank {
		return "must not be blank"
	}
	return ""
}

// Texts reads an optional list of texts.
func (r *fieldReader) Texts(name string, maxItems, maxLen int) []string {
	return r.texts(name, false, maxItems, maxLen, checkLongText)
}

// Codes reads a list of distinct catalogue codes of list; required means
// at least one.
func (r *fieldReader) Codes(name, list string, required bool) []string {
	return r.codeList(name, list, required, func(s string) bool { return r.catalog.InPolicyList(list, s) })
}

// DistrictCodes reads a list of distinct district codes (optional).
func (r *fieldReader) DistrictCodes(name string) []string {
	return r.codeList(name, "district", false, func(s string) bool { return r.catalog.HasDistrict(s) })
}

// codeList reads a list of distinct codes of the catalogue list what
// ("district", "industry", ...), which known says a code is in.
func (r *fieldReader) codeList(name, what string, required bool, known func(string) bool) []string {
	elems := r.Strings(name, required, maxCodes, maxStringLen)
	seen := map[string]bool{}
	out := elems[:0]
	for i, s := range elems {
		at := fmt.Sprintf("%s[%d]", name, i)
		switch {
		case seen[s]:
			r.fail(at, fmt.Sprintf("%q is listed twice", s))
		case !r.stored && !known(s):
			r.fail(at, fmt.Sprintf("unknown %s code %q; see GET /v1/catalog", what, s))
		default:
			out = append(out, s)
		}
		seen[s] = true
	}
	return out
}

// PolicyCode reads one catalogue code of a policy list.
func (r *fieldReader) PolicyCode(name, list string) string {
	return r.Code(name, list, func(s string) bool { return r.catalog.InPolicyList(list, s) })
}

// Date reads a calendar day YYYY-MM-DD (a document's dates have no
// clock); "" when absent and not required.
func (r *fieldReader) Date(name string, required bool) string {
	v, ok := r.value(name, required)
	if !ok {
		return ""
	}
	s, ok := unquote(v)
	if !ok {
		r.fail(name, "must be a date string YYYY-MM-DD, got "+jsonKind(v))
		return ""
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1949 || t.Year() > 2199 {
		r.fail(name, fmt.Sprintf("must be a date YYYY-MM-DD between 1949 and 2199, e.g. 2020-03-01; got %q", clip(s, 40)))
		return ""
	}
	return s
}

// OptionalInt reads an optional whole number between lo and hi.
func (r *fieldReader) OptionalInt(name string, lo, hi int) *int {
	if v, ok := r.fields.get(name); !ok || jsonKind(v) == "null" {
		r.asked = append(r.asked, name)
		return nil
	}
	before := len(r.top().problems)
	n := r.Int(name, lo, hi)
	if len(r.top().problems) > before {
		return nil
	}
	return &n
}

// has reports whether field name is present and not null.
func (r *fieldReader) has(name string) bool {
	v, ok := r.fields.get(name)
	return ok && jsonKind(v) != "null"
}

// dateOrder fails field later when both dates are set and later is before earlier.
func (r *fieldReader) dateOrder(earlierName, earlier, laterName, later string) {
	if earlier != "" && later != "" && later < earlier { // YYYY-MM-DD sorts as dates do
		r.fail(laterName, fmt.Sprintf("%s (%s) is before %s (%s)", laterName, later, earlierName, earlier))
	}
}
