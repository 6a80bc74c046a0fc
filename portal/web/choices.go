package web

import "github.com/govpulse/govpulse/events"

// Choices are the catalogue's codes and names the portal's forms offer
// and its parameters are checked against.
type Choices struct {
	Issuers        []events.CodeName // departments
	Categories     []events.CodeName // policy_categories
	Industries     []events.CodeName // GB/T 4754 sections
	Sizes          []events.CodeName // enterprise_sizes
	Districts      []events.CodeName
	DocumentTypes  []events.CodeName
	Qualifications []events.CodeName
}

// name returns the name of code in list, or the code itself.
func name(list []events.CodeName, code string) string {
	for _, c := range list {
		if c.Code == code {
			return c.Name
		}
	}
	return code
}

// ChoicesFrom takes the portal's lists from the catalogue.
func ChoicesFrom(cat *events.Catalog) Choices {
	var issuers []events.CodeName
	for _, d := range cat.Departments {
		issuers = append(issuers, events.CodeName{Code: d.Code, Name: d.Name})
	}
	return Choices{
		Issuers:        issuers,
		Categories:     cat.PolicyCategories,
		Industries:     cat.Industries,
		Sizes:          cat.EnterpriseSizes,
		Districts:      cat.Districts,
		DocumentTypes:  cat.DocumentTypes,
		Qualifications: cat.Qualifications,
	}
}
