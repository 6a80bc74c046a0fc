package projections

import (
	"fmt"

	"github.com/govpulse/govpulse/events"
)

// Catalogue lists a read model's key columns draw their codes from: the
// codes become metric labels, so a read model only holds codes the
// running catalogue knows.
const (
	listDepartments  = "department"
	listDistricts    = "district"
	listItems        = "item"
	listLicenseTypes = "licence type"
	listAgencies     = "agency"
	listCourts       = "court"
)

var catalogLookups = map[string]func(*events.Catalog, string) bool{
	listDepartments:  (*events.Catalog).HasDepartment,
	listDistricts:    (*events.Catalog).HasDistrict,
	listItems:        (*events.Catalog).HasItem,
	listLicenseTypes: (*events.Catalog).HasLicenseType,
	listAgencies:     (*events.Catalog).HasAgency,
	listCourts:       (*events.Catalog).HasCourt,
}

// UnknownCodeError says that an event carries a code the catalogue does
// not (or no longer) list, so the read model cannot count it under a
// bounded label. The operator puts the code back in the catalogue
// (GOVPULSE_CATALOG_FILE) and replays the batch from the poison queue.
type UnknownCodeError struct {
	Projection string
	Column     string
	List       string
	Code       string
	// Event names the first event with the code, when known.
	Event string
}

func (e *UnknownCodeError) Error() string {
	where := ""
	if e.Event != "" {
		where = " of " + e.Event
	}
	return fmt.Sprintf("%s: %s %q%s is not in the catalogue; add it back (GOVPULSE_CATALOG_FILE) and replay the batch",
		e.Projection, e.List, e.Code, where)
}

// checkCodes returns an *UnknownCodeError for the first key code of rows
// that p.Catalog lacks; nil when every code is known or no catalogue is set.
func (p *Projection) checkCodes(rows [][]any) error {
	if p.Catalog == nil {
		return nil
	}
	for i, c := range p.spec.columns {
		known := catalogLookups[c.codes]
		if known == nil {
			continue
		}
		for _, row := range rows {
			if code := row[i].(string); !known(p.Catalog, code) {
				return &UnknownCodeError{Projection: p.name, Column: c.name, List: c.codes, Code: code}
			}
		}
	}
	return nil
}

// findUnknownCode names the first event of evs whose codes p.Catalog lacks,
// folding them one by one: it runs only when a batch was refused.
func (p *Projection) findUnknownCode(evs []events.Recorded, err *UnknownCodeError) {
	for _, e := range evs {
		if !p.folds(e.Type) {
			continue
		}
		f := p.newFold()
		if f.add(e) != nil {
			continue
		}
		if p.checkCodes(f.rows()) != nil {
			err.Event = fmt.Sprintf("event %d (source %s, id %s)", e.Seq, e.Source, e.ID)
			return
		}
	}
}
