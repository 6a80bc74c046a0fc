package storetest

import (
	"testing"
	"time"

	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/portal/portaltest"
	"github.com/govpulse/govpulse/portal/store"
)

// Store is a Store over a fresh database holding the corpus, with the
// shipped catalogue and synonyms, whose today is portaltest.Today.
func Store(t testing.TB) *store.Store {
	t.Helper()
	cat := catalogtest.Default(t)
	syn, err := catalog.Synonyms("")
	if err != nil {
		t.Fatal(err)
	}
	pool := pgtest.NewPool(t)
	portaltest.Load(t, pool, cat)
	return &store.Store{Pool: pool, Catalog: cat, Synonyms: syn, Now: func() time.Time { return portaltest.Today }}
}
