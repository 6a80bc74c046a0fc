package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// policiesPerTheme is how many policy documents each of the eight themes
// has: 320 in all, whatever the scale (a portal needs its whole catalogue).
const policiesPerTheme = 40

// The demo's policy history starts in 2019, the campaign's first year,
// and its legal clean-up (集中清理) of rules and normative documents is
// decided on cleanUpDay, in the proportions of the seed report: of the
// rules, many amended and a few repealed; of the normative documents,
// some amended, more repealed and a few extended.
var (
	firstPolicyDay = calendar.Date{Year: 2019, Month: 3, Day: 1}
	lastPolicyDay  = calendar.Date{Year: 2025, Month: 11, Day: 28}
	cleanUpDay     = calendar.Date{Year: 2025, Month: 6, Day: 30}
)

// The clean-up's shares by document type (seed: rules 32 amended and 3
// repealed; normative documents 14 amended, 36 repealed, 3 extended).
var cleanUp = map[string]struct{ amend, repeal, extend float64 }{
	"regulation": {amend: 0.40, repeal: 0.05},
	"normative":  {amend: 0.12, repeal: 0.30, extend: 0.03},
	"measures":   {amend: 0.10},
	"guide":      {amend: 0.05},
}

// policyEvent is one policy life-cycle event as the issuing department's
// system sends it: only the fields it means, so that an amendment carries
// exactly the fields it changes.
type policyEvent struct {
	typ, issuer, policyID string
	at                    time.Time
	data                  map[string]any
}

// EventType returns the event's type.
func (p policyEvent) EventType() string { return p.typ }

// Department returns the issuing department, which the policy events
// speak for.
func (p policyEvent) Department() string { return p.issuer }

// OccurredAt is the envelope's time: publication, amendment, ... .
func (p policyEvent) OccurredAt() time.Time { return p.at }

// PolicyRef names the policy; only a publication creates it.
func (p policyEvent) PolicyRef() (string, bool) {
	return p.policyID, p.typ == events.TypePolicyPublished
}

// MarshalJSON writes the event's data.
func (p policyEvent) MarshalJSON() ([]byte, error) { return json.Marshal(p.data) }

// demoPolicy is what the usage generator needs to know of a policy.
type demoPolicy struct {
	id, title, docNumber, docType string
	text                          string // what a search finds it by
	published                     time.Time
	repealed                      time.Time // zero when in force
	weight                        float64   // popularity
}

// districtIssuers are the district governments that issue policies of
// their own, with the 代字 of their documents.
var districtIssuers = []struct{ district, department, name, prefix string }{
	{"shinan", "qd-gov-shinan", "市南区", "南政办发"},
	{"shibei", "qd-gov-shibei", "市北区", "北政办发"},
	{"licang", "qd-gov-licang", "李沧区", "李政办发"},
	{"laoshan", "qd-gov-laoshan", "崂山区", "崂政办发"},
	{"huangdao", "qd-gov-huangdao", "西海岸新区", "青西新管发"},
	{"chengyang", "qd-gov-chengyang", "城阳区", "城政办发"},
	{"jimo", "qd-gov-jimo", "即墨区", "即政办发"},
	{"jiaozhou", "qd-gov-jiaozhou", "胶州市", "胶政办发"},
	{"pingdu", "qd-gov-pingdu", "平度市", "平政办发"},
	{"laixi", "qd-gov-laixi", "莱西市", "莱政办发"},
}

// titleForms are the title patterns of each document type; %s is the
// subject, %d a year.
var titleForms = map[string][]string{
	"regulation": {"青岛市%s规定", "青岛市%s管理办法"},
	"normative":  {"%s实施办法", "关于%s的实施意见", "%s管理办法", "%s实施细则"},
	"notice":     {"关于做好%d年%s工作的通知", "关于开展%d年%s工作的通知"},
	"measures":   {"关于%s的若干措施", "%s若干政策措施", "进一步支持%s的若干措施"},
	"guide":      {"%d年度%s申报指南", "%d年%s项目申报指南"},
}

var docTypeShares = []weighted[string]{
	{"regulation", 0.08}, {"normative", 0.35}, {"notice", 0.20}, {"measures", 0.22}, {"guide", 0.15},
}

// policyWriter builds the policies and remembers the 文号 numbers taken.
type policyWriter struct {
	r       *rand.Rand
	loc     *time.Location
	seed    uint64
	numbers map[string]int // next number per 代字 and year
	titles  map[string]bool
	decree  int // 青岛市人民政府令 numbers
}

