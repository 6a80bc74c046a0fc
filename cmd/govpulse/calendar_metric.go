package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/alerting"
	"github.com/govpulse/govpulse/calendar"
)

// openCalendar loads the working-day calendar serve and rebuild count on:
// the embedded holiday data plus the operator's year files in dir, in zone.
func openCalendar(dir, zone string) (*calendar.Calendar, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("--time-zone (GOVPULSE_TIME_ZONE): %w", err)
	}
	cal, err := calendar.Load(loc, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", calendar.DirEnvVar, err)
	}
	return cal, nil
}

// calendarGauge exports the last day the holiday data covers, so that the
// generated alert warns the operator from 1 December when next year's data
// is missing, before any case's working days become unknown.
func calendarGauge(cal *calendar.Calendar) prometheus.Collector {
	_, last := cal.Years()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        alerting.CalendarMetric,
		Help:        "Midnight (calendar time zone) of the last day the holiday data covers, as Unix seconds; year is the last covered year.",
		ConstLabels: prometheus.Labels{"year": strconv.Itoa(last)},
	})
	g.Set(float64(time.Date(last, time.December, 31, 0, 0, 0, 0, cal.Location()).Unix()))
	return g
}
