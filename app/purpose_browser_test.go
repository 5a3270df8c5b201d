package app_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kith/models"
)

// TestBrowserPurposeByConsent drives a purpose proposal through the real
// pages in headless chromium: three people sign up, one founds a space and two
// join it; one of them proposes a new purpose on the purpose page, all three
// consent there, and the page then shows the new purpose as version 2, the
// old one in the history, and the one-action re-affirmation.
func TestBrowserPurposeByConsent(t *testing.T) {
	browserCtx := startBrowser(t, "purpose browser test")
	ts := startServer(t, models.SQLite, nil)

	const (
		spaceName = "Review Club"
		slug      = "review-club"
		purpose   = "We read each other's Go code and say what we would change, kindly and concretely."
		proposed  = "We read each other's Go code, say what we would change, and meet monthly to review one real project."
		why       = "The monthly project reviews are what keeps us coming back; the purpose should name them."
	)
	people := []*person{
		newPerson(t, browserCtx, ts.URL, "Ann Lee"),
		newPerson(t, browserCtx, ts.URL, "Bob Stone"),
		newPerson(t, browserCtx, ts.URL, "Cat Reyes"),
	}
	for _, p := range people {
		defer p.close()
		p.signUp()
	}
	ann, bob, cat := people[0], people[1], people[2]

	// Ann founds the space; Bob and Cat join it by affirming its purpose.
	ann.do("fill the space form",
		chromedp.Navigate(ts.URL+"/spaces/new"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/spaces"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/spaces"] input[name=name]`), spaceName),
		chromedp.SendKeys(chromedp.CSS(`form[action="/spaces"] input[name=slug]`), slug),
		chromedp.SendKeys(chromedp.CSS(`form[action="/spaces"] textarea[name=purpose]`), purpose),
		chromedp.Click(chromedp.CSS(`form[action="/spaces"] input[name=visibility][value=open]`)),
	)
	ann.follow("start the space", chromedp.Click(chromedp.CSS(`form[action="/spaces"] button[type=submit]`)))
	ann.wantPath("/s/" + slug)
	for _, p := range []*person{bob, cat} {
		p.do("open the space", chromedp.Navigate(ts.URL+"/s/"+slug), chromedp.WaitVisible(chromedp.CSS(`#join input[name=affirm]`)),
			chromedp.Click(chromedp.CSS(`#join input[name=affirm]`)))
		p.follow("join", chromedp.Click(chromedp.CSS(`#join button[type=submit]`)))
		p.wantText(".membership", "You are a member of "+spaceName)
	}

	// Bob goes to the purpose page from the space's navigation and proposes.
	bob.follow("open Purpose", chromedp.Click(chromedp.CSS(`nav.space-nav a[href="/s/`+slug+`/purpose"]`)))
	bob.wantPath("/s/" + slug + "/purpose")
	bob.wantText("section.purpose .purpose-text", purpose)
	bob.do("fill the proposal",
		chromedp.WaitVisible(chromedp.CSS(`#propose textarea[name=text]`)),
		chromedp.SendKeys(chromedp.CSS(`#propose textarea[name=text]`), proposed),
		chromedp.SendKeys(chromedp.CSS(`#propose textarea[name=rationale]`), why),
	)
	bob.follow("propose", chromedp.Click(chromedp.CSS(`#propose button[type=submit]`)))
	bob.wantPath("/s/" + slug + "/purpose")
	bob.wantText("#proposal blockquote.proposed", proposed)
	bob.wantText("#proposal .rationale", why)
	bob.wantText("#proposal .tally", "0 of 3 members responded")
	if evalJS[bool](bob, `!!document.getElementById('propose')`) {
		t.Fatal("Bob: a second proposal is offered while one is open")
	}

	// All three consent through the page.
	for i, p := range []*person{ann, bob, cat} {
		p.do("open the purpose page", chromedp.Navigate(ts.URL+"/s/"+slug+"/purpose"), chromedp.WaitVisible(chromedp.CSS(`#proposal button[name=consent][value=yes]`)))
		p.wantText("#proposal .my-response", "You have not responded yet.")
		p.follow("consent", chromedp.Click(chromedp.CSS(`#proposal button[name=consent][value=yes]`)))
		p.wantPath("/s/" + slug + "/purpose")
		if i < 2 {
			p.wantText("#proposal .tally", fmt.Sprintf("%d consent", i+1))
			p.wantText("#proposal .my-response", "You consented.")
			if i == 0 {
				p.screenshots("purpose-open")
			}
		}
	}

	// Adopted: the new purpose is version 2, the old one is in the history.
	cat.wantText("section.purpose h2", "version 2")
	if got := cat.text("section.purpose .purpose-text"); got != proposed {
		t.Fatalf("Cat: the purpose shown is %q, want %q", got, proposed)
	}
	if evalJS[bool](cat, `!!document.getElementById('proposal')`) {
		t.Fatal("Cat: the proposal is still shown as open")
	}
	cat.wantText("#history li#version-2 h3", "Version 2")
	cat.wantText("#history li#version-2 .outcome", "Adopted by consent")
	cat.wantText("#history li#version-2 .outcome", "3 consent, 0 object, 3 of 3 members responded")
	cat.wantText("#history li#version-1 h3", "Version 1")
	if got := cat.text("#history li#version-1 .purpose-text"); got != purpose {
		t.Fatalf("Cat: version 1 in the history is %q, want %q", got, purpose)
	}
	cat.wantText("#reaffirm", "You affirmed version 1")
	cat.screenshots("purpose-adopted")

	// Cat re-affirms in one action; the notice goes.
	cat.follow("affirm the new purpose", chromedp.Click(chromedp.CSS(`#reaffirm form[action="/s/`+slug+`/purpose/affirm"] button[type=submit]`)))
	cat.wantPath("/s/" + slug + "/purpose")
	if evalJS[bool](cat, `!!document.getElementById('reaffirm')`) {
		t.Fatal("Cat: the re-affirmation notice is still shown after affirming")
	}
	cat.wantText("p.affirmed", "You affirmed version 2")
	for _, p := range people {
		p.noDialogs()
	}
}

// screenshots looks at the current page light and dark, wide and narrow:
// it must not scroll sideways, its text must pass WCAG AA contrast (wide),
// and each view is kept as a PNG for people to look at.
func (p *person) screenshots(name string) {
	p.t.Helper()
	dir := shotsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	path := p.path()
	for _, scheme := range []string{"light", "dark"} {
		for _, size := range []struct {
			name string
			w, h int64
		}{{"wide", 1280, 900}, {"narrow", 390, 844}} {
			p.screen(scheme, size.w, size.h)
			p.do("reload "+path, chromedp.Navigate(p.base+path), chromedp.WaitVisible(chromedp.CSS("main")))
			if low := evalJS[[]string](p, lowContrastJS); len(low) > 0 && size.name == "wide" {
				p.t.Errorf("%s (%s): text below WCAG AA contrast: %v", name, scheme, low)
			}
			if over := evalJS[int](p, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
				p.t.Errorf("%s (%s, %dpx): the page is %dpx wider than the viewport", name, scheme, size.w, over)
			}
			p.shot(filepath.Join(dir, fmt.Sprintf("%s-%s-%s.png", name, scheme, size.name)))
		}
	}
	p.screen("light", 1280, 900)
	p.do("reload "+path, chromedp.Navigate(p.base+path), chromedp.WaitVisible(chromedp.CSS("main")))
	if got := p.path(); !strings.HasSuffix(got, "/purpose") {
		p.t.Fatalf("%s: after the screenshots the page is %s", p.name, got)
	}
}
