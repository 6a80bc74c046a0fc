package web

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
)

// fixtureReader answers from a fixed set of policies. It lets the
// handler tests check the pages' own rules (parameters, status codes,
// headers, escaping, feeds); the end-to-end tests in cmd/govpulse run
// the same pages on the real store.
type fixtureReader struct {
	views    []portal.PolicyView
	searched []portal.SearchQuery
	fail     error // returned by every call when set
}

var fixtureChoices = Choices{
	Issuers:        []events.CodeName{{Code: "qd-xzsp", Name: "青岛市行政审批服务局"}, {Code: "qd-kjj", Name: "青岛市科学技术局"}},
	Categories:     []events.CodeName{{Code: "enterprise-startup", Name: "企业开办"}, {Code: "innovation", Name: "科技创新"}},
	Industries:     []events.CodeName{{Code: "c", Name: "制造业"}, {Code: "i", Name: "信息传输、软件和信息技术服务业"}},
	Sizes:          []events.CodeName{{Code: "small", Name: "小型企业"}, {Code: "micro", Name: "微型企业"}},
	Districts:      []events.CodeName{{Code: "shinan", Name: "市南区"}, {Code: "laoshan", Name: "崂山区"}},
	DocumentTypes:  []events.CodeName{{Code: "normative", Name: "规范性文件"}, {Code: "guide", Name: "申报指南"}},
	Qualifications: []events.CodeName{{Code: "high-tech", Name: "高新技术企业"}, {Code: "specialized", Name: "专精特新企业"}},
}

func fixturePolicy(id, title string) portal.PolicyView {
	two := 2
	p := portal.Policy{
		ID: id, DocNumber: "青政办发〔2020〕12号", Title: title, Issuer: "qd-xzsp", DocumentType: "normative",
		Categories: []string{"enterprise-startup"}, Industries: []string{"c"}, EnterpriseSizes: []string{"small"},
		WrittenAt: portal.NewDate(2020, 3, 1), PublishedAt: portal.NewDate(2020, 3, 5),
		EffectiveFrom: portal.NewDate(2020, 4, 1), EffectiveTo: portal.NewDate(2027, 3, 31),
		Body:       "第一条 为优化营商环境，制定本办法。\n第二条 企业开办一个工作日内办结。",
		Criteria:   portal.Criteria{Industries: []string{"c"}, EnterpriseSizes: []string{"small"}, MinYearsFounded: &two},
		Conditions: "在本市登记注册。", Materials: []string{"申请表", "营业执照"}, Support: "给予一次性补贴 5 万元。",
		ApplicationFrom: portal.NewDate(2026, 2, 1), ApplicationTo: portal.NewDate(2026, 3, 31),
		HowToApply: "登录政务服务网在线申报。", Contact: "0532-12345678",
	}
	return portal.PolicyView{
		Policy:  p,
		Names:   portal.Names{Issuer: "青岛市行政审批服务局", DocumentType: "规范性文件", Categories: []string{"企业开办"}, Districts: []string{"全市"}},
		Version: 2, Current: 2, On: portal.NewDate(2026, 3, 2), Validity: portal.InForce, ValidityLabel: "现行有效",
		Versions: []portal.Version{
			{N: 1, Kind: portal.KindPublished, At: time.Date(2020, 3, 5, 9, 0, 0, 0, time.UTC), DocNumber: p.DocNumber},
			{N: 2, Kind: portal.KindAmended, At: time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC), DocNumber: "青政办发〔2021〕3号", Reason: "提高补贴标准",
				Changes: []portal.Change{
					{Field: "support", Label: "扶持标准", Old: "给予一次性补贴 3 万元。", New: "给予一次性补贴 5 万元。"},
					{Field: "body", Label: "正文", Paragraphs: []portal.ParagraphDiff{{Op: portal.ParagraphSame, Text: "第一条 为优化营商环境，制定本办法。"}, {Op: portal.ParagraphRemoved, Text: "第二条 三个工作日内办结。"}, {Op: portal.ParagraphAdded, Text: "第二条 企业开办一个工作日内办结。"}}},
				}},
		},
		Interpretations: []portal.Interpretation{{ID: "i1", Kind: "qa", KindLabel: "问答", Title: "常见问题", Body: "解读正文。", QA: []portal.QA{{Q: "谁可以申请？", A: "小型制造企业。"}}, By: "市行政审批局", At: time.Date(2020, 3, 10, 9, 0, 0, 0, time.UTC)}},
	}
}

func newFixture() *fixtureReader {
	return &fixtureReader{views: []portal.PolicyView{fixturePolicy("qd-2020-12", "关于优化企业开办服务的若干措施")}}
}

func (f *fixtureReader) find(id string) (portal.PolicyView, error) {
	for _, v := range f.views {
		if v.Policy.ID == id {
			return v, nil
		}
	}
	return portal.PolicyView{}, portal.NotFound("policy %q not found", id)
}

func summary(v portal.PolicyView) portal.PolicySummary {
	p := v.Policy
	return portal.PolicySummary{ID: p.ID, DocNumber: p.DocNumber, Title: p.Title, Issuer: p.Issuer, IssuerName: v.Names.Issuer,
		DocumentType: p.DocumentType, PublishedAt: p.PublishedAt, EffectiveFrom: p.EffectiveFrom, EffectiveTo: p.EffectiveTo,
		ApplicationFrom: p.ApplicationFrom, ApplicationTo: p.ApplicationTo, Validity: v.Validity, ValidityLabel: v.ValidityLabel, Versions: len(v.Versions)}
}

