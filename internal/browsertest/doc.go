// Package browsertest drives a real headless Chromium (Debian's
// chromium package) from tests with chromedp: pages at a phone or desktop
// viewport and text size, screenshots, keyboard walks, axe-core
// accessibility checks (axe-core from npm, vendored in axe/ and injected
// into the page), and checks that hostile input stayed inert (no dialog,
// no script, no injected element). A missing Chromium fails the test with
// the command that installs it; it is never skipped.
package browsertest