// generatePolicies writes the demo's policy catalogue for seed: every
// policy's events, in time order, up to the end of day to, and what the
// usage generator needs of the policies published by then. The catalogue
// depends on the seed alone, so demos of different periods or scales
// send the same policies (as duplicates).
func generatePolicies(seed uint64, loc *time.Location, to calendar.Date) ([]Event, []demoPolicy) {
	w := &policyWriter{r: rand.New(rand.NewPCG(seed, 0x9011c1e5)), loc: loc, seed: seed,
		numbers: map[string]int{}, titles: map[string]bool{}, decree: 268}
	end := time.Date(to.Year, to.Month, to.Day, 23, 59, 59, 0, loc)
	type written struct {
		p      demoPolicy
		theme  string
		evs    []Event
		docTyp string
	}
	var all []written
	for _, th := range policyThemes() {
		for i := range policiesPerTheme {
			p, evs := w.policy(th, i)
			all = append(all, written{p: p, theme: th.Name, evs: evs, docTyp: p.docType})
		}
	}
	slices.SortFunc(all, func(a, b written) int { return a.p.published.Compare(b.p.published) })
	// The clean-up: amendments, extensions and repeals, decided on one
	// day and taking effect over the weeks after.
	cleanUpAt := time.Date(cleanUpDay.Year, cleanUpDay.Month, cleanUpDay.Day, 10, 0, 0, 0, loc)
	for i := range all {
		wr := &all[i]
		share, ok := cleanUp[wr.docTyp]
		if !ok || !wr.p.published.Before(cleanUpAt.AddDate(0, -3, 0)) {
			continue
		}
		x := w.r.Float64()
		at := cleanUpAt.AddDate(0, 0, w.r.IntN(45))
		pub := wr.evs[0].Data.(policyEvent)
		switch {
		case x < share.repeal:
			// The successor is the theme's newest policy in force,
			// published before the repeal.
			var successor string
			for j := i + 1; j < len(all) && all[j].p.published.Before(at); j++ {
				if all[j].theme == wr.theme && all[j].p.repealed.IsZero() && r50(w.r) {
					successor = all[j].p.id
				}
			}
			wr.evs = append(wr.evs, w.repeal(pub, at, successor))
			wr.p.repealed = at
		case x < share.repeal+share.extend:
			if to, ok := pub.data["effective_to"].(string); ok {
				wr.evs = append(wr.evs, w.extend(pub, at, to))
			}
		case x < share.repeal+share.extend+share.amend:
			wr.evs = append(wr.evs, w.amend(pub, at))
		}
	}
	var evs []Event
	var policies []demoPolicy
	for _, wr := range all {
		if wr.p.published.After(end) {
			continue
		}
		if !wr.p.repealed.IsZero() && wr.p.repealed.After(end) {
			wr.p.repealed = time.Time{}
		}
		policies = append(policies, wr.p)
		for _, e := range wr.evs {
			if !e.Time().After(end) {
				evs = append(evs, e)
			}
		}
	}
	return evs, policies
}

// day returns a working-hours time on a weekday at or after t's date.
func (w *policyWriter) onWeekday(t time.Time) time.Time {
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		t = t.AddDate(0, 0, 1)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 9+w.r.IntN(7), 0, 0, 0, w.loc)
}

// docNumber is the next 文号 of prefix in year: numbers grow through the
// year with gaps, as a department's other documents take theirs.
func (w *policyWriter) docNumber(prefix string, year int) string {
	if prefix == "" {
		w.decree += 1 + w.r.IntN(3)
		return fmt.Sprintf("青岛市人民政府令第%d号", w.decree)
	}
	key := fmt.Sprintf("%s|%d", prefix, year)
	n := w.numbers[key]
	if n == 0 {
		n = 1 + w.r.IntN(8)
	}
	w.numbers[key] = n + 1 + w.r.IntN(9)
	return fmt.Sprintf("%s〔%d〕%d号", prefix, year, n)
}

func r50(r *rand.Rand) bool { return r.IntN(2) == 0 }

func date(t time.Time) string { return t.Format(time.DateOnly) }

// fill puts the subject and a number into a template.
func fill(tmpl, subject string, n int) string {
	s := strings.ReplaceAll(tmpl, "%s", subject)
	s = strings.ReplaceAll(s, "%d", fmt.Sprint(n))
	return strings.ReplaceAll(s, "%%", "%")
}

