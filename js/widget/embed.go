// Package widget hands the chat panel's DOM helpers (dom.js) to the Go service,
// so that the agent inbox imports the very module the widget is built from, its
// linkify above all, with no build step and no copy to keep in step.
package widget

import _ "embed"

// DOM is dom.js: markup-free element building, safe links in message text, times.
//
//go:embed dom.js
var DOM []byte
