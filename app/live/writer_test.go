package live

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// socketPair returns the two ends of a loopback TCP connection.
func socketPair(t *testing.T) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close(); _ = client.Close() })
	return server, client
}

func nowWriterOf(t *testing.T, c *net.TCPConn) *nowWriter {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	return newNowWriter(rc)
}

// A socket that takes a frame takes it whole, in one try that allocates
// nothing (a fan-out makes one try per subscriber); one that is full takes
// what it can, without waiting and without an error; one whose peer has gone
// reports the error.
func TestWritingASocketNowTakesWhatItCanWithoutWaiting(t *testing.T) {
	server, client := socketPair(t)
	w := nowWriterOf(t, server)
	frame := encode(opText, []byte(`{"topic":"thread:1","seq":1,"event":"post.created"}`))

	const tries = 200
	allocs := testing.AllocsPerRun(tries, func() {
		if n, err := w.try(frame); n != len(frame) || err != nil {
			t.Fatalf("try = %d, %v; want %d, nil", n, err, len(frame))
		}
	})
	if allocs != 0 {
		t.Errorf("a try allocates %v times; want none", allocs)
	}
	got := make([]byte, (tries+1)*len(frame)) // AllocsPerRun runs once more to warm up
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	if want := bytes.Repeat(frame, tries+1); !bytes.Equal(got, want) {
		t.Fatal("the client did not read the frames written, in order")
	}

	// Nobody reads: the socket fills, and a try takes part or nothing.
	big := bytes.Repeat([]byte("x"), 1<<20)
	start, partial := time.Now(), false
	for range 256 {
		n, err := w.try(big)
		if err != nil {
			t.Fatalf("a full socket reported %v", err)
		}
		if n < len(big) {
			partial = true
			break
		}
	}
	if !partial {
		t.Fatal("256 MB went into a socket nobody reads")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("filling the socket took %v: a try waited", d)
	}

	_ = client.Close()
	var err error
	for range 100 { // the reset reaches the server's socket at the first write after the close
		if _, err = w.try(frame); err != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil {
		t.Error("writing to a socket whose peer closed reported no error")
	}
}

// A connection with no system socket takes nothing this way.
func TestWritingNowWithoutASocketTakesNothing(t *testing.T) {
	var w *nowWriter
	if n, err := w.try([]byte("x")); n != 0 || err != nil {
		t.Fatalf("try = %d, %v; want 0, nil", n, err)
	}
}
