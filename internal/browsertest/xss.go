package browsertest

// Payloads are hostile strings to put in every field a page shows and in
// queries. Each would, if a page let it through as markup, open a dialog,
// set window.__xss, or leave an element or attribute that Injected finds.
var Payloads = []string{
	`<script>window.__xss=1;alert("xss-script")</script>`,
	`"><img src=x onerror="window.__xss=1;alert('xss-img')" data-xss>`,
	`'><svg onload="window.__xss=1;alert('xss-svg')" data-xss></svg>`,
	`</title><script>window.__xss=1</script><title>`,
	`<a href="javascript:window.__xss=1;alert('xss-href')" data-xss>点我</a>`,
	`</textarea><iframe data-xss srcdoc="<script>parent.__xss=1</script>"></iframe>`,
	`<style data-xss>body{display:none}</style>`,
	`javascript:alert('xss-url')`,
	`{{.}} ${alert('xss-tpl')} <b data-xss>粗</b>`,
	`]]><!--<x data-xss>--><details open ontoggle="window.__xss=1" data-xss>`,
}

// injectedJS lists what escaping should have kept out of the page: the
// marker element or attribute of a payload, any script or frame (the
// portal sends none), inline event handlers, javascript: links, and the
// flag a payload's script would have set.
const injectedJS = `(() => {
  const found = [];
  if (window.__xss !== undefined) found.push("window.__xss was set");
  for (const e of document.querySelectorAll("[data-xss]")) found.push("injected element <" + e.tagName.toLowerCase() + " data-xss>");
  for (const e of document.querySelectorAll("script, iframe, object, embed, style, base")) found.push("<" + e.tagName.toLowerCase() + "> element");
  for (const e of document.querySelectorAll("*")) {
    for (const a of e.attributes) {
      if (a.name.startsWith("on")) found.push("event handler " + a.name + " on <" + e.tagName.toLowerCase() + ">");
      if ((a.name === "href" || a.name === "src" || a.name === "action") && /^\s*javascript:/i.test(a.value)) found.push("javascript: URL in " + a.name);
    }
  }
  return found;
})()`

// Injected lists what of a hostile payload became live markup in the
// page; empty when every payload stayed text. Dialogs are in Dialogs.
func (p *Page) Injected() []string { return Eval[[]string](p, injectedJS) }
