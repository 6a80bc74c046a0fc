package catalog

import (
	_ "embed"
	"fmt"
	"os"

	"github.com/govpulse/govpulse/events"
)

// defaultCatalog is the shipped catalogue; it is never modified.
//
//go:embed catalog.yaml
var defaultCatalog []byte

// Default parses and returns the shipped catalogue. Each call returns a new
// *events.Catalog, so callers share nothing mutable.
func Default() (*events.Catalog, error) {
	c, err := events.ParseCatalog(defaultCatalog)
	if err != nil {
		return nil, fmt.Errorf("shipped catalog.yaml: %w", err)
	}
	return c, nil
}

// Load reads and checks the catalogue file at path; an empty path means the
// shipped catalogue (Default). Errors name the file.
func Load(path string) (*events.Catalog, error) {
	if path == "" {
		return Default()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalog file: %w", err)
	}
	c, err := events.ParseCatalog(data)
	if err != nil {
		return nil, fmt.Errorf("catalog file %s: %w", path, err)
	}
	return c, nil
}
