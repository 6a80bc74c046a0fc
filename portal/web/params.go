package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
)

// Query strings are read once, strictly, before a page asks the reader
// anything: a broken escape, a control character, invalid UTF-8, an
// unknown parameter, a single-valued one given twice or a value that is
// not one of the catalogue's codes is a 400 page that names the parameter
// in Chinese. Forms send list filters as repeated names (category=a&
// category=b); a comma list is read the same way.

// maxParamBytes bounds one decoded parameter value.
const maxParamBytes = 1000

// paramLabels are the Chinese names of the parameters, for error pages.
var paramLabels = map[string]string{
	"q":                       "搜索词",
	portal.FilterIssuer:       "发文机关",
	portal.FilterCategory:     "政策类别",
	portal.FilterIndustry:     "行业",
	portal.FilterSize:         "企业规模",
	portal.FilterDistrict:     "区（市）",
	portal.FilterDocumentType: "文件类型",
	portal.FilterValidity:     "有效性",
	"published_from":          "发布日期（起）",
	"published_to":            "发布日期（止）",
	"page":                    "页码",
	"at":                      "日期",
	"from":                    "来源",
	"founded":                 "成立年份",
	"qualifications":          "企业资质",
	"since":                   "起始日期",
	"n":                       "版本号",
	"limit":                   "条数",
}

// paramError is a bad request parameter, told to the visitor in Chinese.
type paramError struct {
	Param   string // the parameter's name as in the URL
	Message string // a Chinese sentence saying what is wrong and what to do
}

func (e *paramError) Error() string { return e.Param + ": " + e.Message }

func badParam(name, format string, args ...any) *paramError {
	label := paramLabels[name]
	if label == "" {
		label = name
	}
	return &paramError{Param: name, Message: fmt.Sprintf("参数 %s（%s）%s", name, label, fmt.Sprintf(format, args...))}
}

// Which parameters each kind of page takes; list parameters may repeat.
var (
	searchParams  = []string{"q", portal.FilterIssuer, portal.FilterCategory, portal.FilterIndustry, portal.FilterSize, portal.FilterDistrict, portal.FilterDocumentType, portal.FilterValidity, "published_from", "published_to", "page"}
	profileParams = []string{portal.FilterIndustry, portal.FilterSize, portal.FilterDistrict, "founded", "qualifications"}
	listParams    = []string{portal.FilterIssuer, portal.FilterCategory, portal.FilterIndustry, portal.FilterSize, portal.FilterDistrict, portal.FilterDocumentType, portal.FilterValidity, "qualifications"}
)

// readParams parses a raw query string strictly; allowed lists the names
// the page takes.
func readParams(raw string, allowed []string) (url.Values, *paramError) {
	q := url.Values{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, why := unescapeParam(rawName)
		if why != "" {
			return nil, &paramError{Param: clip(rawName), Message: "参数名 " + clip(rawName) + " " + why}
		}
		if !slices.Contains(allowed, name) {
			if len(allowed) == 0 {
				return nil, &paramError{Param: clip(name), Message: fmt.Sprintf("本页不接受参数 %s；请去掉它再试", clip(name))}
			}
			return nil, &paramError{Param: clip(name), Message: fmt.Sprintf("本页不认识参数 %s；可用的参数有 %s", clip(name), strings.Join(allowed, "、"))}
		}
		if q.Has(name) && !slices.Contains(listParams, name) {
			return nil, badParam(name, "只能给一次")
		}
		value, why := unescapeParam(rawValue)
		if why != "" {
			return nil, badParam(name, "%s", why)
		}
		q.Add(name, value)
	}
	return q, nil
}

// unescapeParam decodes one percent-encoded name or value and says, in
// Chinese, why it is not acceptable ("" when it is).
func unescapeParam(s string) (string, string) {
	v, err := url.QueryUnescape(s)
	if err != nil {
		return "", "含有残缺的百分号编码（% 后须跟两位十六进制数字）"
	}
	if len(v) > maxParamBytes {
		return "", fmt.Sprintf("太长（%d 字节，最多 %d 字节）", len(v), maxParamBytes)
	}
	if !utf8.ValidString(v) {
		return "", "不是有效的 UTF-8 文字"
	}
	for _, c := range v {
		if unicode.IsControl(c) {
			return "", "含有控制字符"
		}
	}
	return v, ""
}

// clip shortens text quoted back to the visitor.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:40]) + "…"
}