func (w *policyWriter) subset(from []string, lo, hi int) []string {
	n := min(len(from), lo+w.r.IntN(hi-lo+1))
	idx := w.r.Perm(len(from))[:n]
	slices.Sort(idx)
	out := make([]string, n)
	for i, k := range idx {
		out[i] = from[k]
	}
	return out
}

// policy writes policy i of theme th: its publication and, for about a
// third, its interpretations.
func (w *policyWriter) policy(th policyTheme, i int) (demoPolicy, []Event) {
	r := w.r
	docType := pick(r, docTypeShares)
	iss := th.Issuers[r.IntN(len(th.Issuers))]
	issuerName, prefix := iss.Name, iss.Prefix
	var districts []string
	titlePrefix := ""
	if docType != "regulation" && r.Float64() < 0.15 {
		d := districtIssuers[r.IntN(len(districtIssuers))]
		iss = issuer{d.department, d.name + "人民政府办公室", d.prefix}
		issuerName, prefix, districts, titlePrefix = iss.Name, iss.Prefix, []string{d.district}, d.name
	}
	if docType == "regulation" {
		iss = issuer{"qd-gov", "青岛市人民政府", ""}
		issuerName, prefix = iss.Name, ""
	}
	// Publication: spread over the years, more in recent ones.
	first := time.Date(firstPolicyDay.Year, firstPolicyDay.Month, firstPolicyDay.Day, 0, 0, 0, 0, w.loc)
	last := time.Date(lastPolicyDay.Year, lastPolicyDay.Month, lastPolicyDay.Day, 0, 0, 0, 0, w.loc)
	span := int(last.Sub(first).Hours() / 24)
	offset := int(float64(span) * (1 - r.Float64()*r.Float64()))
	published := w.onWeekday(first.AddDate(0, 0, offset))
	written := published.AddDate(0, 0, -3-r.IntN(12))
	year := written.Year()

	subject := th.Subjects[(i+r.IntN(2))%len(th.Subjects)]
	title := ""
	for _, form := range append(slices.Clone(titleForms[docType]), titleForms["normative"]...) {
		t := titlePrefix + strings.ReplaceAll(strings.Replace(form, "%d", fmt.Sprint(year), 1), "%s", subject)
		if !w.titles[t] {
			title = t
			break
		}
	}
	for n := 2; title == "" || w.titles[title]; n++ {
		title = fmt.Sprintf("%s%s实施办法（第%d批）", titlePrefix, subject, n)
	}
	w.titles[title] = true
	docNumber := w.docNumber(prefix, year)
	id := fmt.Sprintf("%s-%d-%03d", iss.Department, year, i+1)
	if th.Name != "" {
		id = fmt.Sprintf("%s-%d-%s%02d", iss.Department, year, shortTheme(th.Name), i+1)
	}

	effectiveFrom := published
	if docType == "regulation" {
		effectiveFrom = published.AddDate(0, 0, 30) // 规章 take effect 30 days on
	}
	var effectiveTo string
	switch docType {
	case "normative":
		effectiveTo = date(effectiveFrom.AddDate(5, 0, -1)) // 规范性文件 are valid 5 years
	case "measures":
		effectiveTo = date(effectiveFrom.AddDate(2+r.IntN(2), 0, -1))
	case "guide":
		effectiveTo = fmt.Sprintf("%d-12-31", effectiveFrom.Year())
	}

	body := w.body(th, docType, subject, date(effectiveFrom), effectiveTo)
	data := map[string]any{
		"policy_id": id, "doc_number": docNumber, "title": title, "issuer": iss.Department,
		"document_type": docType, "categories": th.Categories,
		"industries": w.subset(th.Industries, 1, 4), "enterprise_sizes": w.subset(th.Sizes, 1, len(th.Sizes)),
		"districts":  append([]string{}, districts...),
		"written_at": date(written), "effective_from": date(effectiveFrom),
		"body":         body,
		"conditions":   th.Conditions[r.IntN(len(th.Conditions))],
		"materials":    w.subset(th.Materials, 2, 4),
		"support":      fill(th.Support[r.IntN(len(th.Support))], subject, []int{2000, 3000, 5000, 10, 20, 50, 100}[r.IntN(7)]),
		"how_to_apply": fmt.Sprintf("登录青岛政务服务网（爱山东·青e办）“%s”专区在线提交申请，或到%s政务服务窗口办理。", subject, issuerName),
		"contact":      fmt.Sprintf("%s 0532-8%07d", issuerName, r.IntN(10_000_000)),
	}
	if effectiveTo != "" {
		data["effective_to"] = effectiveTo
	}
	criteria := map[string]any{}
	if r.Float64() < 0.6 {
		criteria["industries"] = data["industries"]
	}
	if r.Float64() < 0.7 {
		criteria["enterprise_sizes"] = data["enterprise_sizes"]
	}
	if len(districts) > 0 {
		criteria["districts"] = districts
	}
	if th.MaxYearsFounded > 0 && r.Float64() < 0.7 {
		criteria["max_years_founded"] = th.MaxYearsFounded + 2*r.IntN(2)
	}
	if len(th.Qualifications) > 0 && r.Float64() < 0.65 {
		criteria["qualifications"] = []string{th.Qualifications[r.IntN(len(th.Qualifications))]}
		if r.Float64() < 0.4 {
			criteria["min_years_founded"] = 1 + r.IntN(2)
		}
	}
	data["criteria"] = criteria
	if docType == "guide" || (docType == "measures" && r.Float64() < 0.6) {
		from := effectiveFrom.AddDate(0, 0, 7+r.IntN(24))
		data["application_from"] = date(from)
		data["application_to"] = date(from.AddDate(0, 0, 30+r.IntN(91)))
	}
	pub := policyEvent{typ: events.TypePolicyPublished, issuer: iss.Department, policyID: id, at: published, data: data}
	evs := []Event{w.event(pub, "published")}

	if r.Float64() < 0.34 {
		evs = append(evs, w.interpretations(th, pub, subject, issuerName)...)
	}
	weight := 1 / float64(1+r.IntN(60))
	if data["application_to"] != nil {
		weight *= 2.5
	}
	text := strings.Join([]string{title, docNumber, body, data["support"].(string), data["conditions"].(string)}, "\n")
	return demoPolicy{id: id, title: title, docNumber: docNumber, docType: docType, text: text, published: published, weight: weight}, evs
}

