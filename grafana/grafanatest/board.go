package grafanatest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Data source types of the boards' queries.
const (
	PrometheusType = "prometheus"
	PostgresType   = "grafana-postgresql-datasource"
)

// Board is what the tests look at in a dashboard's JSON.
type Board struct {
	UID       string
	Title     string
	Queries   []Query
	Variables []Variable
	Links     []Link
}

// Query is one query of a panel.
type Query struct {
	// Where names the board, panel and query.
	Where string
	// Panel is the panel's title, RefID the query's.
	Panel, RefID string
	// Datasource is the type of the data source the query runs on: the
	// query's own, else its panel's.
	Datasource string
	// Expr is a Prometheus query's PromQL.
	Expr string
	// RawSQL and Format are a PostgreSQL query's SQL and format.
	RawSQL, Format string
}

// Variable is one template variable.
type Variable struct {
	Name, Type string
	// Datasource is the type of the data source its query runs on.
	Datasource string
	// Query is the variable's query: label_values(...) for Prometheus,
	// SQL for PostgreSQL.
	Query      string
	Multi      bool
	IncludeAll bool
	// AllValue is what "All" stands for ("" lets Grafana list the options).
	AllValue string
}

// Link is a link on a board: one of its dashboard links, a panel's link,
// or a data link on a field.
type Link struct {
	Where, URL string
}

// BoardUID is the uid a link to one of Grafana's boards (/d/<uid>…)
// names, and its query parameters; ok is false for any other link.
func (l Link) BoardUID() (uid string, query url.Values, ok bool) {
	u, err := url.Parse(strings.ReplaceAll(l.URL, "${__url_time_range}", ""))
	if err != nil || !strings.HasPrefix(u.Path, "/d/") {
		return "", nil, false
	}
	uid, _, _ = strings.Cut(strings.TrimPrefix(u.Path, "/d/"), "/")
	return uid, u.Query(), true
}

type datasourceJSON struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type linkJSON struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// OverrideProperty is one property a panel's field override sets, as
// Grafana's dashboard JSON writes it: the property's id and its value,
// left raw since its type depends on the id.
type OverrideProperty struct {
	ID    string          `json:"id"`
	Value json.RawMessage `json:"value"`
}

type panelJSON struct {
	Title      string          `json:"title"`
	Datasource *datasourceJSON `json:"datasource"`
	Targets    []struct {
		RefID      string          `json:"refId"`
		Datasource *datasourceJSON `json:"datasource"`
		Expr       string          `json:"expr"`
		RawSQL     string          `json:"rawSql"`
		Format     string          `json:"format"`
	} `json:"targets"`
	Links       []linkJSON `json:"links"`
	FieldConfig struct {
		Defaults struct {
			Links []linkJSON `json:"links"`
		} `json:"defaults"`
		Overrides []struct {
			Properties []OverrideProperty `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
	Panels []panelJSON `json:"panels"`
}

type boardJSON struct {
	UID        string      `json:"uid"`
	Title      string      `json:"title"`
	Links      []linkJSON  `json:"links"`
	Panels     []panelJSON `json:"panels"`
	Templating struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Datasource *datasourceJSON `json:"datasource"`
			Query      any             `json:"query"`
			Multi      bool            `json:"multi"`
			IncludeAll bool            `json:"includeAll"`
			AllValue   string          `json:"allValue"`
		} `json:"list"`
	} `json:"templating"`
}

// Parse reads a dashboard's JSON: every query of every panel (rows'
// collapsed panels included), every variable and every link.
func Parse(data []byte) (Board, error) {
	var bj boardJSON
	if err := json.Unmarshal(data, &bj); err != nil {
		return Board{}, err
	}
	b := Board{UID: bj.UID, Title: bj.Title}
	for _, l := range bj.Links {
		b.Links = append(b.Links, Link{Where: fmt.Sprintf("%s: dashboard link %q", b.UID, l.Title), URL: l.URL})
	}
	var walk func(ps []panelJSON) error
	walk = func(ps []panelJSON) error {
		for _, p := range ps {
			where := fmt.Sprintf("%s: panel %q", b.UID, p.Title)
			for _, t := range p.Targets {
				ds := t.Datasource
				if ds == nil {
					ds = p.Datasource
				}
				if ds == nil {
					return fmt.Errorf("%s query %s: no data source", where, t.RefID)
				}
				b.Queries = append(b.Queries, Query{
					Where: fmt.Sprintf("%s query %s", where, t.RefID), Panel: p.Title, RefID: t.RefID,
					Datasource: ds.Type, Expr: t.Expr, RawSQL: t.RawSQL, Format: t.Format,
				})
			}
			for _, l := range append(p.Links, p.FieldConfig.Defaults.Links...) {
				b.Links = append(b.Links, Link{Where: fmt.Sprintf("%s link %q", where, l.Title), URL: l.URL})
			}
			for _, o := range p.FieldConfig.Overrides {
				for _, prop := range o.Properties {
					if prop.ID != "links" {
						continue
					}
					var ls []linkJSON
					if err := json.Unmarshal(prop.Value, &ls); err != nil {
						return fmt.Errorf("%s: links override: %w", where, err)
					}
					for _, l := range ls {
						b.Links = append(b.Links, Link{Where: fmt.Sprintf("%s data link %q", where, l.Title), URL: l.URL})
					}
				}
			}
			if err := walk(p.Panels); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(bj.Panels); err != nil {
		return Board{}, err
	}
	for _, v := range bj.Templating.List {
		q, _ := v.Query.(string)
		ds := ""
		if v.Datasource != nil {
			ds = v.Datasource.Type
		}
		if v.Type == "query" && q == "" {
			return Board{}, fmt.Errorf("%s: variable %q: its query is not a string", b.UID, v.Name)
		}
		b.Variables = append(b.Variables, Variable{
			Name: v.Name, Type: v.Type, Datasource: ds, Query: q,
			Multi: v.Multi, IncludeAll: v.IncludeAll, AllValue: v.AllValue,
		})
	}
	return b, nil
}
