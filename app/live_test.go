package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"kith/app"
	"kith/models"
	"kith/models/storetest"
)

// liveRoutesCovered: GET /live is walked by the tests of this file (sign-in,
// Origin, bearer, refusals per topic, non-upgrade requests); the coverage
// test counts it as covered.
var liveRoutesCovered = []string{"GET /live"}

// serveInstance runs a real kith instance through Server.Serve on a loopback
// port (so that its hub, PostgreSQL listener and pruner run as in
// production), on the database cfg names. The returned stop shuts it down as
// SIGTERM does; it also runs when the test ends.
func serveInstance(t *testing.T, cfg app.Config) (*testServer, func()) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	store := storetest.OpenURL(t, cfg.DatabaseURL, cfg.StoreOptions())
	srv, err := app.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return &testServer{t: t, URL: "http://" + ln.Addr().String(), Store: store, Cfg: cfg}, stop
}

// liveConfig is the test configuration of a live instance on a new database.
func liveConfig(t *testing.T, d models.Dialect, configure func(*app.Config)) app.Config {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.PasswordCost = 4
	cfg.SignupsPerHour, cfg.LoginsPerMinute, cfg.TokensPerMinute = 10000, 10000, 10000
	cfg.DatabaseURL = storetest.URL(t, d)
	cfg.LivePresenceInterval = 20 * time.Millisecond
	if configure != nil {
		configure(&cfg)
	}
	return cfg
}

func startLive(t *testing.T, d models.Dialect, configure func(*app.Config)) *testServer {
	t.Helper()
	ts, _ := serveInstance(t, liveConfig(t, d, configure))
	return ts
}