func shortTheme(name string) string {
	return map[string]string{"startup": "kb", "construction": "gc", "utilities": "bz", "credit-tax": "cs",
		"legal": "fl", "talent": "rc", "innovation": "kj", "foreign-trade": "wm"}[name]
}

// event wraps a policy event with its id, which depends on the seed and
// the policy alone.
func (w *policyWriter) event(p policyEvent, what string) Event {
	return Event{ID: fmt.Sprintf("demo-policy-%d-%s-%s", w.seed, p.policyID, what), Data: p}
}

// body writes a document's text, one paragraph per line.
func (w *policyWriter) body(th policyTheme, docType, subject, from, to string) string {
	r := w.r
	n := 4 + r.IntN(3)
	clauses := []string{fill(th.Clauses[0], subject, 0)}
	for _, k := range r.Perm(len(th.Clauses) - 1)[:n-1] {
		clauses = append(clauses, fill(th.Clauses[k+1], subject, 0))
	}
	validity := "本文件自" + from + "起施行"
	if to != "" {
		validity += "，有效期至" + to
	}
	clauses = append(clauses, validity+"。")
	var b strings.Builder
	if docType == "notice" || docType == "guide" {
		b.WriteString("各区、市人民政府，青岛西海岸新区管委，市政府各部门，市直各单位：\n")
		numerals := []string{"一", "二", "三", "四", "五", "六", "七", "八"}
		for i, c := range clauses {
			fmt.Fprintf(&b, "%s、%s\n", numerals[i], c)
		}
	} else {
		numerals := []string{"一", "二", "三", "四", "五", "六", "七", "八"}
		for i, c := range clauses {
			fmt.Fprintf(&b, "第%s条　%s\n", numerals[i], c)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// interpretations writes an official reading (政策解读) of the policy,
// and for most a Q&A, for some a graphic reading (图解) too.
func (w *policyWriter) interpretations(th policyTheme, pub policyEvent, subject, by string) []Event {
	r := w.r
	at := w.onWeekday(pub.at.AddDate(0, 0, 1+r.IntN(10)))
	title := pub.data["title"].(string)
	official := policyEvent{typ: events.TypePolicyInterpreted, issuer: pub.issuer, policyID: pub.policyID, at: at, data: map[string]any{
		"policy_id": pub.policyID, "issuer": pub.issuer, "interpretation_id": pub.policyID + "-jd1", "kind": "official",
		"title": "《" + title + "》政策解读",
		"body": fmt.Sprintf("一、制定背景\n为落实国家和省关于%s的部署，市里研究制定了本文件。\n二、主要内容\n%s\n三、适用对象\n%s\n四、申报方式\n%s",
			subject, pub.data["support"], pub.data["conditions"], pub.data["how_to_apply"]),
		"by": by,
	}}
	evs := []Event{w.event(official, "jd1")}
	if r.Float64() < 0.7 {
		var qa []map[string]string
		for _, k := range r.Perm(len(th.QA)) {
			qa = append(qa, map[string]string{"q": fill(th.QA[k].Q, subject, 0), "a": fill(th.QA[k].A, subject, 0)})
		}
		q := policyEvent{typ: events.TypePolicyInterpreted, issuer: pub.issuer, policyID: pub.policyID, at: at.Add(time.Hour), data: map[string]any{
			"policy_id": pub.policyID, "issuer": pub.issuer, "interpretation_id": pub.policyID + "-wd1", "kind": "qa",
			"title": "《" + title + "》问答", "qa": qa, "by": by,
		}}
		evs = append(evs, w.event(q, "wd1"))
	}
	if r.Float64() < 0.25 {
		g := policyEvent{typ: events.TypePolicyInterpreted, issuer: pub.issuer, policyID: pub.policyID, at: at.Add(2 * time.Hour), data: map[string]any{
			"policy_id": pub.policyID, "issuer": pub.issuer, "interpretation_id": pub.policyID + "-tj1", "kind": "graphic",
			"title": "一图读懂《" + title + "》",
			"body":  fmt.Sprintf("谁能申请：%s\n支持什么：%s\n怎么申请：%s", pub.data["conditions"], pub.data["support"], pub.data["how_to_apply"]),
			"by":    by,
		}}
		evs = append(evs, w.event(g, "tj1"))
	}
	return evs
}

// amend changes a policy's support and one paragraph of its body, by a
// later document of the same issuer.
func (w *policyWriter) amend(pub policyEvent, at time.Time) Event {
	r := w.r
	at = w.onWeekday(at)
	paragraphs := strings.Split(pub.data["body"].(string), "\n")
	k := 1 + r.IntN(len(paragraphs)-2)
	paragraphs[k] = strings.TrimSuffix(paragraphs[k], "。") + "，并实行容缺受理、告知承诺。"
	prefix := ""
	if dn := pub.data["doc_number"].(string); strings.Contains(dn, "〔") {
		prefix = dn[:strings.Index(dn, "〔")]
	}
	data := map[string]any{
		"policy_id": pub.policyID, "issuer": pub.issuer, "doc_number": w.docNumber(prefix, at.Year()),
		"reason": "根据规章和规范性文件集中清理结果，对部分条款予以修改。",
		"body":   strings.Join(paragraphs, "\n"),
	}
	if s, ok := pub.data["support"].(string); ok && r.Float64() < 0.6 {
		data["support"] = s + "补贴标准较原文件提高20%。"
	}
	return w.event(policyEvent{typ: events.TypePolicyAmended, issuer: pub.issuer, policyID: pub.policyID, at: at, data: data}, "amended")
}

// extend prolongs a normative document's validity by three years.
func (w *policyWriter) extend(pub policyEvent, at time.Time, effectiveTo string) Event {
	at = w.onWeekday(at)
	to, _ := time.Parse(time.DateOnly, effectiveTo)
	prefix := ""
	if dn := pub.data["doc_number"].(string); strings.Contains(dn, "〔") {
		prefix = dn[:strings.Index(dn, "〔")]
	}
	data := map[string]any{
		"policy_id": pub.policyID, "issuer": pub.issuer, "effective_to": date(to.AddDate(3, 0, 0)),
		"doc_number": w.docNumber(prefix, at.Year()),
	}
	return w.event(policyEvent{typ: events.TypePolicyExtended, issuer: pub.issuer, policyID: pub.policyID, at: at, data: data}, "extended")
}

// repeal ends a policy, naming its successor when there is one.
func (w *policyWriter) repeal(pub policyEvent, at time.Time, successor string) Event {
	at = w.onWeekday(at)
	data := map[string]any{
		"policy_id": pub.policyID, "issuer": pub.issuer, "repealed_at": date(at),
		"reason": "根据规章和规范性文件集中清理结果，决定予以废止。",
	}
	if successor != "" {
		data["superseded_by"] = successor
		data["reason"] = "已被新文件替代，根据集中清理结果予以废止。"
	}
	return w.event(policyEvent{typ: events.TypePolicyRepealed, issuer: pub.issuer, policyID: pub.policyID, at: at, data: data}, "repealed")
}
