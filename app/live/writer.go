package live

import (
	"errors"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Writing. Only the hub queues frames for a connection (enqueue) and asks
// for it to be closed (closeWhenFlushed); the queue is then written, in
// order, by exactly one flusher at a time (conn.flushing says one owns it).
//
// Most sockets take a frame at once. A fixed set of flusher goroutines,
// one per CPU by default, takes connections with something queued from a
// shared list and writes to each without waiting: a fan-out to ten thousand
// subscribers is then a tight loop of write calls spread over the CPUs,
// instead of ten thousand goroutines started, scheduled and ended. A socket
// that cannot take all of it at once (its reader is slow or gone) is handed
// to a goroutine of its own, which waits for it within the write timeout,
// so it never holds up the others.

// readyChunk is how many connections a flusher takes from the list at once.
const readyChunk = 32

// flushers is the list of connections waiting for a flusher, and the
// goroutines that take them.
type flushers struct {
	mu    sync.Mutex
	ready []*conn
	head  int
	wake  chan struct{}
	stop  chan struct{}
	done  sync.WaitGroup
}

// startFlushers starts n flusher goroutines.
func (h *Hub) startFlushers(n int) {
	h.fl.wake = make(chan struct{}, n)
	h.fl.stop = make(chan struct{})
	for range n {
		h.fl.done.Go(h.flusher)
	}
}

// stopFlushers ends the flushers once every queue they hold is written.
func (h *Hub) stopFlushers() {
	h.writers.Wait()
	close(h.fl.stop)
	h.fl.done.Wait()
}

// push lists c for a flusher. c.mu is held.
func (f *flushers) push(c *conn) {
	f.mu.Lock()
	f.ready = append(f.ready, c)
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default: // every flusher has a wake-up waiting already
	}
}

// take moves up to readyChunk listed connections into buf.
func (f *flushers) take(buf []*conn) []*conn {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := min(len(f.ready)-f.head, readyChunk)
	buf = append(buf, f.ready[f.head:f.head+n]...)
	clear(f.ready[f.head : f.head+n])
	f.head += n
	switch {
	case f.head == len(f.ready):
		f.ready, f.head = f.ready[:0], 0
	case f.head > len(f.ready)/2:
		// Under steady traffic the list may never empty: move what is left
		// to the front, so that the taken part is not kept and copied again.
		left := copy(f.ready, f.ready[f.head:])
		clear(f.ready[left:])
		f.ready, f.head = f.ready[:left], 0
	}
	return buf
}

func (h *Hub) flusher() {
	buf := make([]*conn, 0, readyChunk)
	for {
		buf = h.fl.take(buf[:0])
		if len(buf) == 0 {
			select {
			case <-h.fl.wake:
				continue
			case <-h.fl.stop:
				return
			}
		}
		for _, c := range buf {
			h.flushNow(c)
		}
	}
}

// startFlush gives c's queue to a flusher unless one owns it. c.mu is held.
func (h *Hub) startFlush(c *conn) {
	if c.flushing || c.dead {
		return
	}
	c.flushing = true
	h.writers.Add(1)
	h.fl.push(c)
}

// flushNow writes c's queue as far as the socket takes it without waiting;
// the rest goes to flushWaiting.
func (h *Hub) flushNow(c *conn) {
	for {
		c.mu.Lock()
		if c.dead || len(c.queue) == 0 {
			h.doneFlushing(c)
			return
		}
		b := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.mu.Unlock()
		n, err := c.out.try(b)
		if err != nil {
			h.fail(c)
			return
		}
		if n < len(b) {
			c.mu.Lock()
			c.rest = b[n:]
			c.mu.Unlock()
			go h.flushWaiting(c)
			return
		}
	}
}

// flushWaiting writes c's queue, waiting for the socket as long as the write
// timeout allows each write, until the queue is empty.
func (h *Hub) flushWaiting(c *conn) {
	nc := c.ws.NetConn()
	for {
		// No deadline is left behind: flushNow's writes would fail on one
		// that has passed.
		_ = nc.SetWriteDeadline(time.Time{})
		c.mu.Lock()
		rest, batches := c.rest, c.queue
		c.rest, c.queue = nil, nil
		if c.dead || (len(rest) == 0 && len(batches) == 0) {
			h.doneFlushing(c)
			return
		}
		c.mu.Unlock()
		if err := nc.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout)); err != nil {
			h.fail(c)
			return
		}
		if _, err := nc.Write(rest); err != nil {
			h.fail(c)
			return
		}
		for _, b := range batches {
			if _, err := nc.Write(b); err != nil {
				h.fail(c)
				return
			}
		}
	}
}

// doneFlushing ends a flusher's ownership of c, whose queue is empty (or which
// is dead): a socket whose close frame went out is closed. c.mu is held and
// is unlocked.
func (h *Hub) doneFlushing(c *conn) {
	closing := c.closing && !c.dead
	c.dead = c.dead || c.closing
	c.flushing, c.queue, c.rest = false, nil, nil
	c.mu.Unlock()
	if closing {
		_ = c.ws.Close()
	}
	h.writers.Done()
}

// fail ends a flusher's ownership of c after a write failed: the socket is
// closed, which ends its reader and so the connection.
func (h *Hub) fail(c *conn) {
	c.mu.Lock()
	c.dead, c.flushing, c.queue, c.rest = true, false, nil, nil
	c.mu.Unlock()
	_ = c.ws.Close()
	h.writers.Done()
}

// nowWriter writes to one socket without waiting. A connection has one,
// made with it: the function RawConn.Write is handed is made once here, as
// is the state it keeps, rather than a closure allocated at every write.
// Only the flusher that owns c's writes uses it.
type nowWriter struct {
	rc    syscall.RawConn
	write func(fd uintptr) bool
	b     []byte // what is being written
	n     int    // how much of b the socket took
	err   error  // why it took no more, unless it was full
}

func newNowWriter(rc syscall.RawConn) *nowWriter {
	w := &nowWriter{rc: rc}
	w.write = w.writeFD
	return w
}

// try writes as much of b as the socket takes now. A connection without a
// system socket (nil) takes nothing this way.
func (w *nowWriter) try(b []byte) (int, error) {
	if w == nil {
		return 0, nil
	}
	w.b, w.n, w.err = b, 0, nil
	err := w.rc.Write(w.write)
	n, werr := w.n, w.err
	w.b, w.err = nil, nil
	return n, errors.Join(err, werr)
}

func (w *nowWriter) writeFD(fd uintptr) bool {
	for w.n < len(w.b) {
		m, err := writeNow(fd, w.b[w.n:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			if !errors.Is(err, unix.EAGAIN) {
				w.err = err
			}
			break
		}
		w.n += m
	}
	return true // never wait here; flushWaiting does
}

// writeNow is write(2) on a non-blocking socket, made as a raw system call:
// it returns at once, full socket or not, so Go's scheduler need not be told
// that the thread may block (unix.Write tells it, before and after every
// call). Told, it would count a flusher writing thousands of sockets in a row
// as a thread stuck in system calls, and hand its processor to another thread
// again and again (sysmon's retake).
func writeNow(fd uintptr, b []byte) (int, error) {
	n, _, errno := unix.RawSyscall(unix.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b))) //nolint:gosec // G103: the buffer's address, for the call
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil //nolint:gosec // G115: write returns at most len(b)
}
