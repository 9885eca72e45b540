package netdial

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/check"
)

// feedRecorder is a check.Response keeping what it is fed, with room for limit
// bytes in all (0: no limit) and reads of at most each.
type feedRecorder struct {
	limit, each int
	got         bytes.Buffer
	reads       []int
}

func (r *feedRecorder) Room() int {
	room := r.each
	if r.limit > 0 {
		room = min(room, r.limit-r.got.Len())
	}
	return room
}

func (r *feedRecorder) Feed(p []byte) {
	r.got.Write(p)
	r.reads = append(r.reads, len(p))
}

type exchangeResult struct {
	step check.Step
	err  error
	took time.Duration
}

// runExchange runs one Exchange and waits for its result.
func runExchange(t *testing.T, e *Engine, dst netip.AddrPort, timeout time.Duration, req []byte, resp check.Response) exchangeResult {
	t.Helper()
	res := make(chan exchangeResult, 1)
	start := time.Now()
	e.Exchange(netip.AddrPort{}, dst, "", 0, timeout, req, resp, func(p check.Step, err error) {
		res <- exchangeResult{p, err, time.Since(start)}
	})
	select {
	case r := <-res:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("no result")
		return exchangeResult{}
	}
}

// server listens on loopback and runs serve on each connection, after
// reading the request up to its blank line (the request read is kept).
type server struct {
	ln   net.Listener
	mu   sync.Mutex
	reqs []string
}

func newServer(t *testing.T, serve func(c *net.TCPConn)) *server {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var req []byte
				buf := make([]byte, 1)
				for !bytes.HasSuffix(req, []byte("\r\n\r\n")) {
					if _, err := c.Read(buf); err != nil {
						return
					}
					req = append(req, buf[0])
				}
				s.mu.Lock()
				s.reqs = append(s.reqs, string(req))
				s.mu.Unlock()
				serve(c.(*net.TCPConn))
			}()
		}
	}()
	return s
}

func (s *server) addr() netip.AddrPort { return netip.MustParseAddrPort(s.ln.Addr().String()) }

const request = "GET / HTTP/1.0\r\nHost: x\r\n\r\n"

