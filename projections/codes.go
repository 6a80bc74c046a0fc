package projections

import (
	"fmt"
	"strings"

	"github.com/govpulse/govpulse/events"
)

// CodeList is where a key column's values come from: a list of the
// catalogue or an enum of package events. The values become metric
// labels, so a read model only holds codes the running catalogue knows
// (checked on Apply), and the stats API and the targets accept only
// listed codes as filters.
type CodeList struct {
	// Name is the list's name in a key field's `codes` tag.
	Name string
	// Noun names a code of the list in messages: "licence type".
	Noun string
	// inCatalog looks a code up in the catalogue; nil for an enum.
	inCatalog func(*events.Catalog, string) bool
	enum      events.Enum
}

// FromCatalog says whether the list is one of the catalogue's.
func (l *CodeList) FromCatalog() bool { return l.inCatalog != nil }

// Has reports whether code is in the list; a catalogue list needs cat.
func (l *CodeList) Has(cat *events.Catalog, code string) bool {
	if l.inCatalog != nil {
		return cat != nil && l.inCatalog(cat, code)
	}
	return l.enum.Has(code)
}

// Describe says, for a message, which codes the list accepts.
func (l *CodeList) Describe() string {
	if l.inCatalog == nil {
		return l.enum.Phrase()
	}
	article := "a"
	if strings.ContainsRune("aeiou", rune(l.Noun[0])) {
		article = "an"
	}
	return fmt.Sprintf("%s %s code from GET /v1/catalog", article, l.Noun)
}

// codeLists are the lists a key field's `codes` tag may name.
var codeLists = map[string]CodeList{
	"department":   {Name: "department", Noun: "department", inCatalog: (*events.Catalog).HasDepartment},
	"district":     {Name: "district", Noun: "district", inCatalog: (*events.Catalog).HasDistrict},
	"item":         {Name: "item", Noun: "item", inCatalog: (*events.Catalog).HasItem},
	"license_type": {Name: "license_type", Noun: "licence type", inCatalog: (*events.Catalog).HasLicenseType},
	"agency":       {Name: "agency", Noun: "agency", inCatalog: (*events.Catalog).HasAgency},
	"court":        {Name: "court", Noun: "court", inCatalog: (*events.Catalog).HasCourt},
	"channel":      {Name: "channel", Noun: "channel", enum: events.Channel},
	"mode":         {Name: "mode", Noun: "mode", enum: events.Mode},
	"holder_type":  {Name: "holder_type", Noun: "holder type", enum: events.HolderType},
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
	for i, c := range p.table.Keys {
		if c.Codes == nil || !c.Codes.FromCatalog() {
			continue
		}
		for _, row := range rows {
			if code := row[i].(string); !c.Codes.Has(p.Catalog, code) {
				return &UnknownCodeError{Projection: p.name, Column: c.Name, List: c.Codes.Noun, Code: code}
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
		if p.checkCodes(f.rowValues()) != nil {
			err.Event = fmt.Sprintf("event %d (source %s, id %s)", e.Seq, e.Source, e.ID)
			return
		}
	}
}
