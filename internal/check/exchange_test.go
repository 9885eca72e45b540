package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// connExchanger is an Exchanger over the standard library, a goroutine
// per exchange, that makes the exchange as sys/netdial's Engine does
// (whose own tests check it against real servers): the steps, each
// bounded by the timeout, and reads within resp's Room.
type connExchanger struct{}

func (connExchanger) Connect(src, dst netip.AddrPort, iface string, fwmark uint32, timeout time.Duration, done func(error)) {
	done(errors.New("connExchanger makes exchanges only"))
}

func (connExchanger) Close() error { return nil }

func (connExchanger) Exchange(src, dst netip.AddrPort, iface string, fwmark uint32, timeout time.Duration, req []byte, resp Response, done func(Step, error)) {
	go func() {
		c, err := net.DialTimeout("tcp", dst.String(), timeout)
		if err != nil {
			done(StepConnect, err)
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(timeout))
		if _, err := c.Write(req); err != nil {
			done(StepWrite, err)
			return
		}
		buf := make([]byte, readSize)
		for {
			room := min(resp.Room(), len(buf))
			if room == 0 {
				done(StepRead, nil)
				return
			}
			c.SetDeadline(time.Now().Add(timeout))
			n, err := c.Read(buf[:room])
			if n > 0 {
				resp.Feed(buf[:n])
			}
			switch {
			case errors.Is(err, io.EOF):
				done(StepRead, nil)
				return
			case err != nil:
				done(StepRead, err)
				return
			}
		}
	}()
}

// exchangeProbeOf is probeOf for the Exchanger path: conf's first
// checker, an HTTP_GET, run by exchanges on x.
func exchangeProbeOf(t *testing.T, conf string, x Exchanger) Prober {
	t.Helper()
	m := New(parseConf(t, conf), Options{})
	if len(m.servers) == 0 || len(m.servers[0].checkers) == 0 {
		t.Fatal("no checker")
	}
	c := m.servers[0].checkers[0]
	if c.http == nil {
		t.Fatal("the checker does not run on an Exchanger")
	}
	return ProberFunc(func(ctx context.Context) Result {
		res := make(chan Result, 1)
		c.http.exchange(x, 0, Result{OK: true}, func(r Result) { res <- r })
		select {
		case r := <-res:
			return r
		case <-ctx.Done():
			return Result{Reason: "the exchange did not end"}
		}
	})
}

// httpProbers are conf's HTTP_GET on both paths: a worker's Get and the
// Exchanger's steps; every HTTP_GET test runs on both.
func httpProbers(t *testing.T, conf string) map[string]Prober {
	t.Helper()
	return map[string]Prober{
		"worker":    probeOf(t, conf, Options{}),
		"exchanger": exchangeProbeOf(t, conf, connExchanger{}),
	}
}

// countingExchanger counts the exchanges it makes and its Close.
type countingExchanger struct {
	connExchanger
	mu        sync.Mutex
	exchanges int
	dsts      map[netip.AddrPort]bool
	closed    int
}

func (c *countingExchanger) Exchange(src, dst netip.AddrPort, iface string, fwmark uint32, timeout time.Duration, req []byte, resp Response, done func(Step, error)) {
	c.mu.Lock()
	c.exchanges++
	if c.dsts == nil {
		c.dsts = map[netip.AddrPort]bool{}
	}
	c.dsts[dst] = true
	c.mu.Unlock()
	c.connExchanger.Exchange(src, dst, iface, fwmark, timeout, req, resp, done)
}

func (c *countingExchanger) Close() error {
	c.mu.Lock()
	c.closed++
	c.mu.Unlock()
	return nil
}

// TestManagerHTTPOnExchanger: with an Exchanger, Run makes HTTP_GET's
// exchanges on it (a 503 takes the server down, the 200 after brings it
// back, with keepalived's lines), SSL_GET stays in a worker (and fails
// on its 503 there), and the Exchanger is closed at the end.
func TestManagerHTTPOnExchanger(t *testing.T) {
	var status atomic.Int32
	status.Store(503)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(int(status.Load())) }))
	defer srv.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer tlsSrv.Close()
	ap, tlsAP := serverAddr(t, srv.URL), serverAddr(t, tlsSrv.URL)
	conf := fmt.Sprintf(`
virtual_server 192.0.2.100 80 {
    protocol TCP
    lb_algo rr
    lb_kind NAT
    delay_loop 0.1
    real_server %s %d {
        HTTP_GET {
            url {
                path /
            }
            retry 0
            connect_timeout 1
        }
    }
    real_server %s %d {
        SSL_GET {
            url {
                path /
            }
            connect_timeout 1
        }
    }
}
`, ap.Addr(), ap.Port(), tlsAP.Addr(), tlsAP.Port())
	x := &countingExchanger{}
	var mu sync.Mutex
	var lines []string
	events := make(chan Event, 64)
	m := New(parseConf(t, conf), Options{
		NewConnector: func() (Connector, error) { return x, nil },
		Logger:       slog.New(lineHandler{&mu, &lines}),
		OnEvent:      func(ev Event) { events <- ev },
	})
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan error, 1)
	go func() { ran <- m.Run(ctx) }()
	var seen []Event // every event so far, in order
	want := func(kind EventKind, rs netip.AddrPort) Event {
		t.Helper()
		for i := 0; ; i++ {
			if i == len(seen) {
				select {
				case ev := <-events:
					seen = append(seen, ev)
				case <-time.After(10 * time.Second):
					t.Fatalf("no %v event for %v", kind, rs)
				}
			}
			if ev := seen[i]; ev.Kind == kind && ev.Key.RS.Addr == rs.Addr() && ev.Key.RS.Port == rs.Port() {
				return ev
			}
		}
	}
	if ev := want(EventDown, ap); ev.Reason != "status 503" {
		t.Errorf("down: %+v, want reason status 503", ev)
	}
	status.Store(200)
	want(EventUp, ap)
	want(EventDown, tlsAP) // SSL_GET fails too, in a worker
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.exchanges < 2 || x.closed != 1 {
		t.Errorf("%d exchanges, closed %d times; want 2 or more, closed once", x.exchanges, x.closed)
	}
	if x.dsts[tlsAP] {
		t.Error("SSL_GET went to the Exchanger")
	}
	mu.Lock()
	defer mu.Unlock()
	got := strings.Join(lines, "\n")
	name := Trio(ap.Addr(), "TCP", ap.Port())
	for _, l := range []string{"HTTP_CHECK on service " + name + " failed.", "HTTP status code success to " + name + " url(/)", "Remote Web server " + name + " succeed on service."} {
		if !strings.Contains(got, l) {
			t.Errorf("no line %q in:\n%s", l, got)
		}
	}
}

// TestExchangeNoURL: an HTTP_GET without urls (the configuration drops
// one, but a probe may be built without) succeeds without an exchange,
// as Probe does.
func TestExchangeNoURL(t *testing.T) {
	x := &countingExchanger{}
	var got Result
	(&httpProbe{}).exchange(x, 0, Result{OK: true}, func(r Result) { got = r })
	if !got.OK || x.exchanges != 0 {
		t.Errorf("got %+v after %d exchanges, want OK after none", got, x.exchanges)
	}
}
