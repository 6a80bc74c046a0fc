package main

import (
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govpulse/govpulse/config"
)

// Policy events the portal tests send through ingest, as the issuing
// department's system would (the service hub's token may speak for any
// department).

const (
	typePolicyPublished   = "govpulse.policy.published.v1"
	typePolicyAmended     = "govpulse.policy.amended.v1"
	typePolicyInterpreted = "govpulse.policy.interpreted.v1"
	typePolicyRepealed    = "govpulse.policy.repealed.v1"
)

func portalEvent(typ, id, at string, data map[string]any) testEvent {
	return testEvent{"specversion": "1.0", "id": id, "source": hubSource, "type": typ, "time": at, "data": data}
}

// publishedData is a complete published policy; over replaces fields.
func portalPublished(policyID string, over map[string]any) map[string]any {
	d := map[string]any{
		"policy_id":        policyID,
		"doc_number":       "青政办发〔2025〕1号",
		"title":            "一份政策",
		"issuer":           "qd-xzsp",
		"document_type":    "normative",
		"categories":       []string{"enterprise-startup"},
		"industries":       []string{"c", "i"},
		"enterprise_sizes": []string{"small", "micro"},
		"districts":        []string{},
		"written_at":       "2025-01-02",
		"effective_from":   "2025-01-10",
		"effective_to":     "2027-12-31",
		"body":             "第一条　为优化营商环境，制定本措施。\n第二条　本措施自发布之日起施行。",
		"criteria":         map[string]any{},
		"conditions":       "在本市登记注册的企业。",
		"materials":        []string{"申请表", "营业执照复印件"},
		"support":          "给予一次性补贴。",
		"how_to_apply":     "登录政务服务网在线申报。",
		"contact":          "0532-12345678",
	}
	maps.Copy(d, over)
	maps.DeleteFunc(d, func(_ string, v any) bool { return v == nil }) // nil: leave the field out
	return d
}

// portalPolicies is a small catalogue of policies on the seed's themes:
// one amended with an interpretation, one repealed in favour of it, a
// tax measure, a talent policy that a profile nearly meets.
func portalPolicies() []testEvent {
	return []testEvent{
		portalEvent(typePolicyPublished, "pt-startup-1", "2025-03-05T09:00:00+08:00", portalPublished("qd-xzsp-2025-12", map[string]any{
			"doc_number": "青政办发〔2025〕12号", "title": "关于进一步压缩企业开办时间的若干措施",
			"written_at": "2025-02-28", "effective_from": "2025-03-05",
			"body":             "第一条　为优化营商环境，企业开办时间压缩至1个工作日内。\n第二条　申请人通过网上平台一次提交材料。\n第三条　免费刻制公章。",
			"criteria":         map[string]any{"industries": []string{"c", "i"}, "enterprise_sizes": []string{"small", "micro"}, "max_years_founded": 3},
			"support":          "免费刻制公章，补贴最高2000元。",
			"application_from": "2026-02-01", "application_to": "2026-03-20",
			"how_to_apply": "登录青岛市企业开办智能一窗通平台提交申请。",
		})),
		portalEvent(typePolicyAmended, "pt-startup-2", "2025-09-01T09:00:00+08:00", map[string]any{
			"policy_id": "qd-xzsp-2025-12", "issuer": "qd-xzsp", "doc_number": "青政办发〔2025〕30号", "reason": "补贴标准调整",
			"support": "免费刻制公章，补贴最高3000元。",
			"body":    "第一条　为优化营商环境，企业开办时间压缩至1个工作日内。\n第二条　申请人通过网上平台或窗口一次提交材料。\n第三条　免费刻制公章。",
		}),
		portalEvent(typePolicyInterpreted, "pt-startup-3", "2025-09-05T09:00:00+08:00", map[string]any{
			"policy_id": "qd-xzsp-2025-12", "issuer": "qd-xzsp", "interpretation_id": "qd-xzsp-2025-12-qa", "kind": "qa",
			"title": "企业开办措施问答", "by": "青岛市行政审批服务局",
			"qa": []map[string]string{{"q": "个体工商户可以享受吗？", "a": "本措施适用于新设立的企业。"}},
		}),
		portalEvent(typePolicyPublished, "pt-old-1", "2019-05-01T09:00:00+08:00", portalPublished("qd-xzsp-2019-5", map[string]any{
			"doc_number": "青政办发〔2019〕5号", "title": "青岛市企业开办登记暂行办法", "document_type": "regulation",
			"written_at": "2019-04-20", "effective_from": "2019-05-01", "effective_to": nil,
		})),
		portalEvent(typePolicyRepealed, "pt-old-2", "2025-03-05T09:00:00+08:00", map[string]any{
			"policy_id": "qd-xzsp-2019-5", "issuer": "qd-xzsp", "repealed_at": "2025-03-05", "reason": "已被新措施取代。", "superseded_by": "qd-xzsp-2025-12",
		}),
		portalEvent(typePolicyPublished, "pt-tax-1", "2025-06-01T09:00:00+08:00", portalPublished("qd-sw-2025-8", map[string]any{
			"doc_number": "青税发〔2025〕8号", "title": "关于落实小微企业税费减免政策的通知", "issuer": "qd-xzsp",
			"document_type": "notice", "categories": []string{"tax-finance"}, "written_at": "2025-05-20", "effective_from": "2025-06-01",
			"body":     "对月销售额10万元以下的小规模纳税人免征增值税。\n小型微利企业减按25%计入应纳税所得额。",
			"criteria": map[string]any{"enterprise_sizes": []string{"small", "micro"}},
			"support":  "税费减免。",
		})),
		portalEvent(typePolicyPublished, "pt-talent-1", "2025-07-01T09:00:00+08:00", portalPublished("qd-rs-2025-3", map[string]any{
			"doc_number": "青人社发〔2025〕3号", "title": "高新技术企业引进高层次人才补贴办法",
			"categories": []string{"talent"}, "written_at": "2025-06-20", "effective_from": "2025-07-01",
			"criteria":         map[string]any{"industries": []string{"c", "i"}, "qualifications": []string{"high-tech"}},
			"support":          "每引进一名人才补贴10万元。",
			"application_from": "2026-01-01", "application_to": "2026-06-30",
		})),
	}
}

// startPortal starts a Main whose portal is on its own address, loaded
// with events, and waits until the read models hold them.
func startPortal(t *testing.T, evs []testEvent, configure ...func(*config.Config)) *testServer {
	t.Helper()
	srv := startServer(t, append([]func(*config.Config){func(c *config.Config) {
		c.PortalAddr = "127.0.0.1:0"
		c.PortalRate, c.PortalBurst = 1000, 1000 // the browser tests are one client
	}}, configure...)...)
	srv.ingest(hubToken, evs...)
	waitApplied(t, srv, 60*time.Second)
	return srv
}

// shotsDir is where screenshots go: $GOVPULSE_SHOTS_DIR (the lead looks
// at them), else the test's temporary directory.
func shotsDir(t *testing.T) string {
	if d := os.Getenv("GOVPULSE_SHOTS_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func shotPath(t *testing.T, name string, width int) string {
	return filepath.Join(shotsDir(t), name+"-"+strconv.Itoa(width)+".png")
}

// clickAll clicks every element matching sel (to open every details).
func clickAll(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(` + strconv.Quote(sel) + `).forEach(e => e.click())`)
}
