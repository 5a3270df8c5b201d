package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"kith/models"
)

// actionTimeout bounds every step of the browser test; the browser itself is
// started without a deadline (see chromedp's docs/API.md, example 21).
const actionTimeout = 30 * time.Second // generous: CI runs these beside the race detector

// chromiumPath finds Debian's chromium, or returns "".
func chromiumPath() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// shotsDir is where the screenshots go: outside the repository.
func shotsDir() string {
	if d := os.Getenv("KITH_SHOTS_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "kith-shots")
}

// TestBrowser drives the first-day story through the real pages in headless
// chromium, as two people with separate cookies: sign up, start a space, start
// a thread (with markdown and a hostile title), join by affirming the purpose,
// reply, edit with history, and leave. It then takes screenshots of the main
// pages, light and dark, wide and narrow.
func TestBrowser(t *testing.T) {
	browserCtx := startBrowser(t, "browser test")
	ts := startServer(t, models.SQLite, nil)

	ann := newPerson(t, browserCtx, ts.URL, "Ann Lee")
	defer ann.close()
	bob := newPerson(t, browserCtx, ts.URL, "Bob Stone")
	defer bob.close()

	const (
		spaceName = "Go Guild"
		slug      = "go-guild"
		purpose   = "We help each other write clear, correct Go and share what we learn along the way."
		title     = `Hello <script>alert(1)</script> & welcome`
		body      = "This is **bold** and a `code` span.\n\nSecond paragraph of the opening post."
		edited    = "This is **bold**, a `code` span, and an edit."
		reply     = "Agreed, _especially_ the `errors.Is` part.\n\n- one\n- two"
	)

	// 1. Ann signs up and lands signed in.
	ann.signUp()

	// 2. Ann starts a space from the header's "New space".
	ann.follow("open New space", chromedp.Click(chromedp.CSS(`header.top a[href="/spaces/new"]`)))
	ann.wantPath("/spaces/new")
	ann.do("fill the space form",
		chromedp.WaitVisible(chromedp.CSS(`form[action="/spaces"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/spaces"] input[name=name]`), spaceName),
		chromedp.SendKeys(chromedp.CSS(`form[action="/spaces"] input[name=slug]`), slug),
		chromedp.SendKeys(chromedp.CSS(`form[action="/spaces"] textarea[name=purpose]`), purpose),
		chromedp.Click(chromedp.CSS(`form[action="/spaces"] input[name=visibility][value=open]`)),
	)
	if !evalJS[bool](ann, `document.querySelector('input[name=visibility][value=open]').checked`) {
		t.Fatal("Ann: the visibility 'open' is not selected")
	}
	ann.follow("start the space", chromedp.Click(chromedp.CSS(`form[action="/spaces"] button[type=submit]`)))
	ann.wantPath("/s/" + slug)
	ann.wantText("h1", spaceName)
	if got := ann.text(".purpose .purpose-text"); got != purpose {
		t.Fatalf("Ann: purpose shown as %q, want %q", got, purpose)
	}
	// The purpose comes first: right after the space's heading, before the
	// membership box and the threads.
	if !evalJS[bool](ann, `(() => {
		const head = document.querySelector('main header.space-head');
		const p = document.querySelector('main section.purpose');
		const m = document.querySelector('main .membership');
		const th = document.getElementById('threads-title');
		const F = Node.DOCUMENT_POSITION_FOLLOWING;
		return !!(head && p && m && th && head.nextElementSibling === p &&
			(p.compareDocumentPosition(m) & F) && (m.compareDocumentPosition(th) & F));
	})()`) {
		t.Fatal("Ann: the space page does not show the purpose first, then membership, then threads")
	}
	ann.wantText(".membership", "You are a member and a steward of "+spaceName)
	ann.wantText(`form[action="/s/`+slug+`/leave"] button`, "Leave "+spaceName)

	// 3. Ann starts a thread with markdown and a title that is not markup.
	ann.follow("open New thread", chromedp.Click(chromedp.CSS(`a[href="/s/`+slug+`/new"]`)))
	ann.wantPath("/s/" + slug + "/new")
	ann.do("fill the thread form",
		chromedp.WaitVisible(chromedp.CSS(`form[action="/s/`+slug+`/threads"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), title),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=body]`), body),
	)
	ann.follow("start the thread", chromedp.Click(chromedp.CSS(`form[action="/s/`+slug+`/threads"] button[type=submit]`)))
	threadPath := ann.path()
	if !strings.HasPrefix(threadPath, "/t/") {
		t.Fatalf("Ann: after starting a thread the page is %s", threadPath)
	}
	if got := ann.text("h1.thread-title"); got != title {
		t.Fatalf("Ann: thread title shown as %q, want the literal %q", got, title)
	}
	if got := evalJS[string](ann, `document.title`); !strings.Contains(got, "<script>alert(1)</script>") {
		t.Fatalf("Ann: document title %q does not show the title as text", got)
	}
	if evalJS[bool](ann, `[...document.querySelectorAll('script')].some(s => s.textContent.includes('alert(1)'))`) {
		t.Fatal("Ann: a <script> element with the thread title's content is in the DOM")
	}
	if n := evalJS[int](ann, `document.querySelectorAll('h1.thread-title *').length`); n != 0 {
		t.Fatalf("Ann: the thread title holds %d elements; want text only", n)
	}
	ann.wantText(".posts > li.post:first-child .prose strong", "bold")
	ann.wantText(".posts > li.post:first-child .prose code", "code")
	ann.wantText(".posts > li.post:first-child .prose", "Second paragraph of the opening post.")
	if n := evalJS[int](ann, `document.querySelectorAll('.prose p').length`); n != 2 {
		t.Fatalf("Ann: the opening post has %d paragraphs, want 2", n)
	}

	// 4. Bob signs up, finds the space on the home page, reads its purpose,
	// and joins by affirming it.
	bob.signUp()
	bob.wantText("#discover ~ .cards", spaceName)
	bob.follow("open the space from the home page", chromedp.Click(chromedp.CSS(`#discover ~ .cards a.title[href="/s/`+slug+`"]`)))
	bob.wantPath("/s/" + slug)
	if got := bob.text(".purpose .purpose-text"); got != purpose {
		t.Fatalf("Bob: purpose shown as %q, want %q", got, purpose)
	}
	bob.wantText("#join label.affirm", "I have read the purpose of "+spaceName+" above and I share it.")
	bob.wantText(".threads", title) // an open space is readable before joining
	if evalJS[bool](bob, `!!document.querySelector('a[href="/s/`+slug+`/new"]')`) {
		t.Fatal("Bob: a non-member is offered New thread")
	}
	// Submitting without ticking the box is stopped by the browser: the
	// checkbox is required, fires "invalid", and the page stays.
	bob.do("mark the page",
		chromedp.WaitVisible(chromedp.CSS(`#join button[type=submit]`)),
		chromedp.Evaluate[chromedp.Void](`window.kithStay = true;
			document.querySelector('#join input[name=affirm]').addEventListener('invalid', () => { window.kithInvalid = true; });`),
		chromedp.Click(chromedp.CSS(`#join button[type=submit]`)),
	)
	if !evalJS[bool](bob, `window.kithStay === true && window.kithInvalid === true &&
		document.querySelector('#join input[name=affirm]').required &&
		document.querySelector('#join input[name=affirm]').validity.valueMissing &&
		location.pathname === '/s/`+slug+`'`) {
		t.Fatal("Bob: the join form was not blocked by the required affirmation")
	}
	bob.do("tick the affirmation", chromedp.Click(chromedp.CSS(`#join input[name=affirm]`)))
	if !evalJS[bool](bob, `document.querySelector('#join input[name=affirm]').checked`) {
		t.Fatal("Bob: the affirmation is not ticked after clicking it")
	}
	bob.follow("join", chromedp.Click(chromedp.CSS(`#join button[type=submit]`)))
	bob.wantPath("/s/" + slug)
	bob.wantText(".membership", "You are a member of "+spaceName)
	bob.wantText(".space-head .meta", "2 members")
	if evalJS[bool](bob, `!!document.getElementById('join')`) {
		t.Fatal("Bob: the join form is still shown to a member")
	}

	// 5. Bob opens the thread and replies with markdown.
	bob.follow("open the thread", chromedp.Click(chromedp.CSS(`.threads a.title[href="`+threadPath+`"]`)))
	bob.wantPath(threadPath)
	bob.do("write a reply",
		chromedp.WaitVisible(chromedp.CSS(`#reply-body`)),
		chromedp.SendKeys(chromedp.CSS(`#reply-body`), reply),
	)
	bob.follow("post the reply", chromedp.Click(chromedp.CSS(`#reply button[type=submit]`)))
	bob.wantPath(threadPath)
	if h := evalJS[string](bob, `location.hash`); !strings.HasPrefix(h, "#p") {
		t.Fatalf("Bob: after replying the page is not at the new post (hash %q)", h)
	}
	if n := evalJS[int](bob, `document.querySelectorAll('.posts > li.post').length`); n != 2 {
		t.Fatalf("Bob: the thread shows %d posts, want 2", n)
	}
	bob.wantText(".posts > li.post:last-child .author", "Bob Stone")
	bob.wantText(".posts > li.post:last-child .prose em", "especially")
	bob.wantText(".posts > li.post:last-child .prose code", "errors.Is")
	if n := evalJS[int](bob, `document.querySelectorAll('.posts > li.post:last-child .prose ul > li').length`); n != 2 {
		t.Fatalf("Bob: the reply's list has %d items, want 2", n)
	}
	if evalJS[bool](bob, `!!document.querySelector('.posts > li.post:first-child a[href$="/edit"]')`) {
		t.Fatal("Bob: he is offered to edit Ann's post")
	}

	// 6. Ann edits her opening post; the thread says "edited" and the history
	// keeps the earlier text.
	ann.do("reload the thread", chromedp.Reload())
	ann.wantText(".posts > li.post:last-child .author", "Bob Stone")
	editPath := evalJS[string](ann, `document.querySelector('.posts > li.post:first-child .post-actions a[href$="/edit"]').getAttribute('href')`)
	ann.follow("open Edit", chromedp.Click(chromedp.CSS(`.posts > li.post:first-child .post-actions a[href$="/edit"]`)))
	ann.wantPath(editPath)
	if got := ann.value("#edit-body"); got != body {
		t.Fatalf("Ann: the edit form holds %q, want the current body %q", got, body)
	}
	ann.do("rewrite the post",
		chromedp.Clear(chromedp.CSS(`#edit-body`)),
		chromedp.SendKeys(chromedp.CSS(`#edit-body`), edited),
	)
	if got := ann.value("#edit-body"); got != edited {
		t.Fatalf("Ann: the edit form holds %q after typing, want %q", got, edited)
	}
	ann.follow("save the edit", chromedp.Click(chromedp.CSS(`form[action="`+editPath+`"] button[type=submit]`)))
	ann.wantPath(threadPath)
	historyPath := strings.TrimSuffix(editPath, "/edit") + "/history"
	ann.wantText(`.posts > li.post:first-child .post-head a[href="`+historyPath+`"]`, "edited")
	ann.wantText(".posts > li.post:first-child .prose", "and an edit.")
	if strings.Contains(ann.text(".posts > li.post:first-child .prose"), "Second paragraph") {
		t.Fatal("Ann: the thread still shows the text from before the edit")
	}
	ann.follow("open the history", chromedp.Click(chromedp.CSS(`.posts > li.post:first-child .post-head a[href="`+historyPath+`"]`)))
	ann.wantPath(historyPath)
	ann.wantText(".posts > li.post:first-child .prose", "and an edit.")
	ann.wantText(".posts > li.post.old .prose", "Second paragraph of the opening post.")
	ann.wantText(".posts > li.post.old .prose strong", "bold")

	// 7. Bob leaves from the space page; the join form comes back and the
	// thread no longer offers him a reply form.
	bob.follow("go to the space", chromedp.Click(chromedp.CSS(`main .crumbs a[href="/s/`+slug+`"]`)))
	bob.wantPath("/s/" + slug)
	bob.follow("leave", chromedp.Click(chromedp.CSS(`form[action="/s/`+slug+`/leave"] button[type=submit]`)))
	bob.wantPath("/s/" + slug)
	bob.do("see the join form again", chromedp.WaitVisible(chromedp.CSS(`#join input[name=affirm]`)))
	if evalJS[bool](bob, `!!document.querySelector('form[action="/s/`+slug+`/leave"]') || document.body.innerText.includes('You are a member')`) {
		t.Fatal("Bob: after leaving, the space page still shows him as a member")
	}
	bob.wantText(".space-head .meta", "1 member")
	bob.follow("open the thread again", chromedp.Click(chromedp.CSS(`.threads a.title[href="`+threadPath+`"]`)))
	bob.wantPath(threadPath)
	if evalJS[bool](bob, `!!document.getElementById('reply') || !!document.querySelector('a[data-reply-to]')`) {
		t.Fatal("Bob: after leaving, the thread still offers him a reply form")
	}
	bob.wantText("main p.empty", "Join "+spaceName+" to reply.")

	// Screenshots, for people to look at: light and dark, wide and narrow.
	// A page must never scroll sideways on a phone, and dark mode must apply.
	dir := shotsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pages := []struct {
		who  *person
		name string
		path string
	}{
		{ann, "home", "/"},
		{ann, "space", "/s/" + slug},
		{ann, "thread", threadPath},
		{bob, "space-visitor", "/s/" + slug},
		{bob, "thread-visitor", threadPath},
	}
	for _, scheme := range []string{"light", "dark"} {
		for _, size := range []struct {
			name string
			w, h int64
		}{{"wide", 1280, 900}, {"narrow", 390, 844}} {
			for _, pg := range pages {
				pg.who.screen(scheme, size.w, size.h)
				pg.who.do("open "+pg.path, chromedp.Navigate(ts.URL+pg.path), chromedp.WaitVisible(chromedp.CSS("main")))
				if dark := evalJS[bool](pg.who, `(`+luminanceJS+`)(getComputedStyle(document.body).backgroundColor) < 0.2`); dark != (scheme == "dark") {
					t.Fatalf("%s: the page is not in the %s color scheme", pg.name, scheme)
				}
				if low := evalJS[[]string](pg.who, lowContrastJS); len(low) > 0 && size.name == "wide" {
					t.Errorf("%s (%s): text below WCAG AA contrast: %v", pg.name, scheme, low)
				}
				if over := evalJS[int](pg.who, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
					t.Errorf("%s (%s, %dpx): the page is %dpx wider than the viewport", pg.name, scheme, size.w, over)
				}
				pg.who.shot(filepath.Join(dir, fmt.Sprintf("%s-%s-%s.png", pg.name, scheme, size.name)))
			}
		}
	}

	// Keyboard focus is visible: the first Tab lands on the skip link, which
	// shows itself with an outline.
	ann.screen("light", 1280, 900)
	ann.do("tab to the skip link", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS("main")), chromedp.KeyEvent("\t"))
	if !evalJS[bool](ann, `(() => {
		const a = document.activeElement, s = getComputedStyle(a), r = a.getBoundingClientRect();
		return a.matches('a.skip') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && r.left >= 0 && r.top >= 0;
	})()`) {
		t.Error("Ann: the first Tab does not show a focused skip link with an outline")
	}
	ann.do("tab on", chromedp.KeyEvent("\t"))
	if !evalJS[bool](ann, `(() => { const s = getComputedStyle(document.activeElement); return document.activeElement.matches('a.brand') && s.outlineStyle !== 'none'; })()`) {
		t.Error("Ann: the second Tab does not show a focus outline on the brand link")
	}
	ann.shot(filepath.Join(dir, "home-focus.png"))

	t.Logf("screenshots in %s", dir)
	ann.noDialogs()
	bob.noDialogs()
}

