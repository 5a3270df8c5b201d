package app_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kith/models"
)

// TestBrowserSearch: a member types into the header's search box and presses
// Enter (a plain GET form), sees the results with the match highlighted, a
// thread of a space they have not joined among them and nothing of an invite
// space they are not in, narrows to one space with the select, and follows a
// result to the post in its thread.
func TestBrowserSearch(t *testing.T) {
	browserCtx := startBrowser(t, "search browser test")
	ts := startServer(t, models.SQLite, nil)

	ann := ts.member("Ann Lee")
	ann.space("go-guild", "open")
	ann.space("rust-guild", "open")
	ann.space("secret", "invite")
	tid, _ := ann.thread("go-guild", "Goroutine leaks in servers")
	pid := ann.do("POST", "/api/v1/threads/"+strconv.FormatInt(tid, 10)+"/posts", map[string]any{"body": "Every goroutine needs a way to stop: pass a **context**."}).
		want(http.StatusCreated).int("post", "id")
	ann.thread("rust-guild", "Goroutine envy from Rust")
	ann.thread("secret", "Secret goroutine plans")

	bob := newPerson(t, browserCtx, ts.URL, "Bob Stone")
	defer bob.close()
	bob.signUp()

	bob.follow("search from the header", chromedp.SendKeys(chromedp.CSS(`header.top form.search-box input[name=q]`), "goroutine\n"))
	bob.wantPath("/search")
	if got := bob.value(`form.search-form input[name=q]`); got != "goroutine" {
		t.Fatalf("the results page shows the query %q", got)
	}
	bob.wantText("ol.results", "Goroutine leaks in servers")
	bob.wantText("ol.results", "Goroutine envy from Rust")
	if text := bob.text("main"); strings.Contains(text, "Secret") {
		t.Fatalf("the results show the invite space's thread: %s", text)
	}
	marks := evalJS[[]string](bob, `[...document.querySelectorAll('ol.results mark')].map(m => m.textContent.toLowerCase())`)
	if len(marks) == 0 || marks[0] != "goroutine" {
		t.Fatalf("highlighted: %q", marks)
	}

	lookAt(t, bob, "search", "/search?q=goroutine")

	// Narrow to one space and order newest first with the form.
	bob.do("choose a space and an order",
		chromedp.SetValue(chromedp.CSS(`form.search-form select[name=space]`), "go-guild"),
		chromedp.SetValue(chromedp.CSS(`form.search-form select[name=sort]`), "new"),
	)
	bob.follow("search again", chromedp.Click(chromedp.CSS(`form.search-form button[type=submit]`)))
	if text := bob.text("ol.results"); strings.Contains(text, "Rust") || !strings.Contains(text, "Goroutine leaks in servers") {
		t.Fatalf("in go-guild: %s", text)
	}
	post := "/t/" + strconv.FormatInt(tid, 10) + "#p" + strconv.FormatInt(pid, 10)
	bob.follow("open the post", chromedp.Click(chromedp.CSS(`ol.results a.title[href="`+post+`"]`)))
	bob.wantPath("/t/" + strconv.FormatInt(tid, 10))
	bob.wantText("#p"+strconv.FormatInt(pid, 10), "Every goroutine needs a way to stop")
	bob.noDialogs()
}
