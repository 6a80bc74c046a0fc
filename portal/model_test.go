package portal

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestValidityOn(t *testing.T) {
	d := func(s string) Date {
		v, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	from, to := d("2020-03-01"), d("2022-02-28")
	cases := []struct {
		on, repealed string
		want         Validity
	}{
		{"2020-02-29", "", NotYetInForce},
		{"2020-03-01", "", InForce},
		{"2022-02-28", "", InForce},
		{"2022-03-01", "", Expired},
		{"2021-05-31", "2021-06-01", InForce},
		{"2021-06-01", "2021-06-01", Repealed},
		{"2023-01-01", "2021-06-01", Repealed},
	}
	for _, c := range cases {
		var rep Date
		if c.repealed != "" {
			rep = d(c.repealed)
		}
		if got := ValidityOn(d(c.on), from, to, rep); got != c.want {
			t.Errorf("ValidityOn(%s, repealed %q) = %s, want %s", c.on, c.repealed, got, c.want)
		}
	}
	if got := ValidityOn(d("2099-01-01"), from, Date{}, Date{}); got != InForce {
		t.Errorf("open-ended: got %s, want in_force", got)
	}
	for _, v := range Validities {
		if v.Code.Label() == "" {
			t.Errorf("%s has no label", v.Code)
		}
	}
	if got := Repealed.Label(); got != "已废止" {
		t.Errorf("Repealed.Label() = %q", got)
	}
}

func TestDateJSONAndDays(t *testing.T) {
	d := NewDate(2020, time.December, 31)
	b, _ := json.Marshal(struct{ D, Z Date }{D: d})
	if got, want := string(b), `{"D":"2020-12-31","Z":null}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	var back struct{ D Date }
	if err := json.Unmarshal([]byte(`{"D":"2020-12-31"}`), &back); err != nil || back.D != d {
		t.Errorf("round trip: %v %v", back.D, err)
	}
	if got := d.DaysUntil(NewDate(2021, time.January, 30)); got != 30 {
		t.Errorf("DaysUntil = %d, want 30", got)
	}
	if got := DateOf(time.Date(2020, 12, 31, 17, 0, 0, 0, time.UTC)); got != NewDate(2021, 1, 1) {
		t.Errorf("DateOf UTC evening = %s, want 2021-01-01 (CST)", got)
	}
	if _, err := ParseDate("2020-13-01"); err == nil {
		t.Error("month 13 accepted")
	}
}

func TestDiff(t *testing.T) {
	old := Policy{Title: "关于支持企业的措施", Support: "补贴1000元", Body: "第一条　总则。\n第二条　补贴1000元。\n第三条　附则。", Categories: []string{"talent"}}
	nw := old
	nw.Support = "补贴2000元"
	nw.Body = "第一条　总则。\n第二条　补贴2000元。\n第三条　附则。\n第四条　施行日期。"
	nw.Categories = []string{"talent", "innovation"}
	got := Diff(old, nw)
	if len(got) != 3 || got[0].Field != "categories" || got[1].Field != "body" || got[2].Field != "support" {
		t.Fatalf("Diff fields = %+v", got)
	}
	if got[0].Old != "talent" || got[0].New != "talent、innovation" || got[2].Label != "扶持标准" {
		t.Errorf("changes = %+v", got)
	}
	var ops []string
	for _, p := range got[1].Paragraphs {
		ops = append(ops, string(p.Op)+":"+p.Text)
	}
	want := []string{"same:第一条　总则。", "removed:第二条　补贴1000元。", "added:第二条　补贴2000元。", "same:第三条　附则。", "added:第四条　施行日期。"}
	if strings.Join(ops, "|") != strings.Join(want, "|") {
		t.Errorf("paragraphs = %v\nwant %v", ops, want)
	}
	if len(Diff(old, old)) != 0 {
		t.Error("a policy differs from itself")
	}
}
