package main

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// epollReader reads the server's frames of many websockets from one
// goroutine with epoll, instead of a goroutine and a wake-up per socket: the
// measuring side then costs a fraction of the CPU it would, and the machine's
// two cores go to the server being measured. Frames from a server are never
// masked; each event here fits one unfragmented text frame.
type epollReader struct {
	epfd  int
	fds   []int // by index of connection
	byFD  map[int]int
	buf   []byte
	stash map[int][]byte // a frame split across reads, by fd
}

func newEpollReader(conns []*websocket.Conn) (*epollReader, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	r := &epollReader{epfd: epfd, fds: make([]int, len(conns)), byFD: map[int]int{}, buf: make([]byte, 64<<10), stash: map[int][]byte{}}
	for i, c := range conns {
		raw, err := c.NetConn().(interface {
			SyscallConn() (syscall.RawConn, error)
		}).SyscallConn()
		if err != nil {
			return nil, err
		}
		var fd int
		if err := raw.Control(func(f uintptr) { fd = int(f) }); err != nil {
			return nil, err
		}
		r.fds[i], r.byFD[fd] = fd, i
		ev := &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)} //nolint:gosec // G115: file descriptors fit in 32 bits
		if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, fd, ev); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// run records, until stop is closed, the arrival of each reply numbered in
// its body ("fanout N") at each connection.
func (r *epollReader) run(stop <-chan struct{}, arrivals [][]time.Time, received *atomic.Int64) error {
	events := make([]syscall.EpollEvent, 1024)
	marker := []byte(`"body":"fanout `)
	for {
		select {
		case <-stop:
			return syscall.Close(r.epfd)
		default:
		}
		n, err := syscall.EpollWait(r.epfd, events, 100)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			return err
		}
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			m, err := syscall.Read(fd, r.buf)
			if err != nil || m <= 0 {
				if errors.Is(err, syscall.EAGAIN) {
					continue
				}
				_ = syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
				continue
			}
			at := time.Now()
			data := append(r.stash[fd], r.buf[:m]...)
			delete(r.stash, fd)
			for len(data) >= 2 {
				size, head := int(data[1]&0x7f), 2
				switch size {
				case 126:
					if len(data) < 4 {
						size = -1
						break
					}
					size, head = int(data[2])<<8|int(data[3]), 4
				case 127:
					return fmt.Errorf("a frame of more than 64 KB")
				}
				if size < 0 || len(data) < head+size {
					break
				}
				payload := data[head : head+size]
				if k := bytes.Index(payload, marker); k >= 0 {
					rest := payload[k+len(marker):]
					if end := bytes.IndexByte(rest, '"'); end > 0 {
						if idx, err := strconv.Atoi(string(rest[:end])); err == nil && idx >= 0 && idx < len(arrivals) {
							arrivals[idx][r.byFD[fd]] = at
							received.Add(1)
						}
					}
				}
				data = data[head+size:]
			}
			if len(data) > 0 {
				r.stash[fd] = append([]byte(nil), data...)
			}
		}
	}
}
