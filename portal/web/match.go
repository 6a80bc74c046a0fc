package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
)

// profileValues writes a profile back as the parameters /match reads.
func profileValues(p portal.Profile) url.Values {
	v := url.Values{}
	if p.Industry != "" {
		v.Set(portal.FilterIndustry, p.Industry)
	}
	if p.Size != "" {
		v.Set(portal.FilterSize, p.Size)
	}
	if p.District != "" {
		v.Set(portal.FilterDistrict, p.District)
	}
	if p.Founded != 0 {
		v.Set("founded", strconv.Itoa(p.Founded))
	}
	for _, q := range p.Qualifications {
		v.Add("qualifications", q)
	}
	return v
}

type matchCard struct {
	portal.PolicyMatch
	From string
}

// matchPair is a match card with the day its deadline is judged on.
type matchPair struct {
	M     matchCard
	Today portal.Date
}

type selectOption struct {
	Code, Name string
	Selected   bool
}

// selectField is a single-choice field of the profile form: the
// parameter it sends, its label and its options.
type selectField struct {
	Param, Label string
	Options      []selectOption
}

type matchData struct {
	base
	Profile        portal.Profile
	Asked          bool // a profile was given
	Result         portal.MatchResult
	Matches        []matchCard
	NearMisses     []matchCard
	Industries     []selectOption
	Sizes          []selectOption
	Districts      []selectOption
	Qualifications []selectOption
	ThisYear       int
	Today          portal.Date
}

func options(list []events.CodeName, chosen ...string) []selectOption {
	out := make([]selectOption, len(list))
	for i, c := range list {
		out[i] = selectOption{Code: c.Code, Name: c.Name}
		for _, x := range chosen {
			if x == c.Code {
				out[i].Selected = true
			}
		}
	}
	return out
}

func (s *Server) match(ctx context.Context, r *http.Request) (string, any, error) {
	q, perr := readParams(r.URL.RawQuery, profileParams)
	if perr != nil {
		return "", nil, perr
	}
	today := s.today()
	p, err := s.profile(q)
	if err != nil {
		return "", nil, err
	}
	d := matchData{
		base:           base{Title: "我的企业能享受什么政策"},
		Profile:        p,
		Asked:          len(q) > 0,
		Industries:     options(s.Choices.Industries, p.Industry),
		Sizes:          options(s.Choices.Sizes, p.Size),
		Districts:      options(s.Choices.Districts, p.District),
		Qualifications: options(s.Choices.Qualifications, p.Qualifications...),
		ThisYear:       today.Time().Year(),
		Today:          today,
	}
	if !d.Asked {
		return "match", d, nil
	}
	res, err := s.Reader.Match(ctx, p)
	if err != nil {
		return "", nil, err
	}
	d.Result = res
	for _, m := range res.Matches {
		d.Matches = append(d.Matches, matchCard{m, events.OriginMatch})
	}
	for _, m := range res.NearMisses {
		d.NearMisses = append(d.NearMisses, matchCard{m, events.OriginMatch})
	}
	pv := profileValues(p)
	d.Feeds = []feedLink{
		{"适用于我企业的政策更新（Atom）", withQuery("/feeds/match.atom", pv), atomType},
		{"适用于我企业的申报截止日历（iCalendar）", withQuery("/feeds/match.ics", pv), icsType},
	}
	return "match", d, nil
}
