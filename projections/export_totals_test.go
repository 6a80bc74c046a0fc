package projections

// FoldCase lets the external tests declare case_stats anew (without its
// totals, for the totals' benchmark).
var FoldCase = foldCase
