package live

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The frames the hub encodes itself are read by gorilla's client as the
// messages they hold: text of every length class, pings with their
// payload, and a close frame with its code and reason (cut to fit).
func TestWireIsReadByAWebsocketClient(t *testing.T) {
	sizes := []int{0, 1, 125, 126, 65535, 65536, 200000}
	longReason := strings.Repeat("é", 100) // 200 bytes: cut at a rune
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up := websocket.Upgrader{}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		var frames []wire
		for _, n := range sizes {
			frames = append(frames, encode(opText, bytes.Repeat([]byte{'a' + byte(n%26)}, n)))
		}
		frames = append(frames, encode(opPing, []byte("are you there")), closeWire(websocket.CloseTryAgainLater, longReason))
		_, _ = ws.NetConn().Write(join(frames))
		time.Sleep(time.Second) // until the client has read it all
		_ = ws.Close()
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var pinged string
	ws.SetPingHandler(func(data string) error { pinged = data; return nil })
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, n := range sizes {
		kind, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("reading the %d-byte message: %v", n, err)
		}
		if kind != websocket.TextMessage || !bytes.Equal(msg, bytes.Repeat([]byte{'a' + byte(n%26)}, n)) {
			t.Fatalf("the %d-byte message came as kind %d, %d bytes", n, kind, len(msg))
		}
	}
	_, _, err = ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseTryAgainLater {
		t.Fatalf("after the messages: %v, want a try-again-later close", err)
	}
	if want := strings.Repeat("é", 61); ce.Text != want {
		t.Errorf("close reason %q (%d bytes), want it cut to %d bytes", ce.Text, len(ce.Text), len(want))
	}
	if pinged != "are you there" {
		t.Errorf("ping payload %q", pinged)
	}
}
