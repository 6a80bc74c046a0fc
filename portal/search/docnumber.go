package search

import (
	"regexp"
	"strings"
)

// docNumberPattern reads a 文号: the issuer's 代字 (青政办发), the year in
// brackets of any kind (or none) and the number, e.g. 青政办发〔2020〕12号.
var docNumberPattern = regexp.MustCompile(`^(\p{Han}+?)\s*[〔\[(（【﹝［]?\s*(\d{4})\s*[〕\])）】﹞］]?\s*年?\s*第?\s*(\d{1,5})\s*号$`)

// DocNumber is a parsed 文号.
type DocNumber struct {
	Agency string // 代字, e.g. 青政办发
	Year   string
	Number string // without leading zeros
}

// Key is the normalised form every spelling of the 文号 shares.
func (d DocNumber) Key() string { return d.Agency + "〔" + d.Year + "〕" + d.Number + "号" }

// ParseDocNumber reads s as a 文号 in any of its usual punctuations
// (〔〕 [] () （） 【】, full-width digits, spaces).
func ParseDocNumber(s string) (DocNumber, bool) {
	s = strings.TrimSpace(Fold(s))
	m := docNumberPattern.FindStringSubmatch(s)
	if m == nil {
		return DocNumber{}, false
	}
	n := strings.TrimLeft(m[3], "0")
	if n == "" {
		n = "0"
	}
	return DocNumber{Agency: m[1], Year: m[2], Number: n}, true
}

// DocKey is the normalised 文号 of s, or s folded and without spaces when
// it is not one.
func DocKey(s string) string {
	if d, ok := ParseDocNumber(s); ok {
		return d.Key()
	}
	return strings.Join(strings.Fields(Fold(s)), "")
}
