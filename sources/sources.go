package sources

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/govpulse/govpulse/events"
)

// Any in a departments or event_types list allows every value.
const Any = "*"

// Source is one sending system.
type Source struct {
	Name        string
	Departments []string
	EventTypes  []string
	tokenHash   [sha256.Size]byte
}

// MaySpeakFor reports whether the source may send events for department.
func (s *Source) MaySpeakFor(department string) bool {
	return slices.Contains(s.Departments, Any) || slices.Contains(s.Departments, department)
}

// MaySend reports whether the source may send events of type typ.
func (s *Source) MaySend(typ string) bool {
	return slices.Contains(s.EventTypes, Any) || slices.Contains(s.EventTypes, typ)
}

// Registry holds every configured source.
type Registry struct {
	sources []*Source
}

// Sources returns the configured sources in file order.
func (r *Registry) Sources() []*Source { return r.sources }

// Authenticate returns the source whose token is token. It compares every
// hash in constant time, so the answer's timing says nothing about which
// hash came close.
func (r *Registry) Authenticate(token string) (*Source, bool) {
	if token == "" {
		return nil, false
	}
	h := sha256.Sum256([]byte(token))
	var found *Source
	for _, s := range r.sources {
		if subtle.ConstantTimeCompare(h[:], s.tokenHash[:]) == 1 {
			found = s
		}
	}
	return found, found != nil
}

// HashToken returns the hex SHA-256 of a token, the form the sources file
// keeps (token_sha256).
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

type fileSource struct {
	Name        string   `yaml:"name"`
	TokenSHA256 string   `yaml:"token_sha256"`
	TokenEnv    string   `yaml:"token_env"`
	Departments []string `yaml:"departments"`
	EventTypes  []string `yaml:"event_types"`
}

type file struct {
	Sources []yaml.Node `yaml:"sources"`
}

var sourceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$`)

// Load reads the sources file at path. getenv resolves token_env entries
// (os.Getenv when nil); cat checks department codes.
func Load(path string, getenv func(string) string, cat *events.Catalog) (*Registry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sources file: %w", err)
	}
	r, err := Parse(b, getenv, cat)
	if err != nil {
		return nil, fmt.Errorf("sources file %s: %w", path, err)
	}
	return r, nil
}

// Parse reads a sources file's contents; see Load.
func Parse(data []byte, getenv func(string) string, cat *events.Catalog) (*Registry, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	if len(f.Sources) == 0 {
		return nil, errors.New(`no sources: the file needs a "sources:" list`)
	}
	known := events.KnownTypes()
	r := &Registry{}
	names := map[string]bool{}
	hashes := map[[sha256.Size]byte]string{}
	for i, node := range f.Sources {
		var fs fileSource
		where := fmt.Sprintf("sources[%d] (line %d)", i, node.Line)
		if err := node.Decode(&fs); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if !sourceName.MatchString(fs.Name) {
			return nil, fmt.Errorf("%s: name %q: must be 1-200 letters, digits or ._:/-", where, fs.Name)
		}
		where = fmt.Sprintf("source %q (line %d)", fs.Name, node.Line)
		if names[fs.Name] {
			return nil, fmt.Errorf("%s: name used twice", where)
		}
		names[fs.Name] = true
		s := &Source{Name: fs.Name, Departments: fs.Departments, EventTypes: fs.EventTypes}
		switch {
		case fs.TokenSHA256 != "" && fs.TokenEnv != "":
			return nil, fmt.Errorf("%s: give token_sha256 or token_env, not both", where)
		case fs.TokenSHA256 != "":
			h, err := hex.DecodeString(strings.ToLower(fs.TokenSHA256))
			if err != nil || len(h) != sha256.Size {
				return nil, fmt.Errorf("%s: token_sha256 must be 64 hex digits (sha256sum of the token)", where)
			}
			copy(s.tokenHash[:], h)
		case fs.TokenEnv != "":
			tok := getenv(fs.TokenEnv)
			if tok == "" {
				return nil, fmt.Errorf("%s: token_env names %s, which is not set", where, fs.TokenEnv)
			}
			if len(tok) < 16 {
				return nil, fmt.Errorf("%s: the token in %s is shorter than 16 characters", where, fs.TokenEnv)
			}
			s.tokenHash = sha256.Sum256([]byte(tok))
		default:
			return nil, fmt.Errorf("%s: needs token_sha256 or token_env", where)
		}
		if other, dup := hashes[s.tokenHash]; dup {
			return nil, fmt.Errorf("%s: same token as source %q; every source needs its own", where, other)
		}
		hashes[s.tokenHash] = s.Name
		if len(s.Departments) == 0 {
			return nil, fmt.Errorf(`%s: departments is empty; list department codes or ["*"]`, where)
		}
		for _, d := range s.Departments {
			if d != Any && cat != nil && !cat.HasDepartment(d) && !cat.HasAgency(d) {
				return nil, fmt.Errorf("%s: unknown department %q (not in the catalogue)", where, d)
			}
		}
		if len(s.EventTypes) == 0 {
			return nil, fmt.Errorf(`%s: event_types is empty; list event types or ["*"]`, where)
		}
		for _, t := range s.EventTypes {
			if t != Any && !slices.Contains(known, t) {
				return nil, fmt.Errorf("%s: unknown event type %q; known: %s", where, t, strings.Join(known, ", "))
			}
		}
		r.sources = append(r.sources, s)
	}
	return r, nil
}
