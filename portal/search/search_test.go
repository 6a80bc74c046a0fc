package search

import (
	"strings"
	"testing"

	"github.com/govpulse/govpulse/portal"
)

func TestDocKey(t *testing.T) {
	want := "青政办发〔2020〕12号"
	for _, s := range []string{"青政办发〔2020〕12号", "青政办发[2020]12号", "青政办发(2020)12号", "青政办发（2020）12号",
		"青政办发【2020】12号", "青政办发（２０２０）１２号", "青政办发2020年12号", " 青政办发 〔2020〕 012号 ", "青政办发﹝2020﹞第12号"} {
		if got := DocKey(s); got != want {
			t.Errorf("DocKey(%q) = %q, want %q", s, got, want)
		}
	}
	if _, ok := ParseDocNumber("企业开办"); ok {
		t.Error("企业开办 read as a 文号")
	}
	if _, ok := ParseDocNumber("2020"); ok {
		t.Error("2020 read as a 文号")
	}
}

func TestRunsAndTerms(t *testing.T) {
	got := Runs("关于Ｗｅｂ平台 2020年，税！")
	var parts []string
	for _, r := range got {
		parts = append(parts, r.Text)
	}
	if strings.Join(parts, "|") != "关于|web|平台|2020|年|税" {
		t.Errorf("Runs = %v", parts)
	}
	if terms := (Run{Text: "社会保险", CJK: true}).Terms(); strings.Join(terms, ",") != "社会,会保,保险,险" {
		t.Errorf("Terms = %v", terms)
	}
	if terms := (Run{Text: "税", CJK: true}).Terms(); strings.Join(terms, ",") != "税" {
		t.Errorf("Terms of one character = %v", terms)
	}
}

func TestVectorPartsStayBelowThePositionLimit(t *testing.T) {
	var v VectorBuilder
	v.Add("标题", 'A')
	v.Add(strings.Repeat("企业开办便利化措施。", 3000), 'D') // ~27,000 terms
	parts := v.Parts()
	if len(parts) < 2 {
		t.Fatalf("%d parts, want the body cut in sections", len(parts))
	}
	if !strings.HasPrefix(parts[0], "'标题':1A") {
		t.Errorf("part 0 starts %q", parts[0][:20])
	}
}

func TestQuery(t *testing.T) {
	syn, err := ParseSynonyms([]byte("社保: [社会保险]\n开公司: [企业开办]\n"))
	if err != nil {
		t.Fatal(err)
	}
	q := ParseQuery("社保 补贴 税 abc", syn)
	if got, want := q.TSQuery(), `('社保' | '社会' <-> '会保' <-> '保险') & ('补贴') & ('税':*) & ('abc')`; got != want {
		t.Errorf("TSQuery = %s\nwant      %s", got, want)
	}
	if len(q.Synonyms) != 1 || q.Synonyms[0] != [2]string{"社保", "社会保险"} {
		t.Errorf("synonyms = %v", q.Synonyms)
	}
	r, ok := ParseQuery("小微企业开公司", syn).Relaxed(syn)
	if !ok || len(r.Groups) != 4 || r.Groups[3].Alts[0] != "公司" {
		t.Errorf("relaxed = %+v", r.Groups)
	}
	if !q.Matches("社会保险补贴 税 abc") || q.Matches("社会保险补贴") {
		t.Error("Matches")
	}
	if _, err := ParseSynonyms([]byte("社保: []\n")); err == nil {
		t.Error("a word without terms accepted")
	}
}

func TestHighlightAndSnippet(t *testing.T) {
	parts := Highlight("对ＡＢＣ企业给予社会保险补贴", []string{"abc", "社会保险"})
	want := []portal.SnippetPart{{Text: "对"}, {Text: "ＡＢＣ", Hit: true}, {Text: "企业给予"}, {Text: "社会保险", Hit: true}, {Text: "补贴"}}
	if len(parts) != len(want) {
		t.Fatalf("parts = %+v", parts)
	}
	for i := range want {
		if parts[i] != want[i] {
			t.Errorf("part %d = %+v, want %+v", i, parts[i], want[i])
		}
	}
	body := strings.Repeat("前言。", 50) + "对企业给予社会保险补贴。" + strings.Repeat("附则。", 50)
	sn, ok := Snippet(body, []string{"社会保险"}, 40)
	if !ok || sn[0].Text[:3] != "…" || !sn[1].Hit {
		t.Errorf("snippet = %+v", sn)
	}
	if _, ok := Snippet("<script>alert(1)</script>", []string{"x"}, 40); ok {
		t.Error("found a needle that is not there")
	}
}
