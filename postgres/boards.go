package postgres

// The names migration 040_boards.sql creates for Grafana's boards: the
// schema of views over the read models and the read-only role that may
// read them (and nothing else). A rebuild keeps each view on the live table.
const (
	// BoardsSchema holds one view per read-model table boards query,
	// boards.<table> = SELECT * FROM <table>.
	BoardsSchema = "boards"
	// BoardsRole may use BoardsSchema and SELECT from its views only. It
	// cannot log in until an operator gives it a password (README).
	BoardsRole = "govpulse_boards"
)
