package netdial

import (
	"container/heap"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/check"
)

// Engine makes TCP_CHECK's connections the way keepalived's checker
// does: nonblocking sockets in one epoll set, whose completions one
// goroutine handles in batches, instead of a goroutine (and its wake-ups,
// timer and the net package's extra system calls) per check. A check is
// socket, connect, epoll_ctl, getsockopt(SO_ERROR), setsockopt(SO_LINGER)
// and close; the epoll wait is shared by every check that completes at
// once. It implements check.Exchanger: HTTP_GET's exchanges (Exchange)
// go the same way: the request is sent and the response read as the
// socket becomes writable and readable, one connection's steps after
// another's in the one goroutine.
//
// The epoll descriptor itself waits in Go's poller (an epoll set is
// readable while it has events), so the goroutine parks like any other
// and the earliest connect_timeout is the poller's read deadline.
type Engine struct {
	// Mark is the SO_MARK of a connection without its own fwmark
	// (checker_notrack's; 0: none). Set it before the first Connect.
	Mark uint32

	file *os.File // the epoll set
	raw  syscall.RawConn
	epfd int

	mu      sync.Mutex
	buf     []byte // the exchanges' reads, under mu
	pending map[int32]*pendingConn
	byTime  pendingHeap
	closed  bool
	done    chan struct{} // the loop has ended
}

type pendingConn struct {
	fd       int
	deadline time.Time
	done     func(error)
	index    int       // in byTime
	x        *exchange // Exchange's, nil for Connect's
}

// exchange is the state of an Exchange after its connection.
type exchange struct {
	step    check.Step // StepConnect, StepWrite or StepRead
	req     []byte     // what is left to send
	resp    check.Response
	timeout time.Duration
	done    func(check.Step, error)
}

// readBuf is the size of the Engine's read buffer: the most one read
// takes.
const readBuf = 4096

// maxReads bounds the reads of one connection per wake-up, so that a
// server that keeps sending does not hold the others back.
const maxReads = 16

// ErrTimeout is a connection that did not complete within its timeout.
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// NewEngine starts an Engine; Close stops it.
func NewEngine() (*Engine, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("epoll set nonblocking: %w", err)
	}
	f := os.NewFile(uintptr(epfd), "checks-epoll")
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	e := &Engine{file: f, raw: raw, epfd: epfd, buf: make([]byte, readBuf), pending: map[int32]*pendingConn{}, done: make(chan struct{})}
	go e.loop()
	return e, nil
}

// Connect starts a TCP connection from src (either part may be unset) to
// dst, bound to iface and marked with fwmark when set, and calls done
// once: with nil when the connection is established (the Engine has
// closed it with a reset, as abort does for the other checks), or with
// the error: ErrTimeout after timeout (0: no limit), the connect error
// (ECONNREFUSED ...), net.ErrClosed when the Engine is closed first.
// done may run before Connect returns; it must not block.
func (e *Engine) Connect(src, dst netip.AddrPort, iface string, fwmark uint32, timeout time.Duration, done func(error)) {
	if fwmark == 0 {
		fwmark = e.Mark
	}
	fd, err := e.start(src, dst, iface, fwmark)
	switch {
	case err == nil:
		abortFD(fd)
		done(nil)
		return
	case !errors.Is(err, unix.EINPROGRESS):
		if fd >= 0 {
			unix.Close(fd)
		}
		done(err)
		return
	}
	e.add(&pendingConn{fd: fd, done: done}, timeout)
}

// Exchange connects as Connect does, then sends req and reads the
// response until the server closes the connection, giving each read to
// resp: HTTP_GET's exchange, as keepalived's checker makes it. timeout
// bounds the connection, the sending and each read (keepalived's
// connect_timeout); 0: no limit. done is called once, with nil when the
// server closed the connection or resp had no more room (the connection
// is then closed with a reset), or with the step the exchange failed in
// (check.StepConnect, StepWrite, StepRead) and the error: ErrTimeout,
// the system call's error, net.ErrClosed when the Engine is closed
// first. resp's methods run on the Engine's goroutine with its lock
// held: they must not call the Engine. done may run before Exchange
// returns; it must not block.
func (e *Engine) Exchange(src, dst netip.AddrPort, iface string, fwmark uint32, timeout time.Duration, req []byte, resp check.Response, done func(check.Step, error)) {
	if fwmark == 0 {
		fwmark = e.Mark
	}
	fd, err := e.start(src, dst, iface, fwmark)
	if err != nil && !errors.Is(err, unix.EINPROGRESS) {
		if fd >= 0 {
			unix.Close(fd)
		}
		done(check.StepConnect, err)
		return
	}
	// Connected at once or not, the first event is the socket writable.
	x := &exchange{req: req, resp: resp, timeout: timeout, done: done}
	e.add(&pendingConn{fd: fd, x: x}, timeout)
}

