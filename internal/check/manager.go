package check

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// Dialer opens the checkers' connections: network is "tcp" or "udp"; src
// (zero: any) is bindto/bind_port, iface is bind_if, fwmark is SO_MARK.
// ctx ends at connect_timeout. sys/netdial implements it for the daemon.
type Dialer interface {
	Dial(ctx context.Context, network string, src, dst netip.AddrPort, iface string, fwmark uint32) (net.Conn, error)
}

// Pinger sends one ICMP or ICMPv6 echo request to dst and waits for its
// reply until ctx ends (PING_CHECK). sys/ping implements it.
type Pinger interface {
	Ping(ctx context.Context, src, dst netip.Addr, iface string, fwmark uint32) error
}

// RunFunc runs a MISC_CHECK script (argv, as user and group; "" for the
// daemon's) until it exits or ctx ends (misc_timeout), then kills its
// process group. It returns the exit status, or the signal with
// signaled set; err is set when the script could not run or timed out
// (with ctx.Err() then).
type RunFunc func(ctx context.Context, argv []string, user, group string) (status int, signaled bool, err error)

// Connector makes TCP_CHECK's connections without a goroutine per check:
// done is called once, with nil when the connection was established (and
// has been closed), or the error (a timeout error after timeout). done
// may run before Connect returns and must not block. Close ends every
// pending connection (their done get an error) before it returns.
// sys/netdial's Engine implements it.
type Connector interface {
	Connect(src, dst netip.AddrPort, iface string, fwmark uint32, timeout time.Duration, done func(error))
	Close() error
}

// Exchanger is a Connector that also makes HTTP_GET's exchanges without
// a goroutine per check: it connects as Connect does, sends req, and
// gives resp each read of the response until the server closes the
// connection or resp has no more room; timeout bounds each step (the
// connection, the sending, each read), as keepalived's connect_timeout
// does. done is called once: with nil when the response is complete (the
// connection has been closed with a reset), or with the step that failed
// (StepConnect, StepWrite or StepRead) and the error, a timeout error
// after timeout. resp's methods must not call the Exchanger. done may
// run before Exchange returns and must not block.
type Exchanger interface {
	Connector
	Exchange(src, dst netip.AddrPort, iface string, fwmark uint32, timeout time.Duration, req []byte, resp Response, done func(Step, error))
}

// A Response takes what an Exchanger reads.
type Response interface {
	// Room is the most the next read may take; 0 ends the exchange as
	// if the server had closed.
	Room() int
	// Feed takes the bytes of one read.
	Feed(p []byte)
}

// Options are what a Manager needs from the daemon.
type Options struct {
	Dialer Dialer // nil: StdDialer (no fwmark, no bind_if)
	// NewConnector, when set, gives Run a Connector for TCP_CHECK (closed
	// when Run returns), and when it is an Exchanger for HTTP_GET without
	// TLS too; nil, or an error from it, leaves them on Dialer in a
	// worker like the other checks.
	NewConnector func() (Connector, error)
	Pinger       Pinger  // nil: PING_CHECKs fail with "no pinger"
	Run          RunFunc // nil: MISC_CHECKs fail with "no script runner"
	// TLS is SSL_GET's client configuration (see TLSConfig); nil: no
	// certificate verification, as keepalived without an SSL block.
	TLS *tls.Config
	// OnEvent receives every event, in order for each real server. It is
	// called with the server's lock held: it must not block for long.
	OnEvent func(Event)
	Logger  *slog.Logger // nil: slog.Default()
	// Rand returns a number in [0, n) for warmup offsets; nil:
	// math/rand/v2.
	Rand func(n int64) int64
	// Previous gives a real server's state before a reload (ok false for
	// a new server): its checkers start from it instead of from alpha, so
	// a reload neither re-adds a failed server nor drops a healthy one.
	Previous func(Key) (up, ok bool)
	// PreviousCheckers gives the checkers' status before a reload: a
	// checker of the same kind and target in the same state keeps its
	// since and last result.
	PreviousCheckers map[Key][]CheckerStatus
}

