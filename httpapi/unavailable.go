package httpapi

import "github.com/govpulse/govpulse/postgres"

func isUnavailable(err error) bool { return postgres.IsUnavailable(err) }
