// Package portaltest gives tests a small, known corpus of policies
// (corpus.yaml: 40 policies on the portal's themes, with an amendment, an
// interpretation, a repeal, an expired and a not-yet-effective policy)
// as events, and loads it into a database's log and policies read model.
package portaltest
