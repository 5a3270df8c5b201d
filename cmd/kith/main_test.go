package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run the real kith binary, built once from this package, the
// way an operator would.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kith-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "kith")
	build := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build kith:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// kithCmd runs a kith command to completion and returns its output.
func kithCmd(t testing.TB, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "KITH_PASSWORD_COST=4")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// instance is a running `kith serve`.
type instance struct {
	cmd  *exec.Cmd
	URL  string
	logs *bytes.Buffer
	mu   sync.Mutex
	done chan error
}

var servingAddr = regexp.MustCompile(`msg="kith serving" addr=(\S+)`)

func serve(t testing.TB, dataDir string, args ...string) *instance {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--data", dataDir, "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "KITH_PASSWORD_COST=4", "KITH_SHUTDOWN_TIMEOUT=10s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{cmd: cmd, logs: &bytes.Buffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			in.mu.Lock()
			in.logs.WriteString(line + "\n")
			in.mu.Unlock()
			if m := servingAddr.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
		in.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	select {
	case a := <-addr:
		in.URL = "http://" + a
	case <-time.After(20 * time.Second):
		t.Fatalf("kith did not start serving:\n%s", in.log())
	}
	res, err := http.Get(in.URL + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", res, err)
	}
	_ = res.Body.Close()
	return in
}

func (in *instance) log() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.logs.String()
}

// stop sends SIGTERM and waits for a clean exit.
func (in *instance) stop(t testing.TB) {
	t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-in.done:
		if err != nil {
			t.Fatalf("kith exited with %v:\n%s", err, in.log())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("kith did not stop after SIGTERM:\n%s", in.log())
	}
}

// api is a minimal JSON client with a bearer token.
type api struct {
	t     testing.TB
	base  string
	token string
}

func (a *api) call(method, path string, body any, want int) map[string]any {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	if res.StatusCode != want {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	return out
}

// signUp creates an account and returns an API client with a bearer token.
func signUp(t testing.TB, base, name string) *api {
	t.Helper()
	a := &api{t: t, base: base}
	email := strings.ToLower(name) + "@example.com"
	a.call("POST", "/api/v1/auth/signup", map[string]any{"email": email, "name": name, "password": "correct horse battery"}, http.StatusCreated)
	tok := a.call("POST", "/api/v1/auth/token", map[string]any{"email": email, "password": "correct horse battery"}, http.StatusCreated)
	a.token = tok["token"].(string)
	return a
}

const purpose = "We help each other write clear, correct Go and share what we learn."

func TestVersionAndHelp(t *testing.T) {
	out, err := kithCmd(t, "version")
	if err != nil || !strings.HasPrefix(out, "kith ") {
		t.Fatalf("version: %q %v", out, err)
	}
	out, err = kithCmd(t, "serve", "--help")
	if err != nil {
		t.Fatalf("serve --help exits with %v", err)
	}
	for _, want := range []string{"-addr", "KITH_ADDR", "-db", "KITH_DATABASE_URL", "KITH_BASE_URL", "KITH_MAX_BODY_BYTES", "KITH_LOGINS_PER_MINUTE"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %s", want)
		}
	}
	if out, err := kithCmd(t, "frobnicate"); err == nil || !strings.Contains(out, "unknown command") {
		t.Errorf("unknown command: %q %v", out, err)
	}
	if out, err := kithCmd(t, "serve", "--max-post-chars", "0"); err == nil || !strings.Contains(out, "max-post-chars") {
		t.Errorf("a bad setting must stop kith with a clear message: %q %v", out, err)
	}
	if out, err := kithCmd(t, "serve", "--gc-percent", "0"); err == nil || !strings.Contains(out, "gc-percent") {
		t.Errorf("a garbage collection target of 0 must stop kith with a clear message: %q %v", out, err)
	}
}