// liveFrame is what the server sends on the socket.
type liveFrame struct {
	Topic string          `json:"topic"`
	Seq   *int64          `json:"seq"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

func (f liveFrame) seq() int64 {
	if f.Seq == nil {
		return -1
	}
	return *f.Seq
}

func (f liveFrame) String() string {
	return fmt.Sprintf("%s %s seq=%d %.200s", f.Topic, f.Event, f.seq(), f.Data)
}

// code is the error code of an error frame.
func (f liveFrame) code() string {
	var d struct{ Code string }
	_ = json.Unmarshal(f.Data, &d)
	return d.Code
}

type socket struct {
	t  testing.TB
	ws *websocket.Conn
}

// dialLive opens a live socket as c (its cookie, or its bearer token), from
// origin ("" sends none). A nil client dials signed out.
// dialLive opens a socket as c (nil: signed out) with the given Origin, and
// returns the handshake's HTTP status when it is refused.
func (ts *testServer) dialLive(c *client, origin string) (*socket, int, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	if c != nil && c.bearer != "" {
		h.Set("Authorization", "Bearer "+c.bearer)
	} else if c != nil {
		u, _ := url.Parse(ts.URL)
		for _, ck := range c.http.Jar.Cookies(u) {
			h.Add("Cookie", ck.Name+"="+ck.Value)
		}
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, res, err := d.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/api/v1/live", h)
	status := 0
	if res != nil {
		status = res.StatusCode
		_ = res.Body.Close()
	}
	if err != nil {
		return nil, status, err
	}
	ts.t.Cleanup(func() { _ = ws.Close() })
	return &socket{t: ts.t, ws: ws}, status, nil
}

// live opens a socket as c from the instance's own origin, or fails the test.
func (ts *testServer) live(c *client) *socket {
	ts.t.Helper()
	s, status, err := ts.dialLive(c, ts.URL)
	if err != nil {
		ts.t.Fatalf("dial live: %v (status %d)", err, status)
	}
	return s
}

func (s *socket) op(op, topic string, since *int64) {
	s.t.Helper()
	m := map[string]any{"op": op, "topic": topic}
	if since != nil {
		m["since"] = *since
	}
	if err := s.ws.WriteJSON(m); err != nil {
		s.t.Fatal(err)
	}
}

// read returns the next frame, waiting at most a few seconds.
func (s *socket) read() liveFrame {
	s.t.Helper()
	f, err := s.tryRead(5 * time.Second)
	if err != nil {
		s.t.Fatalf("reading a frame: %v", err)
	}
	return f
}

func (s *socket) tryRead(wait time.Duration) (liveFrame, error) {
	var f liveFrame
	_ = s.ws.SetReadDeadline(time.Now().Add(wait))
	_, b, err := s.ws.ReadMessage()
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		s.t.Fatalf("frame is not JSON: %s", b)
	}
	return f, nil
}

// next returns the next frame other than presence counts.
func (s *socket) next() liveFrame {
	s.t.Helper()
	for {
		if f := s.read(); f.Event != "presence" {
			return f
		}
	}
}

// subscribe subscribes and returns the frames of the topic up to and
// including the one that settles it (subscribed or error).
func (s *socket) subscribe(topic string, since *int64) []liveFrame {
	s.t.Helper()
	s.op("subscribe", topic, since)
	var out []liveFrame
	for {
		f := s.next()
		if f.Topic != topic {
			s.t.Fatalf("while subscribing to %s, got %s", topic, f)
		}
		out = append(out, f)
		if f.Event == "subscribed" || f.Event == "error" {
			return out
		}
	}
}

// mustSubscribe subscribes and fails unless the server confirms.
func (s *socket) mustSubscribe(topic string) {
	s.t.Helper()
	fs := s.subscribe(topic, nil)
	if last := fs[len(fs)-1]; last.Event != "subscribed" {
		s.t.Fatalf("subscribe to %s: %s", topic, last)
	}
}

// refused subscribes and fails unless the server answers an error frame with code.
func (s *socket) refused(topic, code string) {
	s.t.Helper()
	fs := s.subscribe(topic, nil)
	if f := fs[len(fs)-1]; f.Event != "error" || f.code() != code || len(fs) != 1 {
		s.t.Fatalf("subscribe to %s: got %v, want one error %s", topic, fs, code)
	}
}

func ptr(n int64) *int64 { return &n }

func postBody(c *client, threadID int64, body string) int64 {
	c.t.Helper()
	return c.do("POST", "/api/v1/threads/"+itoa(threadID)+"/posts", map[string]any{"body": body}).want(http.StatusCreated).int("post", "id")
}

type postData struct {
	ID       int64  `json:"id"`
	ThreadID int64  `json:"thread_id"`
	Body     string `json:"body"`
	HTML     string `json:"html"`
	Author   struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"author"`
}

func (f liveFrame) post(t testing.TB) postData {
	t.Helper()
	var p postData
	if err := json.Unmarshal(f.Data, &p); err != nil {
		t.Fatalf("post payload: %v in %s", err, f)
	}
	return p
}

func TestLiveDeliversPostsInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startLive(t, d, nil)
		ann, bob := ts.member("Ann"), ts.member("Bob")
		ann.space("go-guild", "open")
		bob.join("go-guild")
		tid, _ := ann.thread("go-guild", "Hello")
		sock := ts.live(bob)
		sock.mustSubscribe("thread:" + itoa(tid))
		sock.mustSubscribe("space:go-guild")

		// One reply arrives with everything a reader needs to show it.
		// Order holds within a topic; across topics (here the thread and its
		// space) the two frames may come either way round, since on
		// PostgreSQL a NOTIFY from this instance can beat the in-process
		// hand-over.
		pid := postBody(ann, tid, "Hello **live**")
		byTopic := map[string]liveFrame{}
		for range 2 {
			f := sock.next()
			byTopic[f.Topic] = f
		}
		f := byTopic["thread:"+itoa(tid)]
		if f.Event != models.EventPostCreated || f.seq() != 1 {
			t.Fatalf("thread frame: %s", f)
		}
		if p := f.post(t); p.ID != pid || p.ThreadID != tid || p.Author.Name != "Ann" || !strings.Contains(p.HTML, "<strong>live</strong>") {
			t.Fatalf("post payload: %+v", p)
		}
		if f := byTopic["space:go-guild"]; f.Event != models.EventThreadUpdated {
			t.Fatalf("space frame: %s", f)
		}

		// Many replies: every one, once, in order, with seq growing by one.
		const n = 40
		for i := range n {
			postBody(ann, tid, fmt.Sprintf("reply %d", i))
		}
		want := int64(2)
		for want <= n+1 {
			f := sock.next()
			if f.Topic != "thread:"+itoa(tid) {
				continue
			}
			if f.Event != models.EventPostCreated || f.seq() != want {
				t.Fatalf("want post.created seq %d, got %s", want, f)
			}
			if p := f.post(t); p.Body != fmt.Sprintf("reply %d", want-2) {
				t.Fatalf("seq %d carries %q", want, p.Body)
			}
			want++
		}
		// Nothing twice: the next thread frame is the next post.
		postBody(ann, tid, "last")
		for {
			f := sock.next()
			if f.Topic == "thread:"+itoa(tid) {
				if f.seq() != n+2 || f.post(t).Body != "last" {
					t.Fatalf("after the burst: %s", f)
				}
				break
			}
		}
	})
}

func TestLiveReplaysSinceAndAsksForResync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startLive(t, d, nil)
		ann := ts.member("Ann")
		ann.space("go-guild", "open")
		tid, _ := ann.thread("go-guild", "Hello")
		topic := "thread:" + itoa(tid)
		for i := 1; i <= 5; i++ {
			postBody(ann, tid, fmt.Sprintf("post %d", i))
		}
		sock := ts.live(ann)

		// since=2: events 3..5 in order, then subscribed at 5, then live ones.
		fs := sock.subscribe(topic, ptr(2))
		if got := fmt.Sprint(seqs(fs)); got != "[3 4 5 5]" || fs[0].post(t).Body != "post 3" || fs[3].Event != "subscribed" {
			t.Fatalf("replay since 2: %v", fs)
		}
		postBody(ann, tid, "post 6")
		if f := sock.next(); f.seq() != 6 || f.Event != models.EventPostCreated {
			t.Fatalf("live after replay: %s", f)
		}

		// A client that is up to date gets no replay; one without since neither.
		for _, since := range []*int64{ptr(6), nil} {
			fs = sock.subscribe(topic, since)
			if len(fs) != 1 || fs[0].Event != "subscribed" || fs[0].seq() != 6 {
				t.Fatalf("subscribe since %v: %v", since, fs)
			}
		}

		// Past the backlog: resync, then subscribed at the latest seq.
		if _, err := ts.Store.PruneEvents(context.Background(), time.Hour, 2); err != nil {
			t.Fatal(err)
		}
		for _, since := range []int64{1, 3, 99} {
			fs = sock.subscribe(topic, ptr(since))
			if len(fs) != 2 || fs[0].Event != "resync" || fs[1].Event != "subscribed" || fs[1].seq() != 6 {
				t.Fatalf("subscribe since %d after pruning: %v", since, fs)
			}
		}
		// Within what is kept, replay still works.
		fs = sock.subscribe(topic, ptr(4))
		if got := fmt.Sprint(seqs(fs)); got != "[5 6 6]" {
			t.Fatalf("replay since 4 after pruning: %v", fs)
		}
		// And the stream goes on once, in order.
		postBody(ann, tid, "post 7")
		if f := sock.next(); f.seq() != 7 {
			t.Fatalf("live after resubscribing: %s", f)
		}
	})
}

func seqs(fs []liveFrame) []int64 {
	out := make([]int64, len(fs))
	for i, f := range fs {
		out[i] = f.seq()
	}
	return out
}

