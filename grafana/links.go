package grafana

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// boardURL is the path Grafana serves a board at, by uid.
func boardURL(uid string) string { return "/d/" + uid }

// linkBoards gives every board a link to every other board, in board
// order, keeping the time range.
func linkBoards(boards []Board) {
	for i := range boards {
		var links []dashboard.DashboardLink
		for j, other := range boards {
			if i == j {
				continue
			}
			links = append(links, dashboard.DashboardLink{
				Title:    *other.Dashboard.Title,
				Type:     dashboard.DashboardLinkTypeLink,
				Icon:     "dashboard",
				Tooltip:  other.Folder.Title,
				Url:      cog.ToPtr(boardURL(*other.Dashboard.Uid)),
				Tags:     []string{},
				KeepTime: true,
			})
		}
		boards[i].Dashboard.Links = links
	}
}

// drillDown is a data link on a table column to another board with one
// variable set to the cell's value and the time range kept.
func drillDown(title, uid, variable string) []map[string]any {
	return []map[string]any{{
		"title": title,
		"url":   boardURL(uid) + "?var-" + variable + "=${__value.raw}&${__url_time_range}",
	}}
}
