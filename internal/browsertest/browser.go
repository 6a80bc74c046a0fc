package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ExecPath returns Chromium's path: $GOVPULSE_CHROMIUM, else chromium on
// $PATH. Without one the test fails saying how to install it.
func ExecPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("GOVPULSE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("headless Chromium is needed for the portal's browser tests and is not installed: " +
		"run scripts/install-test-tools.sh (apt-get install -y chromium fonts-noto-cjk), or set GOVPULSE_CHROMIUM to its path")
	return ""
}

// Browser is one headless Chromium process, closed when the test ends.
type Browser struct {
	ctx context.Context
}

// New starts Chromium headless (as root it needs --no-sandbox).
func New(t testing.TB) *Browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ExecPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(func(string, ...any) {}))
	// Start the browser now, with a deadline, so a broken install fails here.
	start, cancelStart := context.WithTimeout(bctx, 60*time.Second)
	defer cancelStart()
	if err := chromedp.Do(bctx, chromedp.Func(func(context.Context, *chromedp.Target) error { return start.Err() })); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	return &Browser{ctx: bctx}
}

// Options set up a page.
type Options struct {
	Width, Height int // the viewport in CSS pixels; 0: 1280×900
	// FontSize is the browser's default font size in pixels (16 is
	// Chromium's default; 32 is text at 200%).
	FontSize int
	// BypassCSP turns the page's Content-Security-Policy off, so that a
	// test of escaping sees what escaping alone does.
	BypassCSP bool
}

// Page is one tab. Its methods fail the test on a browser error.
type Page struct {
	t   testing.TB
	ctx context.Context

	opts    Options
	mu      sync.Mutex
	dialogs []string
}

// NewPage opens a tab with opts; every JavaScript dialog that opens in it
// is recorded (see Dialogs) and dismissed.
func (b *Browser) NewPage(t testing.TB, opts Options) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	if opts.Width == 0 {
		opts.Width, opts.Height = 1280, 900
	}
	p := &Page{t: t, ctx: ctx, opts: opts}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.dialogs = append(p.dialogs, fmt.Sprintf("%s: %s", ev.Type, ev.Message))
			p.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	p.Do(chromedp.EmulateViewport(int64(opts.Width), int64(opts.Height)))
	p.setFontSize()
	if opts.BypassCSP {
		p.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
			return err
		}))
	}
	return p
}

// setFontSize applies Options.FontSize.
func (p *Page) setFontSize() {
	p.t.Helper()
	if p.opts.FontSize <= 0 {
		return
	}
	fs := int64(p.opts.FontSize)
	p.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.SetFontSizes, page.SetFontSizesParams{FontSizes: &page.FontSizes{Standard: fs, Fixed: fs * 13 / 16}})
		return err
	}))
}

// timeout bounds every browser step, so a test never hangs.
const timeout = 30 * time.Second

// Do runs actions, failing the test on an error.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := p.DoErr(actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// DoErr runs actions and returns their error.
func (p *Page) DoErr(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Go loads url and returns the HTTP status of the document.
func (p *Page) Go(url string) int {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		p.t.Fatalf("browser: open %s: %v", url, err)
	}
	return int(res.Status)
}

// Eval evaluates a JavaScript expression in the page and decodes its value.
func Eval[T any](p *Page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("browser: evaluate %.80s: %v", expr, err)
	}
	return v
}

// URL is the page's current address.
func (p *Page) URL() string { return Eval[string](p, "location.href") }

// Text is the visible text of the page's body.
func (p *Page) Text() string { return Eval[string](p, "document.body.innerText") }

// Dialogs lists the JavaScript dialogs (alert, confirm, prompt) that opened.
func (p *Page) Dialogs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialogs...)
}

// Screenshot writes a PNG of the whole page to path, as the page's
// viewport width and text size show it. (Chromium's capture beyond the
// viewport drops the text size, so the viewport is stretched to the
// page's height for the capture instead.)
func (p *Page) Screenshot(path string) {
	p.t.Helper()
	h := Eval[int](p, "Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight))")
	h = min(max(h, p.opts.Height), 16000)
	p.Do(chromedp.EmulateViewport(int64(p.opts.Width), int64(h)))
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	p.Do(chromedp.EmulateViewport(int64(p.opts.Width), int64(p.opts.Height)))
	if err != nil {
		p.t.Fatalf("browser: screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// ScreenshotViewport writes a PNG of what the viewport shows: the first
// screen a visitor sees.
func (p *Page) ScreenshotViewport(path string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("browser: screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// HorizontalOverflow is how many CSS pixels the page is wider than its
// viewport (0: no horizontal scrolling).
func (p *Page) HorizontalOverflow() int {
	return Eval[int](p, "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - document.documentElement.clientWidth")
}

// Overflowing names the elements that reach past the viewport's right
// edge, innermost first, to say what makes a page scroll sideways.
func (p *Page) Overflowing() []string {
	return Eval[[]string](p, `(() => {
  const w = document.documentElement.clientWidth, out = [];
  for (const e of document.body.querySelectorAll("*")) {
    const r = e.getBoundingClientRect();
    if (r.right > w + 0.5 && ![...e.children].some(c => c.getBoundingClientRect().right > w + 0.5))
      out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).replace(/ /g, ".") : "") + " right=" + Math.round(r.right));
  }
  return out.slice(0, 10);
})()`)
}