// start runs the first action on a chromedp context, which starts the browser
// or opens the tab and binds its life to ctx, so ctx has no deadline. A
// watchdog cancels it instead if starting hangs.
// startBrowser starts headless Debian chromium for one test, or skips the
// test, saying so, when chromium is not installed. The browser lives until the
// test ends; give each person a context of their own (newPerson).
func startBrowser(t *testing.T, what string) context.Context {
	t.Helper()
	execPath := chromiumPath()
	if execPath == "" {
		t.Skip("chromium not installed: " + what + " SKIPPED (apt-get install -y chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	// No timeout here: the first Run binds the browser's life to this context.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if err := start(browserCtx, cancelBrowser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return browserCtx
}

func start(ctx context.Context, cancel context.CancelFunc) error {
	watchdog := time.AfterFunc(30*time.Second, cancel)
	defer watchdog.Stop()
	return chromedp.Do(ctx)
}

// luminanceJS is a JavaScript function giving the relative luminance (WCAG
// 2) of a computed CSS color "rgb(r, g, b)" or "rgba(r, g, b, a)".
const luminanceJS = `(c => {
	const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map(v => {
		v /= 255;
		return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
	});
	return 0.2126 * r + 0.7152 * g + 0.0722 * b;
})`

// lowContrastJS lists the visible text of the page whose contrast with the
// background behind it is below WCAG AA (4.5:1, or 3:1 for large text).
const lowContrastJS = `(() => {
	const lum = ` + luminanceJS + `;
	const behind = el => {
		for (; el; el = el.parentElement) {
			const c = getComputedStyle(el).backgroundColor, m = c.match(/[\d.]+/g);
			if (m && (m.length < 4 || Number(m[3]) >= 0.5)) return c;
		}
		return 'rgb(255, 255, 255)';
	};
	const low = [];
	for (const el of document.querySelectorAll('body *')) {
		const text = [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('').trim();
		if (!text || el.getClientRects().length === 0) continue;
		const r = el.getBoundingClientRect();
		if (r.right < 0 || r.bottom < 0) continue; // moved off screen, like the skip link
		const s = getComputedStyle(el);
		if (s.visibility === 'hidden') continue;
		const a = lum(s.color), b = lum(behind(el));
		const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
		const size = parseFloat(s.fontSize), large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
		if (ratio < (large ? 3 : 4.5)) low.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + text.slice(0, 30) + '" ' + ratio.toFixed(2));
	}
	return low;
})()`

// person is one browser context (its own cookies) with one tab.
type person struct {
	t       *testing.T
	name    string
	base    string
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	dialogs []string
}

func newPerson(t *testing.T, browserCtx context.Context, base, name string) *person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	p := &person{t: t, name: name, base: base, ctx: ctx, cancel: cancel}
	if err := start(ctx, cancel); err != nil { // creates the browser context and its tab
		t.Fatalf("%s: open a tab: %v", name, err)
	}
	// Any JavaScript dialog (an alert from injected markup) is recorded and
	// dismissed, so it cannot block the page.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	p.wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.dialogs = append(p.dialogs, fmt.Sprintf("%s: %q", ev.Type, ev.Message))
			p.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	return p
}

func (p *person) close() {
	p.cancel()
	p.wg.Wait()
}

func (p *person) noDialogs() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.dialogs) > 0 {
		p.t.Fatalf("%s: the pages opened JavaScript dialogs: %v", p.name, p.dialogs)
	}
}

