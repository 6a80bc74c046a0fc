// Package config holds govpulse's settings: defaults in code, every field
// settable by a flag and a GOVPULSE_* environment variable, validated once
// at start-up with messages that name the setting.
package config
