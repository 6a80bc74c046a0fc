// Package search is the portal's Chinese text search without a
// segmentation extension: CJK character bigrams (with unigrams for
// single-character runs and run ends), ASCII words whole, built into
// weighted tsvectors in Go for PostgreSQL's GIN index; queries as bigram
// phrases; 文号 normalisation; synonyms from plain words to official
// terms; and snippets cut in Go. It does no I/O.
package search