func TestLiveRefusesWhatCannotBeRead(t *testing.T) {
	ts := startLive(t, models.SQLite, nil)
	ann, bob := ts.member("Ann"), ts.member("Bob")
	ann.space("open-guild", "open")
	ann.space("req-guild", "request")
	ann.space("inv-guild", "invite")
	openT, _ := ann.thread("open-guild", "Open")
	reqT, _ := ann.thread("req-guild", "Req")
	invT, _ := ann.thread("inv-guild", "Inv")

	sock := ts.live(bob)
	sock.refused("thread:"+itoa(reqT), models.CodeNotFound)
	sock.refused("thread:"+itoa(invT), models.CodeNotFound)
	sock.refused("space:req-guild", models.CodeNotMember)
	sock.refused("space:inv-guild", models.CodeNotFound)
	sock.refused("member:"+itoa(ann.ID), models.CodeInvalid)
	sock.refused("thread:nope", models.CodeInvalid)
	sock.mustSubscribe("thread:" + itoa(openT))
	sock.mustSubscribe("me")

	// A refused topic delivers nothing: Ann's post in the invite space does
	// not reach Bob, and her post in the open one does.
	postBody(ann, invT, "secret")
	postBody(ann, openT, "public")
	if f := sock.next(); f.Topic != "thread:"+itoa(openT) || f.post(t).Body != "public" {
		t.Fatalf("Bob got %s", f)
	}

	// Ann, a member, may follow all of it.
	own := ts.live(ann)
	own.mustSubscribe("thread:" + itoa(invT))
	own.mustSubscribe("space:req-guild")

	// Signed out, where open spaces need sign-in: no socket at all.
	if _, status, err := ts.dialLive(nil, ts.URL); err == nil || status != http.StatusUnauthorized {
		t.Fatalf("signed-out socket without public read: %v %d", err, status)
	}
	// A plain GET is not an upgrade.
	ts.client().do("GET", "/api/v1/live", nil).wantError(http.StatusUnprocessableEntity, models.CodeInvalid)
}

func TestLiveSignedOutReadsOnlyOpenSpacesWherePublic(t *testing.T) {
	ts := startLive(t, models.SQLite, func(c *app.Config) { c.PublicRead = true })
	ann := ts.member("Ann")
	ann.space("open-guild", "open")
	ann.space("req-guild", "request")
	openT, _ := ann.thread("open-guild", "Open")
	reqT, _ := ann.thread("req-guild", "Req")
	sock := ts.live(nil)
	sock.refused("thread:"+itoa(reqT), models.CodeNotFound)
	sock.refused("space:req-guild", models.CodeNotFound)
	sock.refused("me", models.CodeUnauthorized)
	sock.mustSubscribe("thread:" + itoa(openT))
	sock.mustSubscribe("space:open-guild")
	postBody(ann, openT, "hello visitors")
	if f := sock.next(); f.Event != models.EventPostCreated || f.post(t).Body != "hello visitors" {
		t.Fatalf("visitor got %s", f)
	}
}

func TestLiveOriginAndBearer(t *testing.T) {
	ts := startLive(t, models.SQLite, nil)
	ann := ts.member("Ann")
	ann.space("go-guild", "open")
	tid, _ := ann.thread("go-guild", "Hello")

	// A cookie session from another site is refused before the upgrade.
	_, status, err := ts.dialLive(ann, "https://evil.example")
	if err == nil || status != http.StatusForbidden {
		t.Fatalf("cross-site cookie socket: %v %d", err, status)
	}
	// The instance's own origin, or the base URL's host, passes.
	if _, _, err := ts.dialLive(ann, ts.URL); err != nil {
		t.Fatalf("same-origin socket: %v", err)
	}

	// A script with a bearer token needs no Origin, and any Origin is fine:
	// it carries no ambient credentials.
	script := ts.client()
	r := script.do("POST", "/api/v1/auth/token", map[string]any{"email": "ann@example.com", "password": "correct horse battery", "token_name": "live"}).want(http.StatusCreated)
	script.bearer = r.str("token")
	for _, origin := range []string{"", "https://elsewhere.example"} {
		sock, _, err := ts.dialLive(script, origin)
		if err != nil {
			t.Fatalf("bearer socket from %q: %v", origin, err)
		}
		sock.mustSubscribe("me")
		sock.mustSubscribe("thread:" + itoa(tid))
	}
	// A bad token is refused.
	script.bearer = "not-a-token"
	if _, status, err := ts.dialLive(script, ""); err == nil || status != http.StatusUnauthorized {
		t.Fatalf("bad bearer token: %v %d", err, status)
	}
}

func TestLiveLeaveAndRemovalCutTheStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d models.Dialect) {
		ts := startLive(t, d, nil)
		ann, bob, cy := ts.member("Ann"), ts.member("Bob"), ts.member("Cy")
		ann.space("inv-guild", "invite")
		ann.space("open-guild", "open")
		for _, c := range []*client{bob, cy} {
			id := ann.invite("inv-guild", c)
			c.do("POST", "/api/v1/invitations/"+itoa(id)+"/accept", map[string]any{"affirm_purpose_version": 1}).want(http.StatusOK)
			c.join("open-guild")
		}
		secret, _ := ann.thread("inv-guild", "Secret")
		public, _ := ann.thread("open-guild", "Public")

		var socks []*socket
		for _, c := range []*client{bob, cy} {
			s := ts.live(c)
			s.mustSubscribe("thread:" + itoa(secret))
			s.mustSubscribe("space:inv-guild")
			s.mustSubscribe("thread:" + itoa(public))
			s.mustSubscribe("me")
			socks = append(socks, s)
		}
		postBody(ann, secret, "for members")
		for _, s := range socks {
			// One frame on each topic; order is kept within a topic, not across topics.
			seen := map[string]bool{}
			for range 2 {
				f := s.next()
				if f.Topic == "thread:"+itoa(secret) && f.post(t).Body != "for members" {
					t.Fatalf("before: %s", f)
				}
				seen[f.Topic] = true
			}
			if !seen["thread:"+itoa(secret)] || !seen["space:inv-guild"] {
				t.Fatalf("before: frames on %v", seen)
			}
		}
		bobSock, cySock := socks[0], socks[1]
		// Bob leaves; Ann removes Cy.
		bob.do("POST", "/api/v1/spaces/inv-guild/leave", nil).want(http.StatusOK)
		ann.do("POST", "/api/v1/spaces/inv-guild/removals", map[string]any{"member_id": cy.ID, "reason": "Off-topic again and again"}).want(http.StatusCreated)

		for _, w := range []struct {
			c   *client
			s   *socket
			how string
		}{{bob, bobSock, "left"}, {cy, cySock, "removed"}} {
			// The cut comes at once: both space topics end, and membership.ended arrives on me.
			ended, cut := false, map[string]bool{}
			for !ended || len(cut) < 2 {
				f := w.s.next()
				switch {
				case f.Event == "error" && f.code() == models.CodeNotMember:
					cut[f.Topic] = true
				case f.Topic == "me" && f.Event == models.EventMembershipEnded:
					if !strings.Contains(string(f.Data), `"how":"`+w.how+`"`) || !strings.Contains(string(f.Data), `"slug":"inv-guild"`) {
						t.Fatalf("%s: membership.ended %s", w.c.Name, f)
					}
					ended = true
				case f.Topic == "me" && f.Event == models.EventNotification:
				default:
					t.Fatalf("%s: unexpected %s", w.c.Name, f)
				}
			}
			if !cut["thread:"+itoa(secret)] || !cut["space:inv-guild"] {
				t.Fatalf("%s: cut %v", w.c.Name, cut)
			}
		}
		// A later post in the private space reaches neither; the open space goes on.
		postBody(ann, secret, "after they left")
		postBody(ann, public, "sentinel")
		for _, s := range []*socket{bobSock, cySock} {
			f := s.next()
			for f.Topic == "me" && f.Event == models.EventNotification {
				f = s.next()
			}
			if f.Topic != "thread:"+itoa(public) || f.post(t).Body != "sentinel" {
				t.Fatalf("after the cut: %s", f)
			}
		}
		// And they cannot subscribe again to what they may no longer read.
		bobSock.refused("thread:"+itoa(secret), models.CodeNotFound)
		cySock.refused("space:inv-guild", models.CodeNotFound)

		// Leaving an open space cuts too, and they may follow it again as readers.
		bob.do("POST", "/api/v1/spaces/open-guild/leave", nil).want(http.StatusOK)
		for cut, ended := false, false; !cut || !ended; {
			switch f := bobSock.next(); {
			case f.Topic == "me" && f.Event == models.EventMembershipEnded:
				ended = true
			case f.Event == "error" && f.Topic == "thread:"+itoa(public):
				cut = true
			case f.Topic == "me" && f.Event == models.EventNotification:
			default:
				t.Fatalf("leaving the open space: %s", f)
			}
		}
		bobSock.mustSubscribe("thread:" + itoa(public))
		postBody(ann, public, "read on")
		if f := bobSock.next(); f.post(t).Body != "read on" {
			t.Fatalf("reader again: %s", f)
		}
	})
}

