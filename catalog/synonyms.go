package catalog

import (
	_ "embed"
	"fmt"
	"os"

	"github.com/govpulse/govpulse/portal/search"
)

// defaultSynonyms is the shipped synonyms file of the portal's search.
//
//go:embed synonyms.yaml
var defaultSynonyms []byte

// Synonyms reads the search synonyms file at path; an empty path means
// the shipped one.
func Synonyms(path string) (*search.Synonyms, error) {
	data := defaultSynonyms
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("synonyms file: %w", err)
		}
	}
	s, err := search.ParseSynonyms(data)
	if err != nil {
		if path == "" {
			path = "shipped synonyms.yaml"
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
