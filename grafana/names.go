package grafana

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/projections/collector"
	"github.com/govpulse/govpulse/targets"
)

// Kinds of codes a table column can hold, which the boards show by name.
const (
	codeDepartment  = "department"
	codeDistrict    = "district"
	codeItem        = "item"
	codeLicenseType = "license_type"
	codeAgency      = "agency"
	codeCourt       = "court"
	codeTarget      = "target"
	codeDocType     = "document_type"
	codeCategory    = "policy_category"
	codeOrigin      = "origin"
)

// names are value mappings from codes to the names people know them by:
// the catalogue's Chinese names, the targets' titles. Labels and the read
// models keep the codes (bounded, stable); only what a table shows is
// mapped, so links built from a cell's raw value still carry the code.
type names map[string][]dashboard.ValueMapping

func newNames(cat *events.Catalog, ts []targets.Target) names {
	n := names{}
	add := func(kind string, entries []events.CodeName) {
		if len(entries) == 0 {
			return
		}
		opts := map[string]dashboard.ValueMappingResult{}
		for i, e := range entries {
			opts[e.Code] = dashboard.ValueMappingResult{Text: cog.ToPtr(e.Name), Index: cog.ToPtr(int32(i))}
		}
		n[kind] = []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{Type: dashboard.MappingTypeValueToText, Options: opts}}}
	}
	var tgs []events.CodeName
	for _, t := range ts {
		tgs = append(tgs, events.CodeName{Code: t.ID, Name: t.Title})
	}
	add(codeTarget, tgs)
	add(codeOrigin, originNames)
	if cat == nil {
		return n
	}
	depts := []events.CodeName{{Code: targets.CityWide, Name: "全市 city-wide"}}
	for _, d := range cat.Departments {
		depts = append(depts, events.CodeName{Code: d.Code, Name: d.Name})
	}
	add(codeDepartment, depts)
	add(codeAgency, cat.Agencies)
	add(codeDistrict, cat.Districts)
	add(codeLicenseType, cat.LicenseTypes)
	add(codeCourt, cat.Courts)
	var items []events.CodeName
	for _, it := range cat.Items {
		items = append(items, events.CodeName{Code: it.Code, Name: it.Name})
	}
	add(codeItem, items)
	docTypes := append([]events.CodeName{}, cat.DocumentTypes...)
	add(codeDocType, append(docTypes, events.CodeName{Code: collector.UnknownDocumentType, Name: "未知 unknown"}))
	add(codeCategory, cat.PolicyCategories)
	return n
}

// originNames say where the portal's visitors came from
// (events.ViewOrigin) in words.
var originNames = []events.CodeName{
	{Code: events.OriginSearch, Name: "检索 search"},
	{Code: events.OriginMatch, Name: "政策匹配 match"},
	{Code: events.OriginHome, Name: "首页 home"},
	{Code: events.OriginFeed, Name: "订阅 feed"},
	{Code: events.OriginDirect, Name: "直接访问 direct"},
}