func TestLiveSlowClientIsDropped(t *testing.T) {
	ts := startLive(t, models.SQLite, func(c *app.Config) {
		c.LiveSendQueue = 4
		c.MaxPostChars = 200000
		c.MaxBodyBytes = 1 << 20
	})
	ann := ts.member("Ann")
	ann.space("go-guild", "open")
	tid, _ := ann.thread("go-guild", "Big")

	// The slow client never reads, through a small receive buffer.
	h := http.Header{}
	u, _ := url.Parse(ts.URL)
	for _, ck := range ann.http.Jar.Cookies(u) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	h.Set("Origin", ts.URL)
	// The buffer is set before connecting, so that the window the client
	// advertises matches it.
	nd := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return errors.Join(err, serr)
	}}
	d := websocket.Dialer{NetDial: nd.Dial}
	slow, _, err := d.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/api/v1/live", h)
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.KeepAlive(slow)
	defer slow.Close()
	if err := slow.WriteJSON(map[string]any{"op": "subscribe", "topic": "thread:" + itoa(tid)}); err != nil {
		t.Fatal(err)
	}
	if _, b, err := slow.ReadMessage(); err != nil || !strings.Contains(string(b), `"subscribed"`) {
		t.Fatalf("slow client subscribing: %s %v", b, err)
	}
	fast := ts.live(ann)
	fast.mustSubscribe("thread:" + itoa(tid))

	big := strings.Repeat("All work and no play. ", 5000) // about 110 KB, twice in a frame
	const n = 80
	for i := range n {
		postBody(ann, tid, fmt.Sprintf("%d %s", i, big))
		// The fast client keeps up, and receives every one in order.
		if f := fast.next(); f.seq() != int64(i+1) {
			t.Fatalf("fast client: want seq %d, got %s", i+1, f)
		}
	}
	// The slow one was closed: reading now finds the end before all n posts.
	got := 0
	for {
		_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, err := slow.ReadMessage()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the slow client was not closed (read %d frames)", got)
			}
			break
		}
		got++
	}
	if got >= n+1 {
		t.Fatalf("the slow client read all %d frames", got)
	}
	t.Logf("slow client read %d frames before the server closed it", got)
}