// Manager runs the checkers of every real server of a configuration.
type Manager struct {
	opts    Options
	log     *slog.Logger
	servers []*server
	byFile  map[string][]*fileCheck
	initNot bool
	conn    Connector // during Run, when NewConnector gave one
	x       Exchanger // conn, when it is one
}

// New builds the checkers of cfg's virtual servers. Nothing runs until
// Run.
func New(cfg *config.Config, opts Options) *Manager {
	if opts.Dialer == nil {
		opts.Dialer = StdDialer{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Rand == nil {
		opts.Rand = rand.Int64N
	}
	if opts.OnEvent == nil {
		opts.OnEvent = func(Event) {}
	}
	m := &Manager{opts: opts, log: opts.Logger, byFile: map[string][]*fileCheck{},
		initNot: cfg.Global.RSInitNotifies}
	logAll := cfg.Global.CheckerLogAllFailures
	for _, vs := range cfg.VirtualServers {
		for _, rs := range vs.RealServers {
			m.servers = append(m.servers, m.build(cfg, vs, rs, logAll))
		}
	}
	return m
}

// build makes a real server's state and checkers.
func (m *Manager) build(cfg *config.Config, vs *config.VirtualServer, rs *config.RealServer, logAll bool) *server {
	s := &server{
		key:       Key{VS: vs.Service, RS: rs.Addr},
		name:      Trio(rs.Addr.Addr, vs.Protocol, rs.Addr.Port),
		vsName:    VSName(vs),
		baseW:     int64(rs.Weight),
		weight:    int64(rs.Weight),
		smtpAlert: rs.SMTPAlert,
	}
	b := builder{m: m, vs: vs, rs: s, logAll: logAll}
	for _, c := range rs.TCPCheck {
		b.add("TCP_CHECK", c.CheckConn, c.CheckParams, styleTCP, m.tcpProber(vs, c.CheckConn)).tcp = &tcpTarget{ep: endpointsOf(c.CheckConn)}
	}
	for _, c := range rs.HTTPGet {
		pr := m.httpProber(vs, c, false)
		ck := b.add("HTTP_GET", c.CheckConn, c.CheckParams, styleHTTP, pr)
		ck.params.FastRecovery = c.FastRecovery
		ck.timeout = 0 // connect_timeout bounds each step, not the check
		ck.http, _ = pr.(*httpProbe)
	}
	for _, c := range rs.SSLGet {
		ck := b.add("SSL_GET", c.CheckConn, c.CheckParams, styleHTTP, m.httpProber(vs, c, true))
		ck.params.FastRecovery = c.FastRecovery
		ck.timeout = 0
	}
	for _, c := range rs.SMTPCheck {
		b.add("SMTP_CHECK", c.CheckConn, c.CheckParams, styleRetryFirst, m.smtpProber(vs, c))
	}
	for _, c := range rs.DNSCheck {
		b.add("DNS_CHECK", c.CheckConn, c.CheckParams, styleRetryFirst, m.dnsProber(c))
	}
	for _, c := range rs.UDPCheck {
		b.add("UDP_CHECK", c.CheckConn, c.CheckParams, styleTCP, m.udpProber(vs, c))
	}
	for _, c := range rs.PingCheck {
		b.add("PING_CHECK", c.CheckConn, c.CheckParams, styleTCP, m.pingProber(vs, c))
	}
	for _, c := range rs.MiscCheck {
		b.addMisc(c, rs)
	}
	for _, f := range rs.FileCheck {
		fc := newFileCheck(cfg, f, s)
		s.files = append(s.files, fc)
		m.byFile[f.TrackFile] = append(m.byFile[f.TrackFile], fc)
	}
	if m.opts.Previous != nil {
		if up, ok := m.opts.Previous(s.key); ok {
			for _, c := range s.checkers {
				c.m.up, c.m.hasRun = up, true
			}
		}
	}
	carryHistory(s, m.opts.PreviousCheckers[s.key], time.Now())
	return s
}

// builder adds the checkers of one real server.
type builder struct {
	m      *Manager
	vs     *config.VirtualServer
	rs     *server
	logAll bool
}

func (b *builder) add(kind string, conn config.CheckConn, p config.CheckParams, st style, pr Prober) *checker {
	params := paramsOf(p)
	c := &checker{
		kind:    kind,
		name:    Trio(conn.ConnectIP, b.vs.Protocol, conn.ConnectPort),
		params:  params,
		timeout: conn.ConnectTimeout.Std(),
		probe:   pr,
		rs:      b.rs,
		m:       newMachine(params, st),
		logAll:  b.logAll || p.LogAllFailures,
	}
	if kind == "PING_CHECK" {
		c.name = Trio(conn.ConnectIP, b.vs.Protocol, b.rs.key.RS.Port)
	}
	b.rs.checkers = append(b.rs.checkers, c)
	return c
}

func (b *builder) addMisc(mc *config.MiscCheck, rs *config.RealServer) {
	params := paramsOf(mc.CheckParams)
	c := &checker{
		kind:    "MISC_CHECK",
		name:    b.rs.name,
		params:  params,
		timeout: mc.Timeout.Std(),
		probe:   b.m.miscProber(mc),
		rs:      b.rs,
		m:       newMachine(params, styleRetryFirst),
		logAll:  b.logAll || mc.LogAllFailures,
		dynamic: mc.Dynamic,
		lastRC:  -1,
	}
	if mc.Path != nil && len(mc.Path.Args) > 0 {
		c.script = mc.Path.Args[0]
	}
	_ = rs
	b.rs.checkers = append(b.rs.checkers, c)
}

func paramsOf(p config.CheckParams) Params {
	return Params{
		Retry:            p.Retry,
		DelayBeforeRetry: p.DelayBeforeRetry.Std(),
		DelayLoop:        p.DelayLoop.Std(),
		Warmup:           p.Warmup.Std(),
		Alpha:            p.Alpha,
		LogAllFailures:   p.LogAllFailures,
	}
}

// Run reports each real server's starting state, then runs every checker
// until ctx ends, each first after a random warmup offset. It returns nil
// once every check has stopped.
func (m *Manager) Run(ctx context.Context) error {
	if m.opts.NewConnector != nil {
		conn, err := m.opts.NewConnector()
		if err != nil {
			m.log.Warn(fmt.Sprintf("TCP_CHECK and HTTP_GET connections through the standard dialer: %v", err))
		} else {
			m.conn = conn
			m.x, _ = conn.(Exchanger)
		}
	}
	s := newScheduler(m)
	now := time.Now()
	for _, sv := range m.servers {
		sv.mu.Lock()
		ev := sv.init(m.initNot)
		sv.mu.Unlock()
		// A real server without checkers starts, and stays, up at its
		// configured weight, as the LVS model already has it: no event
		// unless rs_init_notifies wants its notification (10,000 such
		// servers were 10,000 no-op events right after start).
		if len(sv.checkers) > 0 || len(sv.files) > 0 || ev.Notify {
			m.opts.OnEvent(ev)
		}
		for _, c := range sv.checkers {
			delay := time.Duration(0)
			if c.params.Warmup > 0 {
				delay = time.Duration(m.opts.Rand(int64(c.params.Warmup)))
			}
			s.at(c, now.Add(delay))
		}
	}
	s.run(ctx)
	return nil
}

// probeOnce runs one check bounded by the checker's timeout.
func (m *Manager) probeOnce(ctx context.Context, c *checker) Result {
	pctx, cancel := ctx, context.CancelFunc(func() {})
	if c.timeout > 0 {
		pctx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	defer cancel()
	return c.probe.Probe(pctx)
}

// judge applies a result under the server's lock, logs and reports.
func (m *Manager) judge(c *checker, res Result) time.Duration {
	c.rs.mu.Lock()
	defer c.rs.mu.Unlock()
	wasUp := c.m.up
	out := c.judge(res)
	c.record(time.Now(), wasUp, res)
	for _, l := range out.lines {
		m.log.Info(l, "checker", c.kind, "server", c.name, "vs", c.rs.vsName)
	}
	for _, ev := range out.events {
		m.opts.OnEvent(ev)
	}
	return out.delay
}