// TestBackupWhileServing writes posts, copies the database while kith keeps
// serving and writing, then serves the copy and finds every post written
// before the copy began.
func TestBackupWhileServing(t *testing.T) {
	data := t.TempDir()
	in := serve(t, data)
	out, err := kithCmd(t, "admin", "create", "--data", data, "--email", "root@example.com", "--name", "Root", "--password", "correct horse battery")
	if err != nil || !strings.Contains(out, "created admin") {
		t.Fatalf("admin create while serving: %q %v", out, err)
	}
	ann := signUp(t, in.URL, "Ann")
	ann.call("POST", "/api/v1/spaces", map[string]any{"slug": "go-guild", "name": "Go Guild", "purpose": purpose, "visibility": "open"}, http.StatusCreated)
	th := ann.call("POST", "/api/v1/spaces/go-guild/threads", map[string]any{"title": "Backups", "body": "post 0"}, http.StatusCreated)
	tid := int64(th["thread"].(map[string]any)["id"].(float64))
	const before = 40
	for i := 1; i < before; i++ {
		ann.call("POST", fmt.Sprintf("/api/v1/threads/%d/posts", tid), map[string]any{"body": fmt.Sprintf("post %d", i)}, http.StatusCreated)
	}

	// Keep writing while the backup runs.
	stopWriting := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := before; ; i++ {
			select {
			case <-stopWriting:
				return
			default:
			}
			ann.call("POST", fmt.Sprintf("/api/v1/threads/%d/posts", tid), map[string]any{"body": fmt.Sprintf("post %d", i)}, http.StatusCreated)
		}
	}()
	backup := filepath.Join(t.TempDir(), "restore", "kith.db")
	if err := os.MkdirAll(filepath.Dir(backup), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err = kithCmd(t, "backup", "--data", data, "--out", backup)
	close(stopWriting)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %q %v", out, err)
	}
	if out, err := kithCmd(t, "backup", "--data", data, "--out", backup); err == nil {
		t.Fatalf("a backup over an existing file must fail: %q", out)
	}
	in.stop(t)

	restored := serve(t, filepath.Dir(backup))
	reader := &api{t: t, base: restored.URL}
	tok := reader.call("POST", "/api/v1/auth/token", map[string]any{"email": "ann@example.com", "password": "correct horse battery"}, http.StatusCreated)
	reader.token = tok["token"].(string)
	seen := map[string]bool{}
	cursor := ""
	for {
		page := reader.call("GET", fmt.Sprintf("/api/v1/threads/%d?limit=100&cursor=%s", tid, cursor), nil, http.StatusOK)
		for _, p := range page["posts"].([]any) {
			seen[p.(map[string]any)["body"].(string)] = true
		}
		cursor, _ = page["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	for i := 0; i < before; i++ {
		if !seen[fmt.Sprintf("post %d", i)] {
			t.Fatalf("the restored copy lacks post %d (it has %d posts)", i, len(seen))
		}
	}
	if _, err := kithCmd(t, "admin", "create", "--data", filepath.Dir(backup), "--email", "root@example.com", "--name", "Root", "--password", "correct horse battery"); err == nil {
		t.Fatal("the restored copy lacks the admin created while serving")
	}
	restored.stop(t)
}

// TestSIGTERMDrainsRequests sends SIGTERM while a request is still arriving:
// kith stops taking connections, finishes that request, and its post is stored.
func TestSIGTERMDrainsRequests(t *testing.T) {
	data := t.TempDir()
	in := serve(t, data)
	ann := signUp(t, in.URL, "Ann")
	ann.call("POST", "/api/v1/spaces", map[string]any{"slug": "go-guild", "name": "Go Guild", "purpose": purpose, "visibility": "open"}, http.StatusCreated)
	th := ann.call("POST", "/api/v1/spaces/go-guild/threads", map[string]any{"title": "Shutdown", "body": "first"}, http.StatusCreated)
	tid := int64(th["thread"].(map[string]any)["id"].(float64))

	body := `{"body": "written during shutdown"}`
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/threads/%d/posts", in.URL, tid), pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ann.token)
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		_ = res.Body.Close()
		done <- result{status: res.StatusCode}
	}()
	if _, err := pw.Write([]byte(body[:10])); err != nil { // the request is in flight
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := pw.Write([]byte(body[10:])); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	r := <-done
	if r.err != nil || r.status != http.StatusCreated {
		t.Fatalf("request in flight at SIGTERM: status %d, %v\n%s", r.status, r.err, in.log())
	}
	select {
	case err := <-in.done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, in.log())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("kith did not exit after draining")
	}
	if !strings.Contains(in.log(), "shutting down") {
		t.Errorf("no shutdown line in the log:\n%s", in.log())
	}

	again := serve(t, data)
	reader := &api{t: t, base: again.URL, token: ann.token}
	page := reader.call("GET", fmt.Sprintf("/api/v1/threads/%d", tid), nil, http.StatusOK)
	if posts := page["posts"].([]any); len(posts) != 2 || posts[1].(map[string]any)["body"] != "written during shutdown" {
		t.Fatalf("after restart the thread has %v", posts)
	}
	again.stop(t)
}

// TestNoSecretsInLogs checks that passwords and tokens never reach the log.
func TestNoSecretsInLogs(t *testing.T) {
	in := serve(t, t.TempDir(), "--log-level", "debug")
	ann := signUp(t, in.URL, "Ann")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Post(in.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"ann@example.com","password":"correct horse battery"}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	in.stop(t)
	logs := in.log()
	if !strings.Contains(logs, "/api/v1/auth/login") {
		t.Fatalf("debug logging shows no requests, so this test proves nothing:\n%s", logs)
	}
	for _, secret := range []string{"correct horse battery", ann.token, "kith_session="} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains a secret (%.12s...)", secret)
		}
	}
}