func TestLiveNotificationsReachMe(t *testing.T) {
	ts := startLive(t, models.SQLite, nil)
	ann, bob := ts.member("Ann"), ts.member("Bob")
	ann.space("go-guild", "open")
	bob.join("go-guild")
	tid, _ := ann.thread("go-guild", "Hello")
	sock := ts.live(ann)
	fs := sock.subscribe("me", nil)
	if f := fs[0]; f.Event != "subscribed" || f.Topic != "me" {
		t.Fatalf("subscribe me: %v", fs)
	}
	postBody(bob, tid, "a reply for Ann")
	f := sock.next()
	if f.Topic != "me" || f.Event != models.EventNotification || f.seq() < 1 {
		t.Fatalf("Ann got %s", f)
	}
	// Bob's own socket hears his notifications, and none of Ann's.
	other := ts.live(bob)
	other.mustSubscribe("me")
	bobs, _ := bob.thread("go-guild", "Bob's")
	postBody(bob, tid, "another for Ann")
	postBody(ann, bobs, "a reply for Bob")
	if f := other.next(); f.Topic != "me" || f.Event != models.EventNotification || f.seq() != 1 {
		t.Fatalf("Bob got %s", f)
	}
	if f := sock.next(); f.Event != models.EventNotification || f.seq() != 2 {
		t.Fatalf("Ann's second notification: %s", f)
	}
}

func TestLivePresenceCountsReaders(t *testing.T) {
	ts := startLive(t, models.SQLite, nil)
	ann, bob := ts.member("Ann"), ts.member("Bob")
	ann.space("go-guild", "open")
	tid, _ := ann.thread("go-guild", "Hello")
	topic := "thread:" + itoa(tid)
	readers := func(s *socket, want int) {
		t.Helper()
		for {
			f := s.read()
			if f.Event != "presence" || f.Topic != topic {
				continue
			}
			var d struct{ Readers int }
			_ = json.Unmarshal(f.Data, &d)
			if d.Readers == want {
				return
			}
		}
	}
	a := ts.live(ann)
	a.op("subscribe", topic, nil)
	readers(a, 1)
	b := ts.live(bob)
	b.op("subscribe", topic, nil)
	readers(b, 2)
	readers(a, 2)
	// A second tab of the same person is the same reader.
	b2 := ts.live(bob)
	b2.op("subscribe", topic, nil)
	readers(b2, 2)
	b.op("unsubscribe", topic, nil)
	_ = b2.ws.Close()
	readers(a, 1)
}

func TestLiveShutdownSendsGoingAway(t *testing.T) {
	cfg := liveConfig(t, models.SQLite, nil)
	ts, stop := serveInstance(t, cfg)
	ann := ts.member("Ann")
	sock := ts.live(ann)
	sock.mustSubscribe("me")
	stop()
	_, err := sock.tryRead(5 * time.Second)
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("after shutdown: %v, want a going-away close frame", err)
	}
}

// TestLiveAcrossInstances runs two instances on one PostgreSQL: a reply
// posted through one reaches a socket of the other, through LISTEN/NOTIFY.
func TestLiveAcrossInstances(t *testing.T) {
	cfg := liveConfig(t, models.Postgres, nil)
	a, _ := serveInstance(t, cfg)
	b, _ := serveInstance(t, cfg)
	ann := a.member("Ann")
	ann.space("go-guild", "open")
	tid, _ := ann.thread("go-guild", "Hello")
	bob := b.member("Bob")
	bob.join("go-guild")

	onB := b.live(bob)
	onB.mustSubscribe("thread:" + itoa(tid))
	onB.mustSubscribe("space:go-guild")
	onA := a.live(ann)
	onA.mustSubscribe("thread:" + itoa(tid))
	for i := 1; i <= 20; i++ {
		postBody(ann, tid, fmt.Sprintf("through A %d", i))
	}
	for _, s := range []*socket{onB, onA} {
		for want := int64(1); want <= 20; {
			f := s.next()
			if f.Topic != "thread:"+itoa(tid) {
				continue
			}
			if f.seq() != want || f.post(t).Body != fmt.Sprintf("through A %d", want) {
				t.Fatalf("want seq %d, got %s", want, f)
			}
			want++
		}
	}
	// Bob replies on B; Ann's socket on A hears it once.
	postBody(bob, tid, "through B")
	if f := onA.next(); f.seq() != 21 || f.post(t).Body != "through B" {
		t.Fatalf("on A: %s", f)
	}
	postBody(bob, tid, "again through B")
	if f := onA.next(); f.seq() != 22 {
		t.Fatalf("on A, after: %s", f)
	}
}
