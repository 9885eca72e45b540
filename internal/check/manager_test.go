package check

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// scriptDialer answers each dial to an address with the next outcome of
// its script: '+' connects, '-' refuses, 't' waits for ctx (timeout). The
// last outcome repeats.
type scriptDialer struct {
	mu      sync.Mutex
	scripts map[netip.AddrPort]string
	calls   map[netip.AddrPort]int
}

var errRefused = errors.New("connection refused")

// count is how many dials dst had.
func (d *scriptDialer) count(dst netip.AddrPort) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls[dst]
}

func (d *scriptDialer) Dial(ctx context.Context, network string, src, dst netip.AddrPort, iface string, fwmark uint32) (net.Conn, error) {
	d.mu.Lock()
	s := d.scripts[dst]
	i := min(d.calls[dst], len(s)-1)
	d.calls[dst]++
	d.mu.Unlock()
	switch s[i] {
	case '+':
		a, b := net.Pipe()
		b.Close()
		return a, nil
	case 't':
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: errRefused}
}

// lineHandler records log messages.
type lineHandler struct {
	mu    *sync.Mutex
	lines *[]string
}

func (h lineHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h lineHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	*h.lines = append(*h.lines, r.Message)
	h.mu.Unlock()
	return nil
}
func (h lineHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h lineHandler) WithGroup(string) slog.Handler      { return h }

// harness runs a Manager on conf inside a synctest bubble.
type harness struct {
	mu     sync.Mutex
	lines  []string
	events []string
}

func (h *harness) opts(d Dialer) Options {
	return Options{
		Dialer: d,
		Logger: slog.New(lineHandler{&h.mu, &h.lines}),
		Rand:   func(n int64) int64 { return 0 },
		OnEvent: func(ev Event) {
			h.mu.Lock()
			s := fmt.Sprintf("%s %s up=%v w=%d", ev.Kind, ev.Key.RS, ev.Up, ev.Weight)
			if ev.Reason != "" {
				s += " reason=" + ev.Reason
			}
			if ev.Notify {
				s += " notify"
			}
			h.events = append(h.events, s)
			h.mu.Unlock()
		},
	}
}

func parseConf(t testing.TB, src string) *config.Config {
	t.Helper()
	cfg, diags := config.Parse("test.conf", []byte(src), config.Options{})
	for _, d := range diags {
		if d.Severity >= config.Error && !strings.Contains(d.String(), "SECURITY VIOLATION") {
			t.Fatalf("config: %v", d)
		}
	}
	return cfg
}

// runFor runs the manager for d of fake time and returns what it said.
func (h *harness) runFor(t *testing.T, cfg *config.Config, opts Options, d time.Duration) {
	ctx, cancel := context.WithCancel(t.Context())
	m := New(cfg, opts)
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	time.Sleep(d)
	synctest.Wait()
	cancel()
	<-done
}

func (h *harness) check(t *testing.T, wantLines, wantEvents []string) {
	t.Helper()
	if got, want := strings.Join(h.lines, "\n"), strings.Join(wantLines, "\n"); got != want {
		t.Errorf("log lines:\n%s\nwant:\n%s", got, want)
	}
	if got, want := strings.Join(h.events, "\n"), strings.Join(wantEvents, "\n"); got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
}

const tcpConf = `
virtual_server 192.0.2.100 80 {
    delay_loop 10
    protocol TCP
    lvs_sched rr
    lvs_method NAT
    real_server 192.0.2.11 80 {
        weight 5
        TCP_CHECK {
            retry 2
            delay_before_retry 1
            warmup 0
            connect_timeout 3
        }
    }
}
`

func TestManagerTCPDownAfterRetriesAndBackUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { tcpDownAndUp(t, false) })
}

// tcpDownAndUp runs TCP_CHECK through a scripted Dialer, or a scripted
// Connector (the Dialer then refuses: it must not be used): t=0 up, 10
// fail, 11+3 timeout, 15 fail -> down, 25 fail, 35 up. It returns the
// Connector.
func tcpDownAndUp(t *testing.T, connector bool) *scriptConnector {
	dst := netip.MustParseAddrPort("192.0.2.11:80")
	d := &scriptDialer{scripts: map[netip.AddrPort]string{dst: "+-t--+"}, calls: map[netip.AddrPort]int{}}
	var h harness
	opts := h.opts(d)
	var conn *scriptConnector
	if connector {
		conn = newScriptConnector(d)
		opts = h.opts(&scriptDialer{scripts: map[netip.AddrPort]string{dst: "-"}, calls: map[netip.AddrPort]int{}})
		opts.NewConnector = func() (Connector, error) { return conn, nil }
	}
	h.runFor(t, parseConf(t, tcpConf), opts, 36*time.Second)
	h.check(t, []string{
		"TCP connection to [192.0.2.11]:tcp:80 success.",
		"TCP_CHECK on service [192.0.2.11]:tcp:80 failed after 2 retries.",
		"TCP connection to [192.0.2.11]:tcp:80 success.",
	}, []string{
		"init 192.0.2.11 80 up=true w=5",
		"down 192.0.2.11 80 up=false w=5 reason=connection refused notify",
		"up 192.0.2.11 80 up=true w=5 notify",
	})
	if n := d.count(dst); n != 6 {
		t.Errorf("%d connections, want 6", n)
	}
	return conn
}

func TestManagerLogAllFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dst := netip.MustParseAddrPort("192.0.2.11:80")
		d := &scriptDialer{scripts: map[netip.AddrPort]string{dst: "+t--"}, calls: map[netip.AddrPort]int{}}
		var h harness
		conf := strings.Replace(tcpConf, "warmup 0", "warmup 0\nlog_all_failures", 1)
		h.runFor(t, parseConf(t, conf), h.opts(d), 16*time.Second)
		h.check(t, []string{
			"TCP connection to [192.0.2.11]:tcp:80 success.",
			"TCP connection to [192.0.2.11]:tcp:80 timeout.",
			"TCP connection to [192.0.2.11]:tcp:80 failed.",
			"TCP connection to [192.0.2.11]:tcp:80 failed.",
			"TCP_CHECK on service [192.0.2.11]:tcp:80 failed after 2 retries.",
		}, []string{
			"init 192.0.2.11 80 up=true w=5",
			"down 192.0.2.11 80 up=false w=5 reason=connection refused notify",
		})
	})
}

func TestManagerAllCheckersMustBeUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := netip.MustParseAddrPort("192.0.2.11:80")
		b := netip.MustParseAddrPort("192.0.2.11:81")
		// a fails at t=10 (retry 0) and recovers at 20; b fails at 15 and
		// recovers at 35: the server is down from 10 to 35.
		d := &scriptDialer{scripts: map[netip.AddrPort]string{a: "+-+", b: "+--++"}, calls: map[netip.AddrPort]int{}}
		conf := `
virtual_server 192.0.2.100 80 {
    delay_loop 10
    protocol TCP
    lvs_sched rr
    lvs_method NAT
    real_server 192.0.2.11 80 {
        TCP_CHECK {
            warmup 0
            retry 0
        }
        TCP_CHECK {
            connect_port 81
            warmup 0
            retry 1
            delay_before_retry 5
        }
    }
}
`
		var h harness
		h.runFor(t, parseConf(t, conf), h.opts(d), 40*time.Second)
		slices.Sort(h.lines[:2]) // both checkers start at t=0
		h.check(t, []string{
			"TCP connection to [192.0.2.11]:tcp:80 success.",
			"TCP connection to [192.0.2.11]:tcp:81 success.",
			"TCP_CHECK on service [192.0.2.11]:tcp:80 failed.",
			"TCP_CHECK on service [192.0.2.11]:tcp:81 failed after 1 retries.",
			"TCP connection to [192.0.2.11]:tcp:80 success.",
			"TCP connection to [192.0.2.11]:tcp:81 success.",
		}, []string{
			"init 192.0.2.11 80 up=true w=1",
			"down 192.0.2.11 80 up=false w=1 reason=connection refused notify",
			"up 192.0.2.11 80 up=true w=1 notify",
		})
	})
}

func TestManagerAlpha(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dst := netip.MustParseAddrPort("192.0.2.11:80")
		d := &scriptDialer{scripts: map[netip.AddrPort]string{dst: "--+"}, calls: map[netip.AddrPort]int{}}
		var h harness
		conf := strings.Replace(tcpConf, "delay_loop 10", "delay_loop 10\nalpha", 1)
		opts := h.opts(d)
		h.runFor(t, parseConf(t, conf), opts, 25*time.Second)
		h.check(t, []string{
			"TCP connection to [192.0.2.11]:tcp:80 success.",
		}, []string{
			"init 192.0.2.11 80 up=false w=5",
			"up 192.0.2.11 80 up=true w=5 notify",
		})
	})
}

func TestManagerRSInitNotifies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dst := netip.MustParseAddrPort("192.0.2.11:80")
		d := &scriptDialer{scripts: map[netip.AddrPort]string{dst: "+"}, calls: map[netip.AddrPort]int{}}
		var h harness
		conf := "global_defs {\n rs_init_notifies\n}\n" + tcpConf
		h.runFor(t, parseConf(t, conf), h.opts(d), time.Second)
		h.check(t, []string{"TCP connection to [192.0.2.11]:tcp:80 success."},
			[]string{"init 192.0.2.11 80 up=true w=5 notify"})
	})
}

func TestManagerAlphaRetryZeroConfirmsDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dst := netip.MustParseAddrPort("192.0.2.11:80")
		d := &scriptDialer{scripts: map[netip.AddrPort]string{dst: "-"}, calls: map[netip.AddrPort]int{}}
		var h harness
		conf := strings.Replace(tcpConf, "retry 2", "retry 0\nalpha", 1)
		h.runFor(t, parseConf(t, conf), h.opts(d), 15*time.Second)
		h.check(t, []string{"TCP_CHECK on service [192.0.2.11]:tcp:80 failed."}, []string{
			"init 192.0.2.11 80 up=false w=5",
			"confirm 192.0.2.11 80 up=false w=5 reason=connection refused notify",
		})
	})
}

