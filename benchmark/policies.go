package benchmark

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// policyTheme is a theme of generated policies: its category, issuer,
// 文号 代字 and subjects.
type policyTheme struct {
	category, issuer, agency string
	subjects                 []string
}

var policyThemes = []policyTheme{
	{"enterprise-startup", "qd-xzsp", "青行审发", []string{"企业开办", "设立登记", "印章刻制", "电子营业执照", "企业注销"}},
	{"construction", "qd-zjj", "青建发", []string{"工程建设项目审批", "施工许可", "竣工联合验收", "施工图审查", "低风险项目"}},
	{"utilities", "qd-power", "青电发", []string{"用电报装", "用水报装", "燃气报装", "热力接入"}},
	{"tax-finance", "qd-swj", "青税发", []string{"税费减免", "出口退税", "留抵退税", "纳税服务", "发票申领"}},
	{"credit", "qd-fgw", "青发改财金", []string{"融资担保", "信用贷款", "贷款贴息", "应急转贷"}},
	{"employment", "qd-rsj", "青人社发", []string{"社会保险补贴", "稳岗返还", "吸纳就业补贴", "职业技能培训"}},
	{"talent", "qd-rsj", "青人社规", []string{"人才住房补贴", "留学人员创业", "高校毕业生就业", "博士后资助"}},
	{"innovation", "qd-fgw", "青科发", []string{"高新技术企业", "研发费用", "知识产权质押", "专精特新", "科技成果转化"}},
	{"foreign-trade", "qd-commerce", "青商发", []string{"跨境电子商务", "出口信用保险", "外贸稳订单", "海外仓建设"}},
	{"legal-services", "qd-sfj", "青司发", []string{"法律援助", "公证服务", "商事调解", "律师服务"}},
}

var (
	policyKinds = []struct{ suffix, docType string }{
		{"若干措施", "measures"}, {"实施办法", "normative"}, {"的通知", "notice"}, {"实施细则", "normative"}, {"申报指南", "guide"}, {"管理规定", "regulation"},
	}
	policyPrefixes  = []string{"关于进一步支持", "关于优化", "关于做好", "关于促进", "青岛市", "关于加快"}
	policySentences = []string{
		"为进一步优化营商环境，激发市场主体活力，结合本市实际，制定本%s。",
		"对符合条件的企业，按照%s有关规定给予支持。",
		"申请%s的企业应当在本市依法登记注册，具有独立法人资格。",
		"各区（市）、各部门要加强协调配合，确保%s各项措施落地见效。",
		"%s实行网上申报，申请人可通过政务服务网一次提交材料。",
		"对年度考核优秀的企业，在%s方面给予倾斜。",
		"本%s由市有关部门负责解释，自发布之日起施行。",
		"企业享受%s政策不影响其享受其他扶持政策。",
	}
	policySizes      = []string{"large", "medium", "small", "micro"}
	policyIndustries = []string{"a", "c", "e", "f", "g", "i", "l", "m"}
	policyDistricts  = []string{"shinan", "shibei", "licang", "laoshan", "huangdao", "chengyang", "jimo", "jiaozhou", "pingdu", "laixi"}
)

// GeneratedPolicies are n generated policies as events from source, with
// amendments (10%), interpretations (20%) and repeals (5%) after them,
// and the 文号 and ids of the published ones.
type GeneratedPolicies struct {
	Events     []json.RawMessage
	IDs        []string
	DocNumbers []string
}

