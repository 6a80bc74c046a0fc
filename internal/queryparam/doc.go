// Package queryparam reads a query string as the HTTP API and the portal
// both demand: Pairs splits it into its name=value pairs, and Unescape
// decodes one name or value, refusing a broken percent-escape, an
// unbounded length, invalid UTF-8 and control characters. Each says what
// is wrong in its own words (English, Chinese) through Messages.
package queryparam
