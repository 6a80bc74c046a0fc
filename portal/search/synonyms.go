package search

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Synonyms map plain words people type to the official terms policies use
// (社保 → 社会保险). Build with ParseSynonyms; read-only afterwards.
type Synonyms struct {
	terms map[string][]string
	keys  []string // longest first, so 开公司 wins over 公司
}

// ParseSynonyms reads a YAML mapping of word to a list of official terms.
func ParseSynonyms(data []byte) (*Synonyms, error) {
	var m map[string][]string
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("parse synonyms: %w", err)
	}
	s := &Synonyms{terms: map[string][]string{}}
	for k, vs := range m {
		k = Fold(strings.TrimSpace(k))
		if k == "" || len(vs) == 0 {
			return nil, fmt.Errorf("synonyms: %q needs at least one official term", k)
		}
		for _, v := range vs {
			if strings.TrimSpace(v) == "" {
				return nil, fmt.Errorf("synonyms: %q has an empty term", k)
			}
			s.terms[k] = append(s.terms[k], Fold(strings.TrimSpace(v)))
		}
		s.keys = append(s.keys, k)
	}
	slices.SortFunc(s.keys, func(a, b string) int {
		if d := len([]rune(b)) - len([]rune(a)); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return s, nil
}

// Expand returns the alternatives of a query piece: the piece itself and,
// when it contains a plain word, the piece with the word replaced by each
// official term; used lists the replacements made.
func (s *Synonyms) Expand(piece string) (alts []string, used [][2]string) {
	alts = []string{piece}
	if s == nil {
		return alts, nil
	}
	for _, k := range s.keys {
		if !strings.Contains(piece, k) {
			continue
		}
		for _, v := range s.terms[k] {
			if strings.Contains(piece, v) {
				continue // already the official term
			}
			alt := strings.Replace(piece, k, v, 1)
			if !slices.Contains(alts, alt) {
				alts = append(alts, alt)
				used = append(used, [2]string{k, v})
			}
		}
		break
	}
	return alts, used
}
