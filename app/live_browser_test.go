package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kith/models"
)

// TestBrowserLiveUpdates checks static/live.js against the real live endpoint
// in headless chromium, with two people in two browser contexts, both members
// of an open space and both reading the same thread:
//   - both see "2 people reading";
//   - Ann replies through the page form; Bob sees the reply appear without
//     his page reloading (a marker variable set on his page survives);
//   - Ann replies to Bob's post; Bob's header notification count goes up live;
//   - Ann posts and edits through the API: her own page shows the new post
//     with an Edit link, Bob's without; both see the edit in place;
//   - Bob, scrolled up, gets a "1 new reply" marker that scrolls to it;
//   - on the space page, a new thread appears at the top and an active one
//     moves there with its new post count;
//   - when Bob leaves the (open) space, the server cuts his subscription and
//     his page subscribes again as a reader, without reloading.
func TestBrowserLiveUpdates(t *testing.T) {
	browserCtx := startBrowser(t, "live-updates browser test")
	ts := startServer(t, models.SQLite, nil)

	const slug = "town-square"
	annAPI, bobAPI := ts.member("Ann Lee"), ts.member("Bob Stone")
	annAPI.space(slug, "open")
	bobAPI.join(slug)
	threadID, _ := annAPI.thread(slug, "What are you reading?")
	threadPath := "/t/" + strconv.FormatInt(threadID, 10)
	bobPost := bobAPI.do("POST", "/api/v1/threads/"+strconv.FormatInt(threadID, 10)+"/posts", map[string]any{"body": "A book on Go's memory model."}).
		want(http.StatusCreated).int("post", "id")

	ann := newPerson(t, browserCtx, ts.URL, "Ann Lee")
	defer ann.close()
	bob := newPerson(t, browserCtx, ts.URL, "Bob Stone")
	defer bob.close()
	ann.logIn("ann.lee@example.com")
	bob.logIn("bob.stone@example.com")

	// 1. Both read the thread; each page connects, subscribes, and shows
	// that two people are reading.
	for _, p := range []*person{ann, bob} {
		p.do("open the thread", chromedp.Navigate(ts.URL+threadPath), chromedp.WaitVisible(chromedp.CSS(`ol.posts[data-live-thread]`)))
	}
	for _, p := range []*person{ann, bob} {
		p.waitJS("see two readers", `document.getElementById('live-presence').textContent === '2 people reading'`)
	}
	bob.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.kithLive = 'same page'`))
	unreadBefore := evalJS[int](bob, `Number((document.querySelector('header a[data-live-me] .count') || {}).textContent || 0)`)

	// 2. Ann replies through the page form; Bob sees it without reloading.
	const reply = "Live from Ann: *Concurrency in Go*, again."
	ann.do("write a reply", chromedp.WaitVisible(chromedp.CSS(`#reply-body`)), chromedp.SendKeys(chromedp.CSS(`#reply-body`), reply))
	sent := time.Now()
	ann.follow("post the reply", chromedp.Click(chromedp.CSS(`#reply button[type=submit]`)))
	bob.waitJS("see Ann's reply appear", `[...document.querySelectorAll('.posts > li.post .prose')].some(p => p.textContent.includes('Live from Ann'))`)
	t.Logf("Ann's reply reached Bob's page %v after she submitted it", time.Since(sent).Round(time.Millisecond))
	if !evalJS[bool](bob, `window.kithLive === 'same page' && location.pathname === '`+threadPath+`'`) {
		t.Fatal("Bob: the page reloaded or navigated to show the reply")
	}
	if n := evalJS[int](bob, `document.querySelectorAll('.posts > li.post').length`); n != 3 {
		t.Fatalf("Bob: the thread shows %d posts, want 3", n)
	}
	last := `.posts > li.post:last-child`
	bob.wantText(last+` .post-head a.author[href="/m/`+strconv.FormatInt(annAPI.ID, 10)+`"]`, "Ann Lee")
	bob.wantText(last+` .prose em`, "Concurrency in Go")
	bob.wantText(`[data-live-post-count]`, "3 posts")
	if !evalJS[bool](bob, `!!document.querySelector('`+last+` .post-actions a[data-reply-to]') && !document.querySelector('`+last+` .post-actions a[href$="/edit"]')`) {
		t.Fatal("Bob: Ann's live reply should offer him Reply and not Edit")
	}
	// Ann's own page, after the redirect, shows her reply once.
	ann.waitJS("be subscribed again", `document.getElementById('live-presence').textContent === '2 people reading'`)
	if n := evalJS[int](ann, `[...document.querySelectorAll('.posts > li.post .prose')].filter(p => p.textContent.includes('Live from Ann')).length`); n != 1 {
		t.Fatalf("Ann: her reply is on her page %d times, want once", n)
	}

	// 3. Ann replies to Bob's post; Bob's header count goes up live.
	ann.do("reply to Bob's post",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[data-reply-to="%d"]`, bobPost))),
		chromedp.SendKeys(chromedp.CSS(`#reply-body`), "Which chapter, Bob?"),
	)
	if got := evalJS[string](ann, `document.getElementById('reply-to').value`); got != strconv.FormatInt(bobPost, 10) {
		t.Fatalf("Ann: the reply form answers post %q, want %d", got, bobPost)
	}
	sent = time.Now()
	ann.follow("post the reply to Bob", chromedp.Click(chromedp.CSS(`#reply button[type=submit]`)))
	want := strconv.Itoa(unreadBefore + 1)
	bob.waitJS("see the unread count go up", `(() => {
		const c = document.querySelector('header a[data-live-me] .count');
		return !!c && c.textContent === '`+want+`' && c.getAttribute('aria-label') === '`+want+` unread';
	})()`)
	t.Logf("the notification reached Bob's header %v after Ann submitted", time.Since(sent).Round(time.Millisecond))
	bob.waitJS("see the reply to him", `[...document.querySelectorAll('.posts > li.post')].some(p => p.textContent.includes('Which chapter, Bob?') && p.querySelector('.post-head .meta a[href="#p`+strconv.FormatInt(bobPost, 10)+`"]')?.textContent === 'Bob Stone')`)

	// 4. Ann posts and edits through the API while both pages are open: her
	// page offers her Edit on it, Bob's does not; the edit shows in place.
	for _, p := range []*person{ann, bob} {
		p.waitJS("be subscribed", `document.getElementById('live-presence').textContent === '2 people reading'`)
	}
	apiPost := annAPI.do("POST", "/api/v1/threads/"+strconv.FormatInt(threadID, 10)+"/posts", map[string]any{"body": "Sent from the API."}).
		want(http.StatusCreated).int("post", "id")
	sel := fmt.Sprintf("#p%d", apiPost)
	ann.waitJS("see her API post", `!!document.querySelector('`+sel+`')`)
	bob.waitJS("see Ann's API post", `!!document.querySelector('`+sel+`')`)
	if !evalJS[bool](ann, `!!document.querySelector('`+sel+` .post-actions a[href="/p/`+strconv.FormatInt(apiPost, 10)+`/edit"]')`) {
		t.Fatal("Ann: her own live post has no Edit link")
	}
	if evalJS[bool](bob, `!!document.querySelector('`+sel+` .post-actions a[href$="/edit"]')`) {
		t.Fatal("Bob: Ann's live post offers him Edit")
	}
	annAPI.do("PATCH", "/api/v1/posts/"+strconv.FormatInt(apiPost, 10), map[string]any{"body": "Sent from the API, **edited**."}).want(http.StatusOK)
	bob.waitJS("see the edit in place", `document.querySelector('`+sel+` .prose strong')?.textContent === 'edited' &&
		document.querySelector('`+sel+` .post-head a[href$="/history"]')?.textContent === 'edited'`)

	// 5. Bob, scrolled up on a short screen, gets a quiet marker instead of
	// being moved; the marker takes him to the new reply.
	bob.screen("light", 1280, 400)
	bob.do("scroll up", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	if evalJS[bool](bob, `(() => { const r = document.getElementById('reply').getBoundingClientRect(); return r.top < innerHeight; })()`) {
		t.Fatal("Bob: the reply form is in view; the screen is too tall for this step")
	}
	marked := annAPI.do("POST", "/api/v1/threads/"+strconv.FormatInt(threadID, 10)+"/posts", map[string]any{"body": "One more thing."}).
		want(http.StatusCreated).int("post", "id")
	bob.waitJS("see the new-replies marker", `document.querySelector('button.live-new.is-shown')?.textContent.startsWith('1 new reply')`)
	if y := evalJS[float64](bob, `window.scrollY`); y != 0 {
		t.Fatalf("Bob: the page scrolled to %v by itself", y)
	}
	bob.do("click the marker", chromedp.Click(chromedp.CSS(`button.live-new`)))
	bob.waitJS("be at the new reply", fmt.Sprintf(`(() => {
		const r = document.getElementById('p%d').getBoundingClientRect();
		return r.top >= 0 && r.top < innerHeight && !document.querySelector('button.live-new.is-shown') &&
			document.activeElement === document.getElementById('p%d');
	})()`, marked, marked))
	bob.screen("light", 1280, 900)

	// 6. The space page: a new thread comes in at the top; activity in an
	// older one moves it there with its new count.
	bob.do("open the space", chromedp.Navigate(ts.URL+"/s/"+slug), chromedp.WaitVisible(chromedp.CSS(`[data-live-space] ul.threads`)))
	bob.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.kithLive = 'space page'`))
	// Let the page subscribe (and do its one catch-up fetch) before the changes.
	time.Sleep(500 * time.Millisecond)
	newThread, _ := annAPI.thread(slug, "Book club <next> month")
	bob.waitJS("see the new thread at the top", `document.querySelector('.threads > li:first-child a.title')?.getAttribute('href') === '/t/`+strconv.FormatInt(newThread, 10)+`'`)
	bob.wantText(`.threads > li:first-child a.title`, "Book club <next> month")
	bob.wantText(`.threads > li:first-child .meta`, "Ann Lee · 1 post · active")
	annAPI.do("POST", "/api/v1/threads/"+strconv.FormatInt(threadID, 10)+"/posts", map[string]any{"body": "Back to the first thread."}).want(http.StatusCreated)
	bob.waitJS("see the active thread move to the top", `document.querySelector('.threads > li:first-child a.title')?.getAttribute('href') === '`+threadPath+`'`)
	bob.wantText(`.threads > li:first-child .meta`, "Ann Lee · 7 posts · active")
	if n := evalJS[int](bob, `document.querySelectorAll('.threads > li').length`); n != 2 {
		t.Fatalf("Bob: the space lists %d threads, want 2", n)
	}
	if !evalJS[bool](bob, `window.kithLive === 'space page'`) {
		t.Fatal("Bob: the space page reloaded")
	}

	// 7. Bob leaves (elsewhere). The server cuts his subscription to the
	// space; the space is open, so his page subscribes again as a reader and
	// keeps receiving, without reloading.
	bobAPI.do("POST", "/api/v1/spaces/"+slug+"/leave", nil).want(http.StatusOK)
	time.Sleep(500 * time.Millisecond)
	readerThread, _ := annAPI.thread(slug, "For readers too")
	bob.waitJS("see a new thread after leaving", `document.querySelector('.threads > li:first-child a.title')?.getAttribute('href') === '/t/`+strconv.FormatInt(readerThread, 10)+`'`)
	if !evalJS[bool](bob, `window.kithLive === 'space page'`) {
		t.Fatal("Bob: the open space's page reloaded when he left")
	}
	ann.noDialogs()
	bob.noDialogs()
}

// logIn signs in through the page form as someone who signed up through the API.
func (p *person) logIn(email string) {
	p.t.Helper()
	p.do("open /login",
		chromedp.Navigate(p.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name=password]`), "correct horse battery"),
	)
	p.follow("sign in", chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)))
	if got := p.text("header.top .who"); got != p.name {
		p.t.Fatalf("%s: after signing in the header shows %q", p.name, got)
	}
}

// waitJS waits, within the action timeout, until the expression is truthy in
// p's page.
func (p *person) waitJS(what, expr string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(actionTimeout))); err != nil {
		p.t.Fatalf("%s: %s (waited for %.200s at %s): %v", p.name, what, expr, p.path(), err)
	}
}