// PolicyEvents generates n policies from source, deterministically for seed.
func PolicyEvents(source string, n int, seed uint64) GeneratedPolicies {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var g GeneratedPolicies
	var follow []json.RawMessage
	cst := time.FixedZone("CST", 8*3600)
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	some := func(l []string, k int) []string {
		out := []string{}
		for _, i := range rng.Perm(len(l))[:k] {
			out = append(out, l[i])
		}
		return out
	}
	event := func(id, typ string, at time.Time, data map[string]any) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"specversion": "1.0", "id": id, "source": source, "type": typ,
			"time": at.Format(time.RFC3339), "data": data})
		return b
	}
	for i := range n {
		th := policyThemes[i%len(policyThemes)]
		subject := pick(th.subjects)
		kind := policyKinds[rng.IntN(len(policyKinds))]
		title := pick(policyPrefixes) + subject + kind.suffix
		if rng.IntN(3) == 0 {
			title = pick(policyDistricts[:3]) + "区" + title
		}
		year := 2016 + rng.IntN(9)
		doc := fmt.Sprintf("%s〔%d〕%d号", th.agency, year, i/len(policyThemes)+1)
		pub := time.Date(year, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 9, 0, 0, 0, cst)
		from := pub.AddDate(0, 0, rng.IntN(30))
		var paras []string
		for range 3 + rng.IntN(6) {
			paras = append(paras, fmt.Sprintf(pick(policySentences), subject))
		}
		id := fmt.Sprintf("gen-%06d", i)
		data := map[string]any{"policy_id": id, "doc_number": doc, "title": title, "issuer": th.issuer,
			"document_type": kind.docType, "categories": []string{th.category}, "written_at": pub.AddDate(0, 0, -7).Format(time.DateOnly),
			"effective_from": from.Format(time.DateOnly), "body": strings.Join(paras, "\n"),
			"support":      fmt.Sprintf("对符合条件的企业给予最高%d万元%s支持。", 5*(1+rng.IntN(40)), subject),
			"how_to_apply": "登录青岛政务服务网在线申报。", "contact": "0532-12345"}
		if rng.IntN(2) == 0 {
			data["effective_to"] = from.AddDate(2+rng.IntN(4), 0, 0).Format(time.DateOnly)
		}
		crit := map[string]any{}
		if rng.IntN(2) == 0 {
			crit["enterprise_sizes"] = some(policySizes, 1+rng.IntN(3))
		}
		if rng.IntN(3) == 0 {
			crit["industries"] = some(policyIndustries, 1+rng.IntN(3))
		}
		if rng.IntN(4) == 0 {
			crit["max_years_founded"] = 3 + rng.IntN(8)
		}
		if rng.IntN(6) == 0 {
			crit["qualifications"] = []string{pick([]string{"high-tech", "specialized", "tech-sme", "foreign-trade"})}
		}
		if len(crit) > 0 {
			data["criteria"] = crit
		}
		if rng.IntN(5) == 0 {
			data["districts"] = []string{pick(policyDistricts)}
		}
		if rng.IntN(3) == 0 {
			af := from.AddDate(0, rng.IntN(12), 0)
			data["application_from"] = af.Format(time.DateOnly)
			data["application_to"] = af.AddDate(0, 1+rng.IntN(3), 0).Format(time.DateOnly)
		}
		g.Events = append(g.Events, event("pub-"+id, "govpulse.policy.published.v1", pub, data))
		g.IDs = append(g.IDs, id)
		g.DocNumbers = append(g.DocNumbers, doc)
		switch r := rng.IntN(20); {
		case r < 2:
			follow = append(follow, event("am-"+id, "govpulse.policy.amended.v1", pub.AddDate(1, 0, 0), map[string]any{
				"policy_id": id, "issuer": th.issuer, "doc_number": fmt.Sprintf("%s〔%d〕%d号", th.agency, year+1, 5000+i),
				"reason": "根据实施情况调整扶持标准", "support": fmt.Sprintf("对符合条件的企业给予最高%d万元支持。", 10*(1+rng.IntN(40)))}))
		case r < 3:
			follow = append(follow, event("rp-"+id, "govpulse.policy.repealed.v1", pub.AddDate(2, 0, 0), map[string]any{
				"policy_id": id, "issuer": th.issuer, "repealed_at": pub.AddDate(2, 0, 0).Format(time.DateOnly), "reason": "政策清理"}))
		case r < 7:
			follow = append(follow, event("jd-"+id, "govpulse.policy.interpreted.v1", pub.AddDate(0, 0, 3), map[string]any{
				"policy_id": id, "issuer": th.issuer, "interpretation_id": "jd-" + id, "kind": "qa", "title": title + "问答",
				"qa": []map[string]string{{"q": "哪些企业可以申请" + subject + "？", "a": "在本市登记注册、符合条件的企业均可申请。"}}, "by": "发文机关"}))
		}
	}
	g.Events = append(g.Events, follow...)
	return g
}
