package live

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// wire is one or more whole websocket frames, encoded as a server sends
// them (RFC 6455 section 5.2: unmasked, unfragmented, uncompressed). The hub
// writes these bytes to sockets itself, rather than through gorilla's
// writer, so that a socket can be tried without blocking and a busy one
// handed to a goroutine of its own (see flushers); gorilla has no way to
// encode a frame without writing it. A wire is shared by every subscriber
// of an event: it is never modified once built.
type wire []byte

const (
	opText  byte = websocket.TextMessage
	opClose byte = websocket.CloseMessage
	opPing  byte = websocket.PingMessage
	opPong  byte = websocket.PongMessage
)

// maxControlPayload is the most a control frame (close, ping, pong) may
// carry.
const maxControlPayload = 125

// encode frames payload as one final frame of the given opcode.
func encode(opcode byte, payload []byte) wire {
	n := len(payload)
	var head []byte
	first := 0x80 | opcode // FIN and the opcode
	switch {
	case n <= 125:
		head = []byte{first, byte(n)}
	case n <= 0xffff:
		head = []byte{first, 126, 0, 0}
		binary.BigEndian.PutUint16(head[2:], uint16(n))
	default:
		head = []byte{first, 127, 0, 0, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint64(head[2:], uint64(n))
	}
	out := make(wire, 0, len(head)+n)
	return append(append(out, head...), payload...)
}

// join puts frames into one write: a replay and the "subscribed" after it
// reach the socket in one system call.
func join(frames []wire) wire {
	switch len(frames) {
	case 0:
		return nil
	case 1:
		return frames[0]
	}
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	out := make(wire, 0, n)
	for _, f := range frames {
		out = append(out, f...)
	}
	return out
}

// pingWire is the server's keep-alive ping.
var pingWire = encode(opPing, nil)

// pongWire answers a client's ping with its payload.
func pongWire(data string) wire {
	return encode(opPong, []byte(data)[:min(len(data), maxControlPayload)])
}

// closeWire is a close frame with a status code and a reason, cut to what a
// control frame may carry.
func closeWire(code int, text string) wire {
	for len(text) > maxControlPayload-2 { // the code takes two bytes
		_, size := utf8.DecodeLastRuneInString(text)
		text = text[:len(text)-size]
	}
	return encode(opClose, websocket.FormatCloseMessage(code, text))
}
