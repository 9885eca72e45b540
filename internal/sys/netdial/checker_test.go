package netdial

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/check"
	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// nsDialer opens each socket inside a namespace.
type nsDialer struct{ ns *netnstest.NS }

func (d nsDialer) Dial(ctx context.Context, network string, src, dst netip.AddrPort, iface string, fwmark uint32) (c net.Conn, err error) {
	d.ns.Do(func() error {
		c, err = Dialer{}.Dial(ctx, network, src, dst, iface, fwmark)
		return nil
	})
	return c, err
}

type recorder struct {
	mu     sync.Mutex
	lines  []string
	events chan check.Event
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.lines = append(r.lines, rec.Message)
	r.mu.Unlock()
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// TestIntegrationHTTPCheckerDownAndUp runs an HTTP_GET checker from one
// namespace against a web server in another: a 503 takes the real server
// down after its retry, a 200 brings it back.
func TestIntegrationHTTPCheckerDownAndUp(t *testing.T) {
	netnstest.Require(t)
	a := netnstest.New(t, "chk")
	b := netnstest.New(t, "web")
	netnstest.Veth(t, a, "veth-a", b, "veth-b")
	a.IP("addr", "add", "192.0.2.1/24", "dev", "veth-a")
	b.IP("addr", "add", "192.0.2.2/24", "dev", "veth-b")

	var status atomic.Int32
	status.Store(200)
	var ln net.Listener
	if err := b.Do(func() (err error) { ln, err = net.Listen("tcp", "192.0.2.2:80"); return err }); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
	})}
	go srv.Serve(ln)
	defer srv.Close()

	cfg, diags := config.Parse("t.conf", []byte(`
virtual_server 192.0.2.100 80 {
    protocol TCP
    lvs_sched rr
    lvs_method NAT
    delay_loop 0.2
    real_server 192.0.2.2 80 {
        HTTP_GET {
            url {
                path /
            }
            retry 1
            delay_before_retry 0.1
            connect_timeout 1
            warmup 0
        }
    }
}
`), config.Options{})
	for _, d := range diags {
		if d.Severity >= config.Error {
			t.Fatal(d)
		}
	}
	rec := &recorder{events: make(chan check.Event, 16)}
	m := check.New(cfg, check.Options{
		Dialer:  nsDialer{a},
		Logger:  slog.New(rec),
		OnEvent: func(ev check.Event) { rec.events <- ev },
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	next := func() check.Event {
		t.Helper()
		select {
		case ev := <-rec.events:
			return ev
		case <-time.After(20 * time.Second):
			t.Fatal("no event")
		}
		return check.Event{}
	}
	if ev := next(); ev.Kind != check.EventInit || !ev.Up {
		t.Fatalf("first event %+v", ev)
	}
	status.Store(503)
	if ev := next(); ev.Kind != check.EventDown || ev.Reason != "status 503" {
		t.Fatalf("after 503: %+v", ev)
	}
	status.Store(200)
	if ev := next(); ev.Kind != check.EventUp {
		t.Fatalf("after 200: %+v", ev)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	got := strings.Join(rec.lines, "\n")
	for _, want := range []string{
		"Remote Web server [192.0.2.2]:tcp:80 succeed on service.",
		"HTTP_CHECK on service [192.0.2.2]:tcp:80 failed after 1 retries.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
}
