package web

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/queryparam"
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

// readParams parses a raw query string strictly; allowed lists the names
// the page takes.
func readParams(raw string, allowed []string) (url.Values, *paramError) {
	q := url.Values{}
	for rawName, rawValue := range queryparam.Pairs(raw) {
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

// paramMessages say, in Chinese, what is wrong with a parameter's name
// or value.
var paramMessages = queryparam.Messages{
	BrokenEscape: func(string) string { return "含有残缺的百分号编码（% 后须跟两位十六进制数字）" },
	TooLong:      func(n, limit int) string { return fmt.Sprintf("太长（%d 字节，最多 %d 字节）", n, limit) },
	NotUTF8:      "不是有效的 UTF-8 文字",
	Control:      func(rune) string { return "含有控制字符" },
}

// unescapeParam decodes one percent-encoded name or value and says, in
// Chinese, why it is not acceptable ("" when it is).
func unescapeParam(s string) (string, string) { return paramMessages.Unescape(s, maxParamBytes) }

// clip shortens text quoted back to the visitor.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:40]) + "…"
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

// Which parameters each kind of page takes: those portal.ParseSearchQuery
// and portal.ParseProfile read, which the JSON API reads the same way.
var (
	searchParams  = []string{"q", portal.FilterIssuer, portal.FilterCategory, portal.FilterIndustry, portal.FilterSize, portal.FilterDistrict, portal.FilterDocumentType, portal.FilterValidity, "published_from", "published_to", "page", "page_size"}
	profileParams = []string{portal.FilterIndustry, portal.FilterSize, portal.FilterDistrict, "founded", "qualifications"}
	// listParams may repeat: forms send checkboxes as repeated names.
	listParams = []string{portal.FilterIssuer, portal.FilterCategory, portal.FilterIndustry, portal.FilterSize, portal.FilterDistrict, portal.FilterDocumentType, portal.FilterValidity, "qualifications"}
)

// searchQuery reads a search with the portal's one reading of it.
func (s *Server) searchQuery(q url.Values) (portal.SearchQuery, error) {
	sq, err := portal.ParseSearchQuery(q)
	if err != nil {
		return sq, s.chinese(err, q)
	}
	sq.On = s.today()
	return sq, nil
}

// profile reads a company profile with the portal's one reading of it.
func (s *Server) profile(q url.Values) (portal.Profile, error) {
	p, err := portal.ParseProfile(q, s.today().Time())
	if err != nil {
		return p, s.chinese(err, q)
	}
	p.On = s.today()
	return p, nil
}

// chinese turns a portal.Error naming a parameter into a paramError that
// tells the visitor, in Chinese, what the parameter takes and what was
// given (from the request's parameters q).
func (s *Server) chinese(err error, q url.Values) error {
	var e *portal.Error
	if !errors.As(err, &e) || e.Code != portal.EInvalid || e.Param == "" {
		return err
	}
	pe := badParam(e.Param, "%s", s.hint(e.Param))
	if given := q[e.Param]; len(given) > 0 {
		pe.Message += "（您给的是“" + clip(strings.Join(given, ",")) + "”）"
	}
	return pe
}

// hint says what a parameter takes.
func (s *Server) hint(param string) string {
	c := &s.Choices
	lists := map[string][]events.CodeName{
		portal.FilterIssuer: c.Issuers, portal.FilterCategory: c.Categories, portal.FilterIndustry: c.Industries,
		portal.FilterSize: c.Sizes, portal.FilterDistrict: c.Districts, portal.FilterDocumentType: c.DocumentTypes,
		"qualifications": c.Qualifications,
	}
	if list, ok := lists[param]; ok {
		return fmt.Sprintf("的值不在可选范围内，或选了超过 %d 项；请从页面上的选项中选择%s", portal.MaxFilterValues, examples(list))
	}
	switch param {
	case "q":
		return fmt.Sprintf("有误：搜索词最多 %d 个字，且只能给一次", portal.MaxQueryLen)
	case portal.FilterValidity:
		var ls []string
		for _, v := range portal.Validities {
			ls = append(ls, string(v.Code)+"（"+v.Label+"）")
		}
		return "的值应是 " + strings.Join(ls, "、") + " 之一"
	case "published_from", "published_to":
		return "应是 2024-03-01 这样的日期，且截止日期不早于起始日期"
	case "page":
		return fmt.Sprintf("应是 1 到 %d 之间的整数", portal.MaxPage)
	case "page_size":
		return fmt.Sprintf("应是 1 到 %d 之间的整数", portal.MaxPageSize)
	case "founded":
		return fmt.Sprintf("应是 1900 到 %d 之间的年份，如 2018", s.today().Time().Year())
	}
	return "的值不正确，请修改后再试"
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

// dateParam reads an optional date YYYY-MM-DD between 2000 and 2099
// (the at of a policy page, the since of a feed).
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
