// Package portal holds the domain of 政策通, the policy portal: policies
// and their versions, validity, search queries and results, company
// profiles and matches, and the Reader interface that the web pages and
// the JSON API call. It does no I/O; portal/store implements Reader on
// the policies read model, portal/api serves it as JSON.
package portal
