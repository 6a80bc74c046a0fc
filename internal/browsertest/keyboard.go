package browsertest

import (
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Focused describes the element that has the keyboard focus.
type Focused struct {
	Tag     string `json:"tag"`
	ID      string `json:"id"`
	Href    string `json:"href"`
	Text    string `json:"text"`
	Outline string `json:"outline"` // the computed outline, to see the focus
	Visible bool   `json:"visible"` // inside the viewport once focused
}

const focusedJS = `(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {tag: "BODY", id: "", href: "", text: "", outline: "", visible: false};
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  return {tag: e.tagName, id: e.id || "", href: e.getAttribute("href") || "",
    text: (e.innerText || e.value || e.getAttribute("aria-label") || "").trim().slice(0, 60),
    outline: s.outlineStyle + " " + s.outlineWidth,
    visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight};
})()`

// Tab presses Tab (shift-Tab when back) and returns the focused element.
func (p *Page) Tab(back bool) Focused {
	p.t.Helper()
	var opts []chromedp.KeyOption
	if back {
		opts = append(opts, chromedp.KeyModifiers(kb.ModifierShift))
	}
	p.Do(chromedp.KeyEvent(kb.Tab, opts...))
	return p.Focused()
}

// Focused returns the element that has the focus.
func (p *Page) Focused() Focused { return Eval[Focused](p, focusedJS) }

// Press types keys (kb.Enter, " ", text) into the focused element.
func (p *Page) Press(keys string) { p.t.Helper(); p.Do(chromedp.KeyEvent(keys)) }

// TabTo presses Tab until the focused element satisfies ok, at most max
// times, and fails the test if it never does.
func (p *Page) TabTo(max int, what string, ok func(Focused) bool) Focused {
	p.t.Helper()
	for i := 0; i < max; i++ {
		f := p.Tab(false)
		if ok(f) {
			return f
		}
	}
	p.t.Fatalf("keyboard: %s not reached in %d presses of Tab", what, max)
	return Focused{}
}
