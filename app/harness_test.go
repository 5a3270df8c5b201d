package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// testServer is a real kith server on a loopback port, on a database of its own.
type testServer struct {
	t      testing.TB
	URL    string
	Store  *models.Store
	Server *app.Server
	Cfg    app.Config
	Logs   *logBuffer // the server's log, where the test keeps it (startOIDC)
}

// startServer serves kith on a fresh database. configure may change settings.
func startServer(t testing.TB, d models.Dialect, configure func(*app.Config)) *testServer {
	t.Helper()
	return startWrapped(t, d, configure, nil)
}

// startWrapped is startServer with the server's handler wrapped, when wrap
// is not nil, so that a test can see or change each request on its way in.
func startWrapped(t testing.TB, d models.Dialect, configure func(*app.Config), wrap func(http.Handler) http.Handler) *testServer {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.PasswordCost = 4
	cfg.SignupsPerHour, cfg.LoginsPerMinute, cfg.TokensPerMinute, cfg.SearchesPerMinute = 10000, 10000, 10000, 10000
	cfg.DatabaseURL = storetest.URL(t, d)
	if configure != nil {
		configure(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	store := storetest.OpenURL(t, cfg.DatabaseURL, cfg.StoreOptions())
	srv, err := app.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return &testServer{t: t, URL: hs.URL, Store: store, Server: srv, Cfg: cfg}
}

// client is one person's browser or script: a cookie jar, and the CSRF token
// or bearer token it sends.
type client struct {
	t      testing.TB
	base   string
	http   *http.Client
	csrf   string
	bearer string
	ID     int64
	Name   string
}

func (ts *testServer) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: ts.t, base: ts.URL, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// member signs up a new person through the API and returns their client.
func (ts *testServer) member(name string) *client {
	ts.t.Helper()
	c := ts.client()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	r := c.do("POST", "/api/v1/auth/signup", map[string]any{"email": email, "name": name, "password": "correct horse battery"})
	r.want(http.StatusCreated)
	c.ID, c.Name = r.int("member", "id"), name
	c.refreshCSRF()
	return c
}

func (c *client) refreshCSRF() {
	c.t.Helper()
	r := c.do("GET", "/api/v1/me", nil)
	r.want(http.StatusOK)
	c.csrf, _ = r.JSON["csrf_token"].(string)
}

type response struct {
	t      testing.TB
	Status int
	Header http.Header
	Body   string
	JSON   map[string]any
}

// do sends a request. A map or struct body is sent as JSON; a string as is.
func (c *client) do(method, path string, body any) *response {
	c.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(buf), "application/json"
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	} else if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	return c.send(req)
}

// form posts an HTML form as a browser would, with the CSRF token.
func (c *client) form(path string, values map[string]string) *response {
	c.t.Helper()
	var b strings.Builder
	first := true
	add := func(k, v string) {
		if !first {
			b.WriteByte('&')
		}
		first = false
		b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
	}
	if c.csrf != "" {
		add("csrf_token", c.csrf)
	}
	for k, v := range values {
		add(k, v)
	}
	req, err := http.NewRequest("POST", c.base+path, strings.NewReader(b.String()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.send(req)
}

func (c *client) send(req *http.Request) *response {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	r := &response{t: c.t, Status: res.StatusCode, Header: res.Header, Body: string(b)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(b, &r.JSON)
	}
	return r
}

// want fails the test unless the status matches.
func (r *response) want(status int) *response {
	r.t.Helper()
	if r.Status != status {
		r.t.Fatalf("status %d, want %d; body: %.600s", r.Status, status, r.Body)
	}
	return r
}

// wantError fails the test unless the response is the contract's error shape
// with this status and code.
func (r *response) wantError(status int, code string) *response {
	r.t.Helper()
	r.want(status)
	e, _ := r.JSON["error"].(map[string]any)
	if e == nil || e["code"] != code || e["message"] == "" {
		r.t.Fatalf("want error %q, got %.400s", code, r.Body)
	}
	return r
}

// get walks a path of keys into the JSON body.
func (r *response) get(keys ...string) any {
	var v any = r.JSON
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			r.t.Fatalf("no %v in %.400s", keys, r.Body)
		}
		v = m[k]
	}
	return v
}

func (r *response) int(keys ...string) int64 {
	r.t.Helper()
	f, ok := r.get(keys...).(float64)
	if !ok {
		r.t.Fatalf("%v is not a number in %.400s", keys, r.Body)
	}
	return int64(f)
}

func (r *response) str(keys ...string) string {
	r.t.Helper()
	s, _ := r.get(keys...).(string)
	return s
}

func (r *response) list(key string) []any {
	r.t.Helper()
	l, ok := r.JSON[key].([]any)
	if !ok {
		r.t.Fatalf("%s is not a list in %.400s", key, r.Body)
	}
	return l
}

const testPurpose = "We help each other write clear, correct Go and share what we learn."

// space creates a space through the API as c.
func (c *client) space(slug, visibility string) {
	c.t.Helper()
	c.do("POST", "/api/v1/spaces", map[string]any{"slug": slug, "name": strings.ToUpper(slug[:1]) + slug[1:], "purpose": testPurpose, "visibility": visibility}).want(http.StatusCreated)
}

// join joins an open space through the API, affirming its current purpose.
func (c *client) join(slug string) {
	c.t.Helper()
	v := c.do("GET", "/api/v1/spaces/"+slug, nil).want(http.StatusOK).int("space", "purpose", "version")
	c.do("POST", "/api/v1/spaces/"+slug+"/join", map[string]any{"affirm_purpose_version": v}).want(http.StatusOK)
}

// thread starts a thread and returns its id and the opening post's id.
func (c *client) thread(slug, title string) (int64, int64) {
	c.t.Helper()
	r := c.do("POST", "/api/v1/spaces/"+slug+"/threads", map[string]any{"title": title, "body": "Opening post of " + title}).want(http.StatusCreated)
	return r.int("thread", "id"), r.int("post", "id")
}
