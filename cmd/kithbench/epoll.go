package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gorilla/websocket"
)

// pollEvery is how long the reader sleeps when no socket has anything to
// read: an arrival is timed at most this late.
const pollEvery = 200 * time.Microsecond

// epollReader reads the server's frames of many websockets from one
// goroutine, so that the measuring side costs the machine as little as it
// can and its two cores go to the server being measured:
//   - one goroutine and epoll, instead of a goroutine and a wake-up per
//     socket;
//   - the sockets are taken out of Go's own poller (each is a duplicate of
//     the websocket's descriptor, whose original is closed), which would
//     otherwise be told of every arrival too;
//   - while measuring it polls, sleeping pollEvery when there is nothing to
//     read, rather than waiting in epoll_wait: on loopback a waiting reader
//     is woken from inside the server's write, on the server's time.
//
// A frame's arrival is the time the kernel received it on the subscriber's
// socket (SO_TIMESTAMPNS), when the server's part of the delivery is done; a
// reader going through thousands of sockets on CPUs it shares with the
// server reads many of them later than that, and that lag is the measuring
// side's, not the server's. The time each frame was read is kept too.
//
// Frames from a server are never masked; each event here fits one
// unfragmented text frame.
type epollReader struct {
	epfd  int
	fds   []int // by index of connection
	byFD  map[int]int
	buf   []byte
	oob   []byte         // control messages of a read: the kernel's receive time
	stash map[int][]byte // a frame split across reads, by fd

	frameBytes atomic.Int64 // size of the last reply's frame, header included
}

// newEpollReader takes the sockets of conns over; close them with close.
func newEpollReader(conns []*websocket.Conn) (*epollReader, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	r := &epollReader{epfd: epfd, byFD: map[int]int{}, buf: make([]byte, 64<<10), oob: make([]byte, syscall.CmsgSpace(64)), stash: map[int][]byte{}}
	for i, c := range conns {
		raw, err := c.NetConn().(syscall.Conn).SyscallConn()
		if err != nil {
			r.close()
			return nil, err
		}
		var fd int
		var dupErr error
		if err := raw.Control(func(f uintptr) { fd, dupErr = syscall.Dup(int(f)) }); err != nil || dupErr != nil { //nolint:gosec // G115: a file descriptor fits an int
			r.close()
			return nil, errors.Join(err, dupErr)
		}
		_ = c.Close() // the socket stays open through fd
		r.fds = append(r.fds, fd)
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1); err != nil {
			r.close()
			return nil, fmt.Errorf("asking for receive times: %w", err)
		}
		r.byFD[fd] = i
		ev := &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)} //nolint:gosec // G115: file descriptors fit in 32 bits
		if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, fd, ev); err != nil {
			r.close()
			return nil, err
		}
	}
	return r, nil
}

// close closes every socket and the epoll instance.
func (r *epollReader) close() {
	for _, fd := range r.fds {
		_ = syscall.Close(fd)
	}
	_ = syscall.Close(r.epfd)
}

// run records, until stop is closed, the arrival of each reply numbered in
// its body ("fanout N") at each connection and when it was read, and the
// first created_at each reply's frames carry.
func (r *epollReader) run(stop <-chan struct{}, arrivals, reads [][]time.Time, created []time.Time, received *atomic.Int64) error {
	runtime.LockOSThread() // it sleeps in nanosleep, off Go's scheduler
	defer runtime.UnlockOSThread()
	events := make([]syscall.EpollEvent, 1024)
	marker := []byte(`"body":"fanout `)
	createdAt := []byte(`"created_at":"`)
	nap := syscall.NsecToTimespec(pollEvery.Nanoseconds())
	for {
		n, err := syscall.EpollWait(r.epfd, events, 0)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			return err
		}
		if n == 0 {
			select {
			case <-stop:
				return nil
			default:
			}
			_ = syscall.Nanosleep(&nap, nil)
			continue
		}
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			m, oobn, _, _, err := syscall.Recvmsg(fd, r.buf, r.oob, 0)
			if err != nil || m <= 0 {
				if errors.Is(err, syscall.EAGAIN) {
					continue
				}
				_ = syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
				continue
			}
			read := time.Now()
			at := receivedAt(r.oob[:oobn])
			if at.IsZero() {
				at = read
			}
			data := r.buf[:m]
			if st, ok := r.stash[fd]; ok {
				data = append(st, data...)
				delete(r.stash, fd)
			}
			conn := r.byFD[fd]
			data, err = splitFrames(data, func(payload []byte, size int) {
				k := bytes.Index(payload, marker)
				if k < 0 {
					return
				}
				rest := payload[k+len(marker):]
				end := bytes.IndexByte(rest, '"')
				if end <= 0 {
					return
				}
				if idx, err := strconv.Atoi(string(rest[:end])); err == nil && idx >= 0 && idx < len(arrivals) {
					if created[idx].IsZero() {
						created[idx] = timeAfter(payload, createdAt)
					}
					arrivals[idx][conn] = at
					reads[idx][conn] = read
					received.Add(1)
					r.frameBytes.Store(int64(size))
				}
			})
			if err != nil {
				return err
			}
			if len(data) > 0 {
				r.stash[fd] = append([]byte(nil), data...)
			}
		}
	}
}

// splitFrames calls each with the payload and the whole size (header
// included) of every complete frame at the start of data, and returns what
// is left: the start of a frame that a later read completes.
func splitFrames(data []byte, each func(payload []byte, size int)) ([]byte, error) {
	for len(data) >= 2 {
		size, head := int(data[1]&0x7f), 2
		switch size {
		case 126:
			if len(data) < 4 {
				return data, nil
			}
			size, head = int(binary.BigEndian.Uint16(data[2:4])), 4
		case 127:
			return nil, errors.New("a frame of more than 64 KB")
		}
		if len(data) < head+size {
			return data, nil
		}
		each(data[head:head+size], head+size)
		data = data[head+size:]
	}
	return data, nil
}

// timeAfter parses the RFC 3339 time quoted after key in payload; zero if
// there is none.
func timeAfter(payload, key []byte) time.Time {
	k := bytes.Index(payload, key)
	if k < 0 {
		return time.Time{}
	}
	rest := payload[k+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, string(rest[:end]))
	return t
}

// receivedAt returns the kernel's receive time among a read's control
// messages (SO_TIMESTAMPNS: of the last segment read); zero if there is none.
func receivedAt(oob []byte) time.Time {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
			ts := (*syscall.Timespec)(unsafe.Pointer(&m.Data[0])) //nolint:gosec // the kernel's struct timespec
			return time.Unix(ts.Unix())
		}
	}
	return time.Time{}
}
