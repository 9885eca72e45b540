package check

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// scriptConnector is a Connector following a scriptDialer's scripts:
// '+' connects, '-' refuses, 't' times out after the timeout.
type scriptConnector struct {
	d       *scriptDialer
	mu      sync.Mutex
	pending map[*time.Timer]func(error)
	closed  int
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func newScriptConnector(d *scriptDialer) *scriptConnector {
	return &scriptConnector{d: d, pending: map[*time.Timer]func(error){}}
}

func (c *scriptConnector) Connect(src, dst netip.AddrPort, iface string, fwmark uint32, timeout time.Duration, done func(error)) {
	d := c.d
	d.mu.Lock()
	s := d.scripts[dst]
	i := min(d.calls[dst], len(s)-1)
	d.calls[dst]++
	d.mu.Unlock()
	switch s[i] {
	case '+':
		done(nil)
	case 't':
		c.mu.Lock()
		var t *time.Timer
		t = time.AfterFunc(timeout, func() {
			c.mu.Lock()
			delete(c.pending, t)
			c.mu.Unlock()
			done(timeoutErr{})
		})
		c.pending[t] = done
		c.mu.Unlock()
	default:
		done(errRefused)
	}
}

func (c *scriptConnector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed++
	for t, done := range c.pending {
		if t.Stop() {
			done(net.ErrClosed)
		}
	}
	c.pending = nil
	return nil
}

// TestConnectorSameAsDialer: TCP_CHECK through a Connector logs, decides
// and reschedules exactly as through a Dialer in a worker (the scenario
// of TestManagerTCPDownAfterRetriesAndBackUp: refused, timeout, refused,
// down after the retries, back up).
func TestConnectorSameAsDialer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		if conn := tcpDownAndUp(t, true); conn.closed != 1 {
			t.Errorf("Connector closed %d times at stop, want 1", conn.closed)
		}
	})
}

// TestConnectorPendingAtStop: a connection pending when the Manager stops
// is ended by Close, and its result is not judged: no event after Run.
func TestConnectorPendingAtStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dst := netip.MustParseAddrPort("192.0.2.11:80")
		d := &scriptDialer{scripts: map[netip.AddrPort]string{dst: "t"}, calls: map[netip.AddrPort]int{}}
		conn := newScriptConnector(d)
		var h harness
		opts := h.opts(nil)
		opts.NewConnector = func() (Connector, error) { return conn, nil }
		// retry 0: a judged failure would be a down event. It stops inside
		// the 3 s connect_timeout.
		h.runFor(t, parseConf(t, strings.Replace(tcpConf, "retry 2", "retry 0", 1)), opts, time.Second)
		h.check(t, nil, []string{"init 192.0.2.11 80 up=true w=5"})
	})
}

// TestConnectorErrorFallsBack: when no Connector can be made, TCP_CHECK
// goes through the Dialer.
func TestConnectorErrorFallsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dst := netip.MustParseAddrPort("192.0.2.11:80")
		d := &scriptDialer{scripts: map[netip.AddrPort]string{dst: "+"}, calls: map[netip.AddrPort]int{}}
		var h harness
		opts := h.opts(d)
		opts.NewConnector = func() (Connector, error) { return nil, errors.New("no epoll") }
		h.runFor(t, parseConf(t, tcpConf), opts, time.Second)
		if d.count(dst) != 1 {
			t.Errorf("%d dials, want 1 through the Dialer", d.count(dst))
		}
	})
}

// timeDialer records when each address is dialed, and connects.
type timeDialer struct {
	mu    sync.Mutex
	start time.Time
	at    map[netip.AddrPort][]time.Duration
}

func (d *timeDialer) Dial(ctx context.Context, network string, src, dst netip.AddrPort, iface string, fwmark uint32) (net.Conn, error) {
	d.mu.Lock()
	d.at[dst] = append(d.at[dst], time.Since(d.start))
	d.mu.Unlock()
	a, b := net.Pipe()
	b.Close()
	return a, nil
}

// TestChecksDueTogetherStartTogether: checks due within batchSlack of
// the first start with it (one wake-up of the scheduler for them); a
// later one waits for its time.
func TestChecksDueTogetherStartTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		conf := `virtual_server 192.0.2.100 80 {
    delay_loop 10
    protocol TCP
    lvs_sched rr
    lvs_method NAT
`
		for _, rs := range []string{"192.0.2.11", "192.0.2.12", "192.0.2.13"} {
			conf += "    real_server " + rs + " 80 {\n        TCP_CHECK {\n            warmup 1\n        }\n    }\n"
		}
		conf += "}\n"
		d := &timeDialer{start: time.Now(), at: map[netip.AddrPort][]time.Duration{}}
		offsets := []int64{int64(100 * time.Millisecond), int64(101 * time.Millisecond), int64(100*time.Millisecond + 3*batchSlack)}
		var h harness
		opts := h.opts(d)
		i := 0
		opts.Rand = func(int64) int64 { i++; return offsets[i-1] }
		h.runFor(t, parseConf(t, conf), opts, time.Second)
		want := map[string]time.Duration{"192.0.2.11:80": 100 * time.Millisecond, "192.0.2.12:80": 100 * time.Millisecond, "192.0.2.13:80": 100*time.Millisecond + 3*batchSlack}
		for dst, at := range want {
			got := d.at[netip.MustParseAddrPort(dst)]
			if len(got) != 1 || got[0] != at {
				t.Errorf("%s dialed at %v, want once at %v", dst, got, at)
			}
		}
	})
}
