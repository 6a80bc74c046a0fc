package browsertest

import (
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The harness must see what it claims to: each check is run on a page
// that breaks it and on one that does not.
func TestHarnessSeesWhatItChecks(t *testing.T) {
	pages := map[string]string{
		"/ok":     `<!doctype html><html lang="en"><head><title>ok</title></head><body><main><h1>Fine</h1><p><a href="/x">a link</a></p></main></body></html>`,
		"/bad":    `<!doctype html><html><head><title>bad</title></head><body><img src="/none.png"><div style="width:2000px">wide</div><b data-xss>x</b><script>window.__xss=1;alert("hi")</script></body></html>`,
		"/inline": `<!doctype html><html lang="en"><head><title>csp</title></head><body><script>alert("blocked")</script></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/inline" {
			w.Header().Set("Content-Security-Policy", "default-src 'none'")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	b := New(t)

	ok := b.NewPage(t, Options{Width: 360, Height: 640})
	if got := ok.Go(srv.URL + "/ok"); got != 200 {
		t.Fatalf("status %d", got)
	}
	if got := ok.HorizontalOverflow(); got != 0 {
		t.Errorf("ok page overflows by %d px", got)
	}
	if v := Serious(ok.Axe()); len(v) != 0 {
		t.Errorf("ok page: %v", v)
	}
	if got := ok.Injected(); len(got) != 0 {
		t.Errorf("ok page: injected %v", got)
	}
	if f := ok.Tab(false); f.Tag != "A" || f.Href != "/x" {
		t.Errorf("first Tab focused %+v, want the link", f)
	}

	bad := b.NewPage(t, Options{Width: 360, Height: 640})
	if got := bad.Go(srv.URL + "/bad"); got != 200 {
		t.Fatalf("status %d", got)
	}
	if got := bad.HorizontalOverflow(); got < 1000 {
		t.Errorf("wide page overflows by %d px, want > 1000", got)
	}
	ids := []string{}
	for _, v := range bad.Axe() {
		ids = append(ids, v.ID)
	}
	if !slices.Contains(ids, "image-alt") || !slices.Contains(ids, "html-has-lang") {
		t.Errorf("axe found %v, want image-alt and html-has-lang", ids)
	}
	inj := strings.Join(bad.Injected(), "; ")
	for _, want := range []string{"window.__xss was set", "data-xss", "<script>"} {
		if !strings.Contains(inj, want) {
			t.Errorf("Injected() = %q, want it to name %q", inj, want)
		}
	}
	if d := bad.Dialogs(); len(d) != 1 || !strings.Contains(d[0], "hi") {
		t.Errorf("dialogs %v, want the alert", d)
	}

	// A CSP without script blocks the inline script; bypassing it lets it run.
	strict := b.NewPage(t, Options{})
	strict.Go(srv.URL + "/inline")
	if d := strict.Dialogs(); len(d) != 0 {
		t.Errorf("CSP page opened %v", d)
	}
	bypass := b.NewPage(t, Options{BypassCSP: true})
	bypass.Go(srv.URL + "/inline")
	if d := bypass.Dialogs(); len(d) != 1 {
		t.Errorf("with the CSP bypassed, dialogs %v, want the alert", d)
	}

	big := b.NewPage(t, Options{Width: 360, Height: 640, FontSize: 32})
	big.Go(srv.URL + "/ok")
	width := Eval[float64](big, "document.querySelector('a').getBoundingClientRect().width")
	if got := Eval[string](big, "getComputedStyle(document.querySelector('p')).fontSize"); got != "32px" {
		t.Errorf("text at 200%%: font size %s, want 32px", got)
	}
	// A screenshot is of the page as shown: at its width and text size.
	shot := filepath.Join(t.TempDir(), "big.png")
	big.Screenshot(shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.DecodeConfig(f)
	if err != nil || img.Width != 360 || img.Height < 640 {
		t.Errorf("screenshot %dx%d (%v), want 360 wide and at least 640 high", img.Width, img.Height, err)
	}
	if got := Eval[float64](big, "document.querySelector('a').getBoundingClientRect().width"); got != width {
		t.Errorf("after the screenshot the link is %v px wide, before %v: the text size changed", got, width)
	}
}
