package web

import (
	"context"
	"net/http"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
)

// card is a policy in a list, with where its link says the visitor came from.
type card struct {
	portal.PolicySummary
	From string
}

func cards(list []portal.PolicySummary, from string) []card {
	out := make([]card, len(list))
	for i, p := range list {
		out[i] = card{p, from}
	}
	return out
}

// deadlineCard is an application window in a list.
type deadlineCard struct {
	D     portal.Deadline
	Today portal.Date
	From  string
}

type homeData struct {
	base
	Home        portal.HomeView
	Newest      []card
	MostViewed  []card
	ClosingSoon []deadlineCard
}

func (s *Server) home(ctx context.Context, r *http.Request) (string, any, error) {
	if _, err := readParams(r.URL.RawQuery, nil); err != nil {
		return "", nil, err
	}
	today := s.today()
	h, err := s.Reader.Home(ctx, today)
	if err != nil {
		return "", nil, err
	}
	d := homeData{
		base:       base{Title: "首页", Feeds: []feedLink{{"全部政策更新（Atom）", "/feeds/changes.atom", atomType}}},
		Home:       h,
		Newest:     cards(h.Newest, events.OriginHome),
		MostViewed: cards(h.MostViewed, events.OriginHome),
	}
	for _, dl := range h.ClosingSoon {
		d.ClosingSoon = append(d.ClosingSoon, deadlineCard{dl, today, events.OriginHome})
	}
	return "home", d, nil
}
