// Package web serves 政策通, the policy portal, as server-rendered HTML:
// the home page, search, a policy with its versions and the view as in
// force on a date, "policies for my company", and the Atom, iCalendar and
// JSON feeds. Pages work without JavaScript (none is sent), assets are
// embedded in the binary, and every response carries security headers
// that forbid inline script and style. It reads through portal.Reader and
// records views and searches through usage.Recorder; it stores nothing.
package web