// add registers p's connection for its first event, writable, within
// timeout.
func (e *Engine) add(p *pendingConn, timeout time.Duration) {
	if timeout > 0 {
		p.deadline = time.Now().Add(timeout)
	}
	fd := p.fd
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		unix.Close(fd)
		p.result(net.ErrClosed).run()
		return
	}
	e.pending[int32(fd)] = p
	earliest := false
	if !p.deadline.IsZero() {
		heap.Push(&e.byTime, p)
		earliest = e.byTime[0] == p
	}
	// Registered under the lock: the loop cannot see the event before
	// the connection is in pending.
	err := unix.EpollCtl(e.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLONESHOT, Fd: int32(fd)})
	if err != nil {
		e.forget(p)
		e.mu.Unlock()
		unix.Close(fd)
		p.result(fmt.Errorf("epoll_ctl: %w", err)).run()
		return
	}
	if earliest {
		// Wakes the loop's wait if it was for a later deadline (under the
		// lock, so the loop's own update cannot undo it).
		e.file.SetReadDeadline(p.deadline)
	}
	e.mu.Unlock()
}

// start opens the socket and connects it; fd is -1 when there is none.
func (e *Engine) start(src, dst netip.AddrPort, iface string, fwmark uint32) (int, error) {
	family := unix.AF_INET
	if dst.Addr().Is6() && !dst.Addr().Is4In6() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if iface != "" {
		if err := unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, iface); err != nil {
			return fd, errors.Join(errBindIf, err)
		}
	}
	if fwmark != 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_MARK, int(fwmark)); err != nil {
			return fd, errors.Join(errFwmark, err)
		}
	}
	if src.Addr().IsValid() || src.Port() != 0 {
		a := src.Addr()
		if !a.IsValid() {
			a = netip.IPv4Unspecified()
			if family == unix.AF_INET6 {
				a = netip.IPv6Unspecified()
			}
		}
		sa, err := sockaddr(netip.AddrPortFrom(a, src.Port()), family, "")
		if err != nil {
			return fd, err
		}
		if err := unix.Bind(fd, sa); err != nil {
			return fd, os.NewSyscallError("bind", err)
		}
	}
	sa, err := sockaddr(dst, family, iface)
	if err != nil {
		return fd, err
	}
	if err := unix.Connect(fd, sa); err != nil {
		if errors.Is(err, unix.EINPROGRESS) {
			return fd, err
		}
		return fd, os.NewSyscallError("connect", err)
	}
	return fd, nil
}

// sockaddr is ap as family's socket address; a link-local IPv6
// destination without a zone takes iface's.
func sockaddr(ap netip.AddrPort, family int, iface string) (unix.Sockaddr, error) {
	if family == unix.AF_INET {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().Unmap().As4()}, nil
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	zone := ap.Addr().Zone()
	if zone == "" && iface != "" && ap.Addr().IsLinkLocalUnicast() {
		zone = iface
	}
	if zone != "" {
		ifi, err := net.InterfaceByName(zone)
		if err != nil {
			return nil, err
		}
		sa.ZoneId = uint32(ifi.Index)
	}
	return sa, nil
}

// abortFD closes an established connection with a reset (SO_LINGER 0).
func abortFD(fd int) {
	_ = unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	unix.Close(fd)
}

// forget removes p from the Engine's tables; e.mu is held.
func (e *Engine) forget(p *pendingConn) {
	delete(e.pending, int32(p.fd))
	if p.index >= 0 && !p.deadline.IsZero() {
		heap.Remove(&e.byTime, p.index)
	}
	p.index = -1
}

// result is p's completion with err (nil: success), in the step its
// exchange is in.
func (p *pendingConn) result(err error) completion {
	c := completion{done: p.done, err: err}
	if p.x != nil {
		c.done, c.xdone, c.step = nil, p.x.done, p.x.step
	}
	return c
}

// completion is a finished connection's callback and result.
type completion struct {
	done  func(error)
	xdone func(check.Step, error) // an Exchange's, instead of done
	step  check.Step
	err   error
}

func (c completion) run() {
	if c.xdone != nil {
		c.xdone(c.step, c.err)
		return
	}
	c.done(c.err)
}

// loop waits for the epoll set and finishes what completed or expired.
func (e *Engine) loop() {
	defer close(e.done)
	events := make([]unix.EpollEvent, 256)
	var out []completion
	for {
		var fatal error
		err := e.raw.Read(func(uintptr) bool {
			n, werr := unix.EpollWait(e.epfd, events, 0)
			switch {
			case n > 0:
				out = e.complete(events[:n], out[:0])
				return true
			case werr != nil && !errors.Is(werr, unix.EINTR):
				fatal = werr
				return true
			}
			return false // nothing yet: park until the set is readable
		})
		if err == nil {
			err = fatal
		}
		for _, c := range out {
			c.run()
		}
		out = out[:0]
		if errors.Is(err, os.ErrDeadlineExceeded) {
			out = e.expire(out)
			for _, c := range out {
				c.run()
			}
			out = out[:0]
		} else if err != nil {
			e.shutdown()
			return
		}
		e.mu.Lock()
		next := time.Time{}
		if len(e.byTime) > 0 {
			next = e.byTime[0].deadline
		}
		e.file.SetReadDeadline(next)
		e.mu.Unlock()
	}
}