// TestEngineExchange: the request reaches the server; the response is
// fed read by read, each within Room, until the server closes or Room is
// 0; each failure comes with its step and error, and connect_timeout
// bounds each step, not the exchange.
func TestEngineExchange(t *testing.T) {
	e := newEngine(t)
	page := strings.Repeat("0123456789", 1000) // 10,000 bytes: several reads

	t.Run("response until close", func(t *testing.T) {
		s := newServer(t, func(c *net.TCPConn) {
			io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n")
			time.Sleep(50 * time.Millisecond) // a second read at least
			io.WriteString(c, page)
		})
		rec := &feedRecorder{each: 4096}
		r := runExchange(t, e, s.addr(), time.Second, []byte(request), rec)
		if r.err != nil {
			t.Fatalf("step %d: %v", r.step, r.err)
		}
		if want := "HTTP/1.0 200 OK\r\n\r\n" + page; rec.got.String() != want {
			t.Errorf("fed %d bytes, want %d", rec.got.Len(), len(want))
		}
		if len(rec.reads) < 2 {
			t.Errorf("reads %v, want two or more", rec.reads)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.reqs) != 1 || s.reqs[0] != request {
			t.Errorf("server read %q, want %q", s.reqs, request)
		}
	})

	t.Run("room bounds each read and ends the exchange", func(t *testing.T) {
		s := newServer(t, func(c *net.TCPConn) {
			io.WriteString(c, page)
			time.Sleep(10 * time.Second) // keeps the connection open
		})
		rec := &feedRecorder{limit: 100, each: 30}
		r := runExchange(t, e, s.addr(), 5*time.Second, []byte(request), rec)
		if r.err != nil || rec.got.String() != page[:100] {
			t.Fatalf("step %d err %v, fed %q; want no error and the first 100 bytes", r.step, r.err, rec.got.String())
		}
		for _, n := range rec.reads {
			if n > 30 {
				t.Errorf("reads %v: one is larger than Room's 30", rec.reads)
			}
		}
		if r.took > 2*time.Second {
			t.Errorf("took %v: it waited for the server", r.took)
		}
	})

	t.Run("refused", func(t *testing.T) {
		ln, _ := net.Listen("tcp4", "127.0.0.1:0")
		dst := netip.MustParseAddrPort(ln.Addr().String())
		ln.Close()
		r := runExchange(t, e, dst, time.Second, []byte(request), &feedRecorder{each: 4096})
		if r.step != check.StepConnect || !errors.Is(r.err, syscall.ECONNREFUSED) {
			t.Errorf("step %d err %v, want StepConnect ECONNREFUSED", r.step, r.err)
		}
	})

	t.Run("no answer", func(t *testing.T) {
		s := newServer(t, func(c *net.TCPConn) { time.Sleep(10 * time.Second) })
		rec := &feedRecorder{each: 4096}
		r := runExchange(t, e, s.addr(), 300*time.Millisecond, []byte(request), rec)
		if r.step != check.StepRead || !errors.Is(r.err, ErrTimeout) || rec.got.Len() != 0 {
			t.Errorf("step %d err %v fed %d, want StepRead ErrTimeout and nothing", r.step, r.err, rec.got.Len())
		}
		if r.took < 250*time.Millisecond || r.took > 5*time.Second {
			t.Errorf("timed out after %v, want about 300ms", r.took)
		}
	})

	t.Run("each read has the timeout", func(t *testing.T) {
		s := newServer(t, func(c *net.TCPConn) {
			for range 6 { // 1.2 s in all, a byte every 0.2 s
				io.WriteString(c, "x")
				time.Sleep(200 * time.Millisecond)
			}
		})
		rec := &feedRecorder{each: 4096}
		r := runExchange(t, e, s.addr(), 600*time.Millisecond, []byte(request), rec)
		if r.err != nil || rec.got.String() != "xxxxxx" {
			t.Errorf("step %d err %v fed %q, want no error and six bytes", r.step, r.err, rec.got.String())
		}
	})

	t.Run("silent after a part", func(t *testing.T) {
		s := newServer(t, func(c *net.TCPConn) {
			io.WriteString(c, "HTTP/1.0 200")
			time.Sleep(10 * time.Second)
		})
		rec := &feedRecorder{each: 4096}
		r := runExchange(t, e, s.addr(), 300*time.Millisecond, []byte(request), rec)
		if r.step != check.StepRead || !errors.Is(r.err, ErrTimeout) || rec.got.String() != "HTTP/1.0 200" {
			t.Errorf("step %d err %v fed %q, want StepRead ErrTimeout after the part", r.step, r.err, rec.got.String())
		}
	})

	t.Run("reset", func(t *testing.T) {
		s := newServer(t, func(c *net.TCPConn) {
			io.WriteString(c, "HTTP/1.0 200")
			time.Sleep(50 * time.Millisecond)
			c.SetLinger(0) // the close is a reset
		})
		r := runExchange(t, e, s.addr(), time.Second, []byte(request), &feedRecorder{each: 4096})
		if r.step != check.StepRead || !errors.Is(r.err, syscall.ECONNRESET) {
			t.Errorf("step %d err %v, want StepRead ECONNRESET", r.step, r.err)
		}
	})

	t.Run("request not read", func(t *testing.T) {
		// The server never reads: 64 MiB cannot all be sent.
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err == nil {
				time.Sleep(10 * time.Second)
				c.Close()
			}
		}()
		dst := netip.MustParseAddrPort(ln.Addr().String())
		r := runExchange(t, e, dst, 300*time.Millisecond, make([]byte, 64<<20), &feedRecorder{each: 4096})
		if r.step != check.StepWrite || !errors.Is(r.err, ErrTimeout) {
			t.Errorf("step %d err %v, want StepWrite ErrTimeout", r.step, r.err)
		}
	})
}

// TestEngineExchangeClose: Close ends a pending exchange with
// net.ErrClosed in its step; an Exchange after Close fails at once.
func TestEngineExchangeClose(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, func(c *net.TCPConn) { time.Sleep(10 * time.Second) })
	res := make(chan exchangeResult, 1)
	e.Exchange(netip.AddrPort{}, s.addr(), "", 0, time.Minute, []byte(request), &feedRecorder{each: 4096}, func(p check.Step, err error) {
		res <- exchangeResult{step: p, err: err}
	})
	// Wait until the server has the request: the exchange is reading.
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		s.mu.Lock()
		n := len(s.reqs)
		s.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the server never had the request")
		}
	}
	e.Close()
	select {
	case r := <-res:
		if r.step != check.StepRead || !errors.Is(r.err, net.ErrClosed) {
			t.Errorf("step %d err %v, want StepRead net.ErrClosed", r.step, r.err)
		}
	default:
		t.Fatal("Close returned with the exchange pending")
	}
	r := runExchange(t, e, s.addr(), time.Second, []byte(request), &feedRecorder{each: 4096})
	if !errors.Is(r.err, net.ErrClosed) {
		t.Errorf("Exchange after Close: step %d err %v, want net.ErrClosed", r.step, r.err)
	}
}
