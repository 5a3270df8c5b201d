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

// TestBrowserInviteFlow drives the invite flow through the real pages in
// headless chromium: Ann, steward of an invite-only space, finds Bob by his
// name and invites him; Bob sees the invitation under /invitations and on the
// space page, with the purpose; he affirms it, accepts, and reads the
// space's threads, which were closed to him until then.
func TestBrowserInviteFlow(t *testing.T) {
	browserCtx := startBrowser(t, "invite-flow browser test")
	ts := startServer(t, models.SQLite, nil)
	ann := newPerson(t, browserCtx, ts.URL, "Ann Lee")
	defer ann.close()
	bob := newPerson(t, browserCtx, ts.URL, "Bob Stone")
	defer bob.close()

	const (
		slug    = "inner-circle"
		name    = "Inner Circle"
		purpose = "We review each other's Go before it ships, and say plainly what we would change."
		title   = "Welcome to the circle"
	)
	ann.signUp()
	bob.signUp()

	// Ann starts an invite-only space and a thread in it.
	ann.do("open the space form",
		chromedp.Navigate(ts.URL+"/spaces/new"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/spaces"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/spaces"] input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`form[action="/spaces"] input[name=slug]`), slug),
		chromedp.SendKeys(chromedp.CSS(`form[action="/spaces"] textarea[name=purpose]`), purpose),
		chromedp.Click(chromedp.CSS(`form[action="/spaces"] input[name=visibility][value=invite]`)),
	)
	ann.follow("start the space", chromedp.Click(chromedp.CSS(`form[action="/spaces"] button[type=submit]`)))
	ann.wantPath("/s/" + slug)
	ann.follow("open New thread", chromedp.Click(chromedp.CSS(`a[href="/s/`+slug+`/new"]`)))
	ann.do("write the thread",
		chromedp.WaitVisible(chromedp.CSS(`form[action="/s/`+slug+`/threads"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/s/`+slug+`/threads"] input[name=title]`), title),
		chromedp.SendKeys(chromedp.CSS(`form[action="/s/`+slug+`/threads"] textarea[name=body]`), "Glad you are here."),
	)
	ann.follow("start the thread", chromedp.Click(chromedp.CSS(`form[action="/s/`+slug+`/threads"] button[type=submit]`)))

	// Before any invitation, Bob cannot even see the space.
	bob.do("try the space", chromedp.Navigate(ts.URL+"/s/"+slug), chromedp.WaitVisible(chromedp.CSS("main")))
	bob.wantText("main h1", "Not found")

	// Ann finds Bob by his name from the space's Invite page, and invites him.
	ann.follow("go to the space", chromedp.Navigate(ts.URL+"/s/"+slug))
	ann.follow("open Invite", chromedp.Click(chromedp.CSS(`.space-nav a[href="/s/`+slug+`/invite"]`)))
	ann.wantPath("/s/" + slug + "/invite")
	ann.do("search for Bob", chromedp.SendKeys(chromedp.CSS(`main form[role=search] input[name=q]`), "bob"))
	ann.follow("search", chromedp.Click(chromedp.CSS(`main form[role=search] button[type=submit]`)))
	ann.wantText("ul.found", "Bob Stone")
	if strings.Contains(ann.text("main"), "bob.stone@example.com") {
		t.Fatal("Ann: the search shows Bob's email")
	}
	ann.follow("invite Bob", chromedp.Click(chromedp.CSS(`ul.found button[aria-label="Invite Bob Stone"]`)))
	ann.wantPath("/s/" + slug + "/invite")
	ann.wantText("#invitations", "Bob Stone")
	ann.wantText("ul.found", "invited")

	lookAt(t, ann, "invite", "/s/"+slug+"/invite?q=bob")

	// Bob sees the invitation with the purpose under /invitations.
	lookAt(t, bob, "invitations", "/invitations")
	lookAt(t, bob, "space-invitee", "/s/"+slug)
	bob.follow("open /invitations", chromedp.Navigate(ts.URL+"/invitations"))
	bob.wantText("li.invitation .title", name)
	bob.wantText("li.invitation", "Invited by Ann Lee")
	if got := bob.text("li.invitation blockquote.purpose-text"); got != purpose {
		t.Fatalf("Bob: /invitations shows the purpose %q, want %q", got, purpose)
	}

	// The space page shows him its purpose and the invitation, not its threads.
	bob.follow("open the space", chromedp.Click(chromedp.CSS(`li.invitation a.title`)))
	bob.wantPath("/s/" + slug)
	if got := bob.text("section.purpose .purpose-text"); got != purpose {
		t.Fatalf("Bob: the space page shows the purpose %q", got)
	}
	bob.wantText(".membership", "Ann Lee invited you to join "+name)
	bob.wantText("main p.empty", "Only members read the threads")
	if strings.Contains(bob.text("main"), title) {
		t.Fatal("Bob: the threads show before he accepted")
	}

	// He affirms the purpose and accepts; he is a member and reads the thread.
	bob.do("affirm the purpose", chromedp.Click(chromedp.CSS(`.membership form.accept input[name=affirm]`)))
	if !evalJS[bool](bob, `document.querySelector('.membership form.accept input[name=affirm]').checked`) {
		t.Fatal("Bob: the affirmation is not ticked")
	}
	bob.follow("accept", chromedp.Click(chromedp.CSS(`.membership form.accept button[type=submit]`)))
	bob.wantPath("/s/" + slug)
	bob.wantText(".membership", "You are a member of "+name)
	bob.wantText(".space-head .meta", "2 members")
	bob.follow("open the thread", chromedp.Click(chromedp.CSS(`.threads a.title`)))
	bob.wantText("main h1", title)
	bob.wantText(".posts", "Glad you are here.")
	bob.follow("open /invitations again", chromedp.Navigate(ts.URL+"/invitations"))
	bob.wantText("main p.empty", "No invitations wait for your answer.")

	ann.follow("open the space", chromedp.Navigate(ts.URL+"/s/"+slug))
	ann.follow("open Start a successor", chromedp.Click(chromedp.CSS(`.space-nav a[href="/s/`+slug+`/successor"]`)))
	lookAt(t, ann, "successor", "/s/"+slug+"/successor")

	ann.noDialogs()
	bob.noDialogs()
}

// lookAt opens a page light and dark, wide and narrow, checks that it never
// scrolls sideways and that its text keeps WCAG AA contrast, and takes
// screenshots for people to look at. It leaves the person on the page,
// light and wide.
func lookAt(t *testing.T, p *person, name, path string) {
	t.Helper()
	dir := shotsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, scheme := range []string{"light", "dark"} {
		for _, size := range []struct {
			name string
			w, h int64
		}{{"wide", 1280, 900}, {"narrow", 390, 844}} {
			p.screen(scheme, size.w, size.h)
			p.do("open "+path, chromedp.Navigate(p.base+path), chromedp.WaitVisible(chromedp.CSS("main")))
			if low := evalJS[[]string](p, lowContrastJS); len(low) > 0 {
				t.Errorf("%s (%s, %s): text below WCAG AA contrast: %v", name, scheme, size.name, low)
			}
			if over := evalJS[int](p, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
				t.Errorf("%s (%s, %dpx): the page is %dpx wider than the viewport", name, scheme, size.w, over)
			}
			p.shot(filepath.Join(dir, fmt.Sprintf("%s-%s-%s.png", name, scheme, size.name)))
		}
	}
	p.screen("light", 1280, 900)
	p.do("open "+path, chromedp.Navigate(p.base+path), chromedp.WaitVisible(chromedp.CSS("main")))
}