// complete takes the connections of events out of the tables and closes
// them; their callbacks run after, outside the lock.
func (e *Engine) complete(events []unix.EpollEvent, out []completion) []completion {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range events {
		p := e.pending[ev.Fd]
		if p == nil {
			continue
		}
		if p.x != nil {
			if c, end := e.step(p, ev.Events); end {
				out = append(out, c)
			}
			continue
		}
		c, _ := e.end(p, connectError(p.fd, ev.Events))
		out = append(out, c)
	}
	return out
}

// connectError is how a connection whose socket reported events
// completed: nil when established. Established is writable and nothing
// else; only a failure (EPOLLERR, EPOLLHUP) needs SO_ERROR for its errno.
func connectError(fd int, events uint32) error {
	if events&(unix.EPOLLERR|unix.EPOLLHUP) == 0 {
		return nil
	}
	soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	switch {
	case err != nil:
		return os.NewSyscallError("getsockopt", err)
	case soerr != 0:
		return os.NewSyscallError("connect", syscall.Errno(soerr))
	}
	return nil
}

// step takes an Exchange's connection as far as it can go on events:
// established, the request sent, the response read until the socket has
// nothing more. end says the exchange is over, with c its completion.
// e.mu is held.
func (e *Engine) step(p *pendingConn, events uint32) (c completion, end bool) {
	x := p.x
	if x.step == check.StepConnect {
		if err := connectError(p.fd, events); err != nil {
			return e.end(p, err)
		}
		x.step = check.StepWrite
	}
	if x.step == check.StepWrite {
		for len(x.req) > 0 {
			// MSG_NOSIGNAL: a server that reset the connection is EPIPE,
			// not SIGPIPE.
			n, err := unix.SendmsgN(p.fd, x.req, nil, nil, unix.MSG_NOSIGNAL)
			switch {
			case err == unix.EINTR:
				continue
			case err == unix.EAGAIN:
				return e.rearm(p, unix.EPOLLOUT)
			case err != nil:
				return e.end(p, os.NewSyscallError("write", err))
			}
			x.req = x.req[n:]
		}
		x.step = check.StepRead
		return e.rearm(p, unix.EPOLLIN)
	}
	for range maxReads {
		room := min(x.resp.Room(), len(e.buf))
		if room <= 0 {
			return e.end(p, nil)
		}
		n, err := unix.Read(p.fd, e.buf[:room])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return e.rearm(p, unix.EPOLLIN)
		case err != nil:
			return e.end(p, os.NewSyscallError("read", err))
		case n == 0:
			return e.end(p, nil)
		}
		x.resp.Feed(e.buf[:n])
	}
	return e.rearm(p, unix.EPOLLIN) // more to read, after the others
}

// rearm waits for events on p's connection again, with a new deadline
// (connect_timeout bounds each step). e.mu is held.
func (e *Engine) rearm(p *pendingConn, events uint32) (completion, bool) {
	ev := unix.EpollEvent{Events: events | unix.EPOLLONESHOT, Fd: int32(p.fd)}
	if err := unix.EpollCtl(e.epfd, unix.EPOLL_CTL_MOD, p.fd, &ev); err != nil {
		return e.end(p, fmt.Errorf("epoll_ctl: %w", err))
	}
	if p.x.timeout > 0 {
		p.deadline = time.Now().Add(p.x.timeout)
		heap.Fix(&e.byTime, p.index)
	}
	return completion{}, false
}

// end finishes p's connection or exchange with err: after a clean end
// the connection is closed with a reset (see abortFD), after a failure
// plainly. e.mu is held.
func (e *Engine) end(p *pendingConn, err error) (completion, bool) {
	e.forget(p)
	if err == nil {
		abortFD(p.fd)
	} else {
		unix.Close(p.fd)
	}
	return p.result(err), true
}

// expire fails the connections whose deadline has passed.
func (e *Engine) expire(out []completion) []completion {
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(e.byTime) > 0 && !e.byTime[0].deadline.After(now) {
		p := e.byTime[0]
		e.forget(p)
		unix.Close(p.fd)
		out = append(out, p.result(ErrTimeout))
	}
	return out
}

// shutdown fails every pending connection once the epoll set is closed.
func (e *Engine) shutdown() {
	e.mu.Lock()
	e.closed = true
	var out []completion
	for _, p := range e.pending {
		unix.Close(p.fd)
		out = append(out, p.result(net.ErrClosed))
	}
	e.pending, e.byTime = map[int32]*pendingConn{}, nil
	e.mu.Unlock()
	for _, c := range out {
		c.run()
	}
}

// Close stops the Engine: pending connections end with net.ErrClosed
// before it returns.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	err := e.file.Close()
	<-e.done
	return err
}

// pendingHeap orders pending connections by deadline (container/heap).
type pendingHeap []*pendingConn

func (h pendingHeap) Len() int           { return len(h) }
func (h pendingHeap) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }
func (h pendingHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *pendingHeap) Push(x any) {
	p := x.(*pendingConn)
	p.index = len(*h)
	*h = append(*h, p)
}
func (h *pendingHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	*h = old[:len(old)-1]
	p.index = -1
	return p
}
