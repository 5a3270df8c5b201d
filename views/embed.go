// Package views holds kith's html/template pages, embedded in the binary.
// layout.html frames every page; partials/ holds shared pieces; pages/ has one
// file per page, each defining "content".
package views

import "embed"

//go:embed layout.html partials/*.html pages/*.html
var FS embed.FS