func (f *fixtureReader) Search(_ context.Context, q portal.SearchQuery) (portal.SearchResult, error) {
	if f.fail != nil {
		return portal.SearchResult{}, f.fail
	}
	f.searched = append(f.searched, q)
	res := portal.SearchResult{Query: q, Page: portal.Page{Number: max(q.Page, 1), Size: 10}}
	for _, v := range f.views {
		if q.Q == "" || strings.Contains(v.Policy.Title, q.Q) || strings.Contains(v.Policy.Body, q.Q) {
			h := portal.Hit{PolicySummary: summary(v), TitleParts: []portal.SnippetPart{{Text: v.Policy.Title}}, Snippet: []portal.SnippetPart{{Text: v.Policy.Body[:min(len(v.Policy.Body), 60)]}, {Text: q.Q, Hit: true}}}
			res.Hits = append(res.Hits, h)
		}
	}
	res.Page.Total = len(res.Hits)
	res.Page.Pages = 1
	res.Facets = portal.Facets{{Filter: portal.FilterCategory, Label: "政策类别", Values: []portal.FacetValue{{Code: "enterprise-startup", Name: "企业开办", Count: len(res.Hits), Selected: slices.Contains(q.Categories, "enterprise-startup")}}}}
	if len(res.Hits) == 0 {
		res.Help = &portal.ZeroResultHelp{SimilarTitles: []portal.PolicySummary{summary(f.views[0])}}
	}
	return res, nil
}

func (f *fixtureReader) Policy(_ context.Context, id string, at *portal.Date) (portal.PolicyView, error) {
	if f.fail != nil {
		return portal.PolicyView{}, f.fail
	}
	v, err := f.find(id)
	if err == nil && at != nil {
		v.On = *at
	}
	return v, err
}

func (f *fixtureReader) Version(_ context.Context, id string, n int) (portal.PolicyView, error) {
	v, err := f.find(id)
	if err != nil {
		return v, err
	}
	if n > len(v.Versions) {
		return portal.PolicyView{}, portal.NotFound("policy %q has no version %d", id, n)
	}
	v.Version = n
	return v, nil
}

func (f *fixtureReader) Match(_ context.Context, p portal.Profile) (portal.MatchResult, error) {
	res := portal.MatchResult{Profile: p}
	for _, v := range f.views {
		res.Matches = append(res.Matches, portal.PolicyMatch{PolicySummary: summary(v), Met: 1, Unknown: 1, Criteria: []portal.CriterionResult{
			{Criterion: "industries", Label: "行业", Required: "制造业", Outcome: portal.Met},
			{Criterion: "years_founded", Label: "成立年限", Required: "成立满 2 年", Outcome: portal.Unknown, Reason: "未填写成立年份"},
		}})
	}
	return res, nil
}

func (f *fixtureReader) Home(_ context.Context, today portal.Date) (portal.HomeView, error) {
	if f.fail != nil {
		return portal.HomeView{}, f.fail
	}
	h := portal.HomeView{Today: today, Total: len(f.views), Categories: []portal.FacetValue{{Code: "enterprise-startup", Name: "企业开办", Count: 1}}}
	for _, v := range f.views {
		h.Newest = append(h.Newest, summary(v))
		h.ClosingSoon = append(h.ClosingSoon, portal.Deadline{PolicyID: v.Policy.ID, Title: v.Policy.Title, DocNumber: v.Policy.DocNumber, From: v.Policy.ApplicationFrom, To: v.Policy.ApplicationTo})
	}
	return h, nil
}

func (f *fixtureReader) Changes(_ context.Context, since time.Time, q *portal.SearchQuery, p *portal.Profile, id string, limit int) ([]portal.ChangeEntry, error) {
	var out []portal.ChangeEntry
	for _, v := range f.views {
		if id != "" && v.Policy.ID != id {
			continue
		}
		for i := len(v.Versions) - 1; i >= 0; i-- {
			ver := v.Versions[i]
			if ver.At.Before(since) || len(out) == limit {
				continue
			}
			out = append(out, portal.ChangeEntry{PolicyID: v.Policy.ID, Title: v.Policy.Title, Kind: ver.Kind, Version: ver.N, At: ver.At, DocNumber: ver.DocNumber, Summary: "修订了扶持标准"})
		}
	}
	return out, nil
}

func (f *fixtureReader) Deadlines(_ context.Context, q *portal.SearchQuery, p *portal.Profile) ([]portal.Deadline, error) {
	var out []portal.Deadline
	for _, v := range f.views {
		out = append(out, portal.Deadline{PolicyID: v.Policy.ID, Title: v.Policy.Title, DocNumber: v.Policy.DocNumber, From: v.Policy.ApplicationFrom, To: v.Policy.ApplicationTo, HowToApply: v.Policy.HowToApply})
	}
	return out, nil
}

// recorded is a usage.Recorder that keeps what it was told.
type recorded struct {
	views    []string // policyID/origin
	searches []string
}

func (r *recorded) View(id, origin string) { r.views = append(r.views, id+"/"+origin) }
func (r *recorded) Search(q string, n int) { r.searches = append(r.searches, q) }