// do runs steps within one action timeout.
func (p *person) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %s: %v", p.name, what, err)
	}
}

// follow runs a step that loads a new page (a click on a link or a submit
// button) and waits until that page has loaded with status 200.
func (p *person) follow(what string, step chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, step)
	if err != nil {
		p.t.Fatalf("%s: %s: %v", p.name, what, err)
	}
	if resp == nil || resp.Status != http.StatusOK {
		status := int64(0)
		if resp != nil {
			status = resp.Status
		}
		p.t.Fatalf("%s: %s: status %d at %s; page says: %.300s", p.name, what, status, p.path(), p.text("main"))
	}
}

// evalJS evaluates a JavaScript expression in p's page.
func evalJS[T any](p *person, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.t.Fatalf("%s: evaluate %.80q: %v", p.name, js, err)
	}
	return v
}

// text waits for the element to be visible and returns its rendered text.
func (p *person) text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		p.t.Fatalf("%s: text of %s at %s: %v", p.name, sel, p.path(), err)
	}
	return strings.TrimSpace(s)
}

func (p *person) value(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		p.t.Fatalf("%s: value of %s: %v", p.name, sel, err)
	}
	return s
}

// wantText fails unless the visible element's text contains want.
func (p *person) wantText(sel, want string) {
	p.t.Helper()
	if got := p.text(sel); !strings.Contains(got, want) {
		p.t.Fatalf("%s: %s at %s shows %q, want it to contain %q", p.name, sel, p.path(), got, want)
	}
}