func TestManagerWarmupSpreadsFirstChecks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dst := netip.MustParseAddrPort("192.0.2.11:80")
		d := &scriptDialer{scripts: map[netip.AddrPort]string{dst: "+"}, calls: map[netip.AddrPort]int{}}
		var h harness
		opts := h.opts(d)
		var asked int64
		opts.Rand = func(n int64) int64 { asked = n; return n - 1 }
		conf := strings.Replace(tcpConf, "warmup 0", "warmup 4", 1)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go New(parseConf(t, conf), opts).Run(ctx)
		time.Sleep(4*time.Second - 2*time.Nanosecond)
		synctest.Wait()
		if n := d.count(dst); n != 0 || asked != int64(4*time.Second) {
			t.Fatalf("before the warmup offset: %d dials, rand asked for %d", n, asked)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if n := d.count(dst); n != 1 {
			t.Fatalf("at the warmup offset: %d dials, want 1", n)
		}
	})
}

// initEvents runs a Manager on cfg only for its starting states (no
// check runs) and returns its init events.
func initEvents(cfg *config.Config, opts Options) []Event {
	var mu sync.Mutex
	var got []Event
	opts.OnEvent = func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Kind == EventInit {
			got = append(got, e)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	New(cfg, opts).Run(ctx)
	mu.Lock()
	defer mu.Unlock()
	return got
}

// TestPreviousStateSurvivesReload: a Manager built with Previous starts a
// server that was down as down (not re-added by a reload) and one that
// was up as up, whatever alpha says.
func TestPreviousStateSurvivesReload(t *testing.T) {
	cfg := parseConf(t, `virtual_server 192.0.2.100 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.0.2.11 80 {
        TCP_CHECK {
        }
    }
    real_server 192.0.2.12 80 {
        alpha
        TCP_CHECK {
        }
    }
}
`)
	prev := map[config.ServerAddr]bool{
		{Addr: netip.MustParseAddr("192.0.2.11"), Port: 80}: false,
		{Addr: netip.MustParseAddr("192.0.2.12"), Port: 80}: true,
	}
	got := initEvents(cfg, Options{Previous: func(k Key) (bool, bool) { up, ok := prev[k.RS]; return up, ok }})
	if len(got) != 2 || got[0].Up || !got[1].Up {
		t.Fatalf("init events %+v: want 192.0.2.11 down and 192.0.2.12 up", got)
	}
}

// TestInitEventsOnlyWhereTheyTellSomething: at start a real server with
// a checker reports its state; one without reports nothing (it is up at
// its weight from the start), unless rs_init_notifies wants its
// notification.
func TestInitEventsOnlyWhereTheyTellSomething(t *testing.T) {
	const conf = `%s
virtual_server 192.0.2.100 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.0.2.11 80 {
        TCP_CHECK {
        }
    }
    real_server 192.0.2.12 80 {
    }
}
`
	for _, tc := range []struct {
		global string
		want   []string
	}{
		{"", []string{"192.0.2.11"}},
		{"global_defs {\n    rs_init_notifies\n}", []string{"192.0.2.11", "192.0.2.12"}},
	} {
		var got []string
		for _, e := range initEvents(parseConf(t, fmt.Sprintf(conf, tc.global)), Options{}) {
			got = append(got, e.Key.RS.Addr.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: init events for %v, want %v", tc.global, got, tc.want)
		}
	}
}

// TestManagerHangingCheckBlocksNoOther: a server that never answers (each
// check waits for its connect_timeout) does not delay another server's
// checks: they keep their delay_loop cadence.
func TestManagerHangingCheckBlocksNoOther(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow, fast := netip.MustParseAddrPort("192.0.2.11:80"), netip.MustParseAddrPort("192.0.2.12:80")
		d := &scriptDialer{scripts: map[netip.AddrPort]string{slow: "t", fast: "+"}, calls: map[netip.AddrPort]int{}}
		var h harness
		conf := `
virtual_server 192.0.2.100 80 {
    delay_loop 1
    protocol TCP
    lvs_sched rr
    lvs_method NAT
    real_server 192.0.2.11 80 {
        TCP_CHECK {
            connect_timeout 30
        }
    }
    real_server 192.0.2.12 80 {
        TCP_CHECK {
            connect_timeout 30
        }
    }
}
`
		h.runFor(t, parseConf(t, conf), h.opts(d), 10*time.Second+time.Millisecond)
		// fast: checks at 0, 1, ..., 10 s; slow: one check, still waiting.
		if n, m := d.count(fast), d.count(slow); n != 11 || m != 1 {
			t.Errorf("in 10 s: %d checks of the answering server (want 11), %d of the silent one (want 1)", n, m)
		}
	})
}
