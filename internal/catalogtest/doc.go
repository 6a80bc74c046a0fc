// Package catalogtest gives tests the shipped reference data: the
// catalogue, the catalogue with an item more (as an operator's catalogue
// that later loses it), and the calendar.
package catalogtest