// path is the path of the page that p sees.
func (p *person) path() string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		p.t.Fatalf("%s: location: %v", p.name, err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		p.t.Fatalf("%s: location %q: %v", p.name, loc, err)
	}
	return u.Path
}

func (p *person) wantPath(want string) {
	p.t.Helper()
	if got := p.path(); got != want {
		p.t.Fatalf("%s: the page is %s, want %s; it says: %.300s", p.name, got, want, p.text("main"))
	}
}

// signUp fills the sign-up form and checks that the person lands signed in.
func (p *person) signUp() {
	p.t.Helper()
	email := strings.ToLower(strings.ReplaceAll(p.name, " ", ".")) + "@example.com"
	p.do("open /signup",
		chromedp.Navigate(p.base+"/signup"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signup"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name=name]`), p.name),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name=password]`), "correct horse battery"),
	)
	p.follow("sign up", chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)))
	p.wantPath("/")
	if got := p.text("header.top .who"); got != p.name {
		p.t.Fatalf("%s: after signing up the header shows %q", p.name, got)
	}
	p.wantText("header.top", "Sign out")
}

// screen sets the viewport and the preferred color scheme.
func (p *person) screen(scheme string, w, h int64) {
	p.t.Helper()
	p.do("emulate "+scheme,
		chromedp.EmulateViewport(w, h, func(m *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
			m.Mobile = w < 600
		}),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			})
			return err
		}),
	)
}

// shot writes a full-page PNG screenshot.
func (p *person) shot(file string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("%s: screenshot: %v", p.name, err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}
