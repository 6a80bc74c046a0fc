// Package catalog ships govpulse's reference catalogue for Qingdao
// (departments, districts, administrative items with their promised limits,
// licence types, agencies and courts) and loads an operator's replacement.
//
// The catalogue is data: an operator replaces it with a YAML (or JSON) file
// of the same shape as catalog.yaml, named by GOVPULSE_CATALOG_FILE. Codes
// become metric labels, so only catalogue codes are accepted in events.
package catalog
