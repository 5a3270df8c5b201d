package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// serverFrame is a text frame as a server sends it (unmasked, one
// fragment), with a 2-byte header up to 125 bytes of payload and 4 bytes up
// to 65,535.
func serverFrame(payload []byte) []byte {
	head := []byte{0x81, byte(len(payload))}
	if len(payload) > 125 {
		head = []byte{0x81, 126, 0, 0}
		binary.BigEndian.PutUint16(head[2:], uint16(len(payload))) //nolint:gosec // G115: under 64 KB here
	}
	return append(head, payload...)
}

// However a socket's bytes are cut into reads, the reader finds every frame
// whole, in order, with its size; a cut inside a header or a payload waits
// for the next read.
func TestFramesAreFoundHoweverTheReadsCutThem(t *testing.T) {
	var payloads [][]byte
	var stream []byte
	for i, n := range []int{0, 1, 125, 126, 300, 4000, 65535, 7} {
		p := bytes.Repeat([]byte{'a' + byte(i)}, n)
		payloads = append(payloads, p)
		stream = append(stream, serverFrame(p)...)
	}
	for _, chunk := range []int{1, 2, 3, 5, 127, 1000, len(stream)} {
		t.Run(fmt.Sprintf("reads of %d bytes", chunk), func(t *testing.T) {
			var got [][]byte
			var sizes []int
			var left []byte
			for at := 0; at < len(stream); at += chunk {
				data := append(left, stream[at:min(at+chunk, len(stream))]...)
				var err error
				left, err = splitFrames(data, func(payload []byte, size int) {
					got = append(got, bytes.Clone(payload))
					sizes = append(sizes, size)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if len(left) != 0 {
				t.Fatalf("%d bytes left over", len(left))
			}
			if len(got) != len(payloads) {
				t.Fatalf("found %d frames, want %d", len(got), len(payloads))
			}
			for i := range payloads {
				if !bytes.Equal(got[i], payloads[i]) {
					t.Errorf("frame %d: %d bytes, want %d bytes of %q", i, len(got[i]), len(payloads[i]), rune('a'+i))
				}
				if want := len(serverFrame(payloads[i])); sizes[i] != want {
					t.Errorf("frame %d: size %d, want %d", i, sizes[i], want)
				}
			}
		})
	}
}

// A frame of 64 KB or more (an 8-byte length) is not one kith sends for an
// event: the reader stops rather than misreads it.
func TestAFrameOfSixtyFourKilobytesIsRefused(t *testing.T) {
	frame := append([]byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}, make([]byte, 1<<16)...)
	if _, err := splitFrames(frame, func([]byte, int) {}); err == nil {
		t.Fatal("a 64 KB frame was read")
	}
}