// listValues splits a list parameter's values (repeated or comma
// separated), dropping blanks and repeats.
func listValues(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// codes reads a list parameter whose values must be codes of list.
func codes(q url.Values, name string, list []events.CodeName) ([]string, *paramError) {
	vals := listValues(q, name)
	if len(vals) > portal.MaxFilterValues {
		return nil, badParam(name, "最多选 %d 项，给了 %d 项", portal.MaxFilterValues, len(vals))
	}
	for _, v := range vals {
		if !hasCode(list, v) {
			return nil, badParam(name, "的值 %q 不在可选范围内%s", clip(v), examples(list))
		}
	}
	return vals, nil
}

// oneCode reads a single-valued code parameter ("" when absent).
func oneCode(q url.Values, name string, list []events.CodeName) (string, *paramError) {
	vals, err := codes(q, name, list)
	if err != nil {
		return "", err
	}
	if len(vals) > 1 {
		return "", badParam(name, "只能选一项")
	}
	if len(vals) == 0 {
		return "", nil
	}
	return vals[0], nil
}

func hasCode(list []events.CodeName, code string) bool {
	return slices.ContainsFunc(list, func(c events.CodeName) bool { return c.Code == code })
}

// examples names a few valid codes with their names, for an error.
func examples(list []events.CodeName) string {
	if len(list) == 0 {
		return ""
	}
	var parts []string
	for i, c := range list {
		if i == 4 {
			parts = append(parts, "……")
			break
		}
		parts = append(parts, c.Code+"（"+c.Name+"）")
	}
	return "，例如 " + strings.Join(parts, "、")
}

// dateParam reads an optional date YYYY-MM-DD between 2000 and 2099.
func dateParam(q url.Values, name string) (portal.Date, *paramError) {
	v := q.Get(name)
	if v == "" {
		return portal.Date{}, nil
	}
	d, err := portal.ParseDate(v)
	if err != nil {
		return portal.Date{}, badParam(name, "的值 %q 不是日期，请写成 2024-03-01 这样的格式", clip(v))
	}
	if d.Before(portal.NewDate(2000, 1, 1)) || d.After(portal.NewDate(2099, 12, 31)) {
		return portal.Date{}, badParam(name, "的日期 %s 超出了 2000-01-01 至 2099-12-31 的范围", v)
	}
	return d, nil
}

// intParam reads an optional whole number within [lo, hi].
func intParam(q url.Values, name string, lo, hi int) (int, bool, *paramError) {
	v := q.Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, false, badParam(name, "的值 %q 应是 %d 到 %d 之间的整数", clip(v), lo, hi)
	}
	return n, true, nil
}

// searchQuery reads a search (the parameters of /search) from q.
func (c *Choices) searchQuery(q url.Values) (portal.SearchQuery, *paramError) {
	var sq portal.SearchQuery
	var err *paramError
	sq.Q = strings.TrimSpace(q.Get("q"))
	if n := utf8.RuneCountInString(sq.Q); n > portal.MaxQueryLen {
		return sq, badParam("q", "太长（%d 个字），最多 %d 个字", n, portal.MaxQueryLen)
	}
	for _, f := range []struct {
		name string
		list []events.CodeName
		dst  *[]string
	}{
		{portal.FilterIssuer, c.Issuers, &sq.Issuers},
		{portal.FilterCategory, c.Categories, &sq.Categories},
		{portal.FilterIndustry, c.Industries, &sq.Industries},
		{portal.FilterSize, c.Sizes, &sq.EnterpriseSizes},
		{portal.FilterDistrict, c.Districts, &sq.Districts},
		{portal.FilterDocumentType, c.DocumentTypes, &sq.DocumentTypes},
	} {
		if *f.dst, err = codes(q, f.name, f.list); err != nil {
			return sq, err
		}
	}
	vals, err := codes(q, portal.FilterValidity, validityChoices())
	if err != nil {
		return sq, err
	}
	for _, v := range vals {
		sq.Validities = append(sq.Validities, portal.Validity(v))
	}
	if sq.PublishedFrom, err = dateParam(q, "published_from"); err != nil {
		return sq, err
	}
	if sq.PublishedTo, err = dateParam(q, "published_to"); err != nil {
		return sq, err
	}
	if !sq.PublishedFrom.IsZero() && !sq.PublishedTo.IsZero() && sq.PublishedTo.Before(sq.PublishedFrom) {
		return sq, badParam("published_to", "的日期 %s 早于起始日期 %s", sq.PublishedTo, sq.PublishedFrom)
	}
	if sq.Page, _, err = intParam(q, "page", 1, portal.MaxPage); err != nil {
		return sq, err
	}
	return sq, nil
}

// profile reads a company profile (the parameters of /match) from q;
// thisYear bounds the founding year.
func (c *Choices) profile(q url.Values, thisYear int) (portal.Profile, *paramError) {
	var p portal.Profile
	var err *paramError
	if p.Industry, err = oneCode(q, portal.FilterIndustry, c.Industries); err != nil {
		return p, err
	}
	if p.Size, err = oneCode(q, portal.FilterSize, c.Sizes); err != nil {
		return p, err
	}
	if p.District, err = oneCode(q, portal.FilterDistrict, c.Districts); err != nil {
		return p, err
	}
	if p.Founded, _, err = intParam(q, "founded", 1949, thisYear); err != nil {
		return p, err
	}
	if p.Qualifications, err = codes(q, "qualifications", c.Qualifications); err != nil {
		return p, err
	}
	return p, nil
}

// validityChoices are the validities as a code list.
func validityChoices() []events.CodeName {
	var out []events.CodeName
	for _, v := range portal.Validities {
		out = append(out, events.CodeName{Code: string(v.Code), Name: v.Label})
	}
	return out
}

// originParam reads the from parameter: where a policy page's visitor
// came from (one of events.ViewOrigins; direct when absent).
func originParam(q url.Values) (string, *paramError) {
	v := q.Get("from")
	if v == "" {
		return events.OriginDirect, nil
	}
	if !slices.Contains(events.ViewOrigins(), v) {
		return "", badParam("from", "的值 %q 无效，可用 %s", clip(v), strings.Join(events.ViewOrigins(), "、"))
	}
	return v, nil
}
