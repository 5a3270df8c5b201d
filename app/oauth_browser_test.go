package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
)

// TestBrowserProviderSignIn clicks the provider's button on the sign-in page
// in chromium and lands signed in, through mockoidc.
func TestBrowserProviderSignIn(t *testing.T) {
	browserCtx := startBrowser(t, "provider sign-in browser test")
	ts, m := startOIDC(t, nil)
	m.QueueUser(&mockoidc.MockUser{Subject: "zed-1", Email: "zed@example.com", EmailVerified: true})

	zed := newPerson(t, browserCtx, ts.URL, "Zed")
	defer zed.close()
	zed.follow("open the sign-in page", chromedp.Navigate(ts.URL+"/login"))
	zed.follow("click the provider's button", chromedp.Click(chromedp.CSS(`a[data-provider="openid-connect"]`)))
	zed.wantPath("/")
	zed.text(`form[action="/logout"] button`)
	if header := zed.text("header"); !strings.Contains(strings.ToLower(header), "zed") {
		t.Fatalf("header does not show the signed-in person: %q", header)
	}
	zed.noDialogs()
}
