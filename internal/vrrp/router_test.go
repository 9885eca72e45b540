package vrrp

import (
	"context"
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

// hub is an in-memory LAN for routers: WriteTo delivers a copy to every
// other node's socket that would receive it (same group, or the unicast
// destination).
type hub struct {
	mu    sync.Mutex
	conns []*fakeConn
	// vips maps each virtual address to the nodes holding it.
	vips map[netip.Addr]map[string]bool
	// announced counts gratuitous ARPs / NAs per node; sent records
	// each with its time.
	announced map[string]int
	sent      []announcement
	// cut holds the nodes whose packets are lost (a crashed node).
	cut map[string]bool
	// ttl overrides the TTL of delivered packets when non-zero.
	ttl int
	// lostVRID holds the VRIDs whose adverts are lost (one LAN of
	// several partitioned).
	lostVRID map[byte]bool
}

func newHub() *hub {
	return &hub{vips: map[netip.Addr]map[string]bool{}, announced: map[string]int{}, cut: map[string]bool{}, lostVRID: map[byte]bool{}}
}

type fakeConn struct {
	h      *hub
	node   string
	spec   SocketSpec
	q      chan rxPacket
	closed chan struct{}
	once   sync.Once
}

func (c *fakeConn) WriteTo(msg []byte, src, dst netip.Addr, ttl int) error {
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	if c.h.cut[c.node] || len(msg) > 1 && c.h.lostVRID[msg[1]] {
		return nil
	}
	if c.h.ttl != 0 {
		ttl = c.h.ttl
	}
	for _, o := range c.h.conns {
		if o == c || o.node == c.node || o.spec.Family != c.spec.Family || c.h.cut[o.node] {
			continue
		}
		if dst.IsMulticast() && o.spec.Group != dst || !dst.IsMulticast() && o.spec.Src != dst {
			continue
		}
		p := rxPacket{msg: slices.Clone(msg), meta: RecvMeta{IfIndex: 1, Src: src, Dst: dst, TTL: ttl}}
		if src.Is4() {
			p.meta.IPLen = 20 + len(msg)
		}
		select {
		case o.q <- p:
		default: // a full socket buffer drops
		}
	}
	return nil
}

func (c *fakeConn) ReadFrom(b []byte) (int, RecvMeta, error) {
	select {
	case p := <-c.q:
		return copy(b, p.msg), p.meta, nil
	case <-c.closed:
		return 0, RecvMeta{}, net.ErrClosed
	}
}

func (c *fakeConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// node adapters: addresses, announcements, links.
type fakeNode struct {
	h    *hub
	name string
	link Link
}

func (n *fakeNode) Listen(s SocketSpec) (Conn, error) {
	c := &fakeConn{h: n.h, node: n.name, spec: s, q: make(chan rxPacket, 64), closed: make(chan struct{})}
	n.h.mu.Lock()
	n.h.conns = append(n.h.conns, c)
	n.h.mu.Unlock()
	return c, nil
}

func (n *fakeNode) AddAddress(a *config.IPAddress, dev string) error {
	n.h.mu.Lock()
	defer n.h.mu.Unlock()
	if n.h.vips[a.Addr.Addr()] == nil {
		n.h.vips[a.Addr.Addr()] = map[string]bool{}
	}
	n.h.vips[a.Addr.Addr()][n.name] = true
	return nil
}

func (n *fakeNode) DelAddress(a *config.IPAddress, dev string) error {
	n.h.mu.Lock()
	defer n.h.mu.Unlock()
	delete(n.h.vips[a.Addr.Addr()], n.name)
	return nil
}

func (n *fakeNode) HasAddress(a *config.IPAddress, dev string) (bool, error) {
	n.h.mu.Lock()
	defer n.h.mu.Unlock()
	return n.h.vips[a.Addr.Addr()][n.name], nil
}

func (n *fakeNode) AddRoute(*config.IPRoute, string) error { return nil }
func (n *fakeNode) DelRoute(*config.IPRoute, string) error { return nil }
func (n *fakeNode) AddRule(*config.IPRule) error           { return nil }
func (n *fakeNode) DelRule(*config.IPRule) error           { return nil }

func (n *fakeNode) Announce(ifname string, addrs []netip.Addr) error {
	n.h.mu.Lock()
	defer n.h.mu.Unlock()
	n.h.announced[n.name] += len(addrs)
	for _, a := range addrs {
		n.h.sent = append(n.h.sent, announcement{at: time.Now(), node: n.name, dev: ifname, addr: a})
	}
	return nil
}

// announcedBy is how many addresses node has announced (under the hub's
// lock: the routers announce from their own goroutines).
func (h *hub) announcedBy(node string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.announced[node]
}

func (n *fakeNode) LinkByName(name string) (Link, error) {
	if name != n.link.Name {
		return Link{}, fmt.Errorf("link %s not found", name)
	}
	return n.link, nil
}

// announcement is one gratuitous ARP or NA a node sent.
type announcement struct {
	at   time.Time
	node string
	dev  string
	addr netip.Addr
}

// holders lists the nodes holding vip.
func (h *hub) holders(vip string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for n := range h.vips[netip.MustParseAddr(vip)] {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// running is one router on the hub.
type running struct {
	name   string
	r      *Router
	cancel context.CancelFunc
	done   chan error
	logs   *logBuf
}

type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSpace(string(p)))
	return len(p), nil
}

func (l *logBuf) has(sub string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// start parses conf and runs its router as node name with address addr
// on eth0.
func (h *hub) start(t *testing.T, name, addr, conf string) *running {
	t.Helper()
	c, diags := config.Parse("keepalived.conf", []byte(conf), config.Options{})
	for _, d := range diags {
		if d.Severity >= config.Error {
			t.Fatalf("%s: config: %v", name, d)
		}
	}
	a := netip.MustParseAddr(addr)
	n := &fakeNode{h: h, name: name, link: Link{Index: 1, Name: "eth0", Up: true}}
	if a.Is4() {
		n.link.Addr4 = a
	} else {
		n.link.LinkLocal6 = a
	}
	logs := &logBuf{}
	r, err := NewRouter(c, Deps{
		Links: n, Addrs: n, Announcer: n, Listen: n.Listen,
		Log: slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{name: name, r: r, cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { run.done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-run.done })
	return run
}

// stop stops the router gracefully (SIGTERM) and waits for it.
func (rn *running) stop(t *testing.T) {
	t.Helper()
	rn.cancel()
	if err := <-rn.done; err != nil {
		t.Fatal(err)
	}
	rn.done <- nil // for the cleanup
}

func (rn *running) state(t *testing.T) string {
	t.Helper()
	st := rn.r.Status(context.Background())
	if len(st) == 0 {
		t.Fatalf("%s: no status", rn.name)
	}
	return st[0].State
}

const confV2 = `
vrrp_instance VI_1 {
    state %s
    interface eth0
    virtual_router_id 51
    priority %d
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass %s
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`

func TestRouterElectsAndFailsOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		a := h.start(t, "a", "192.0.2.1", fmt.Sprintf(confV2, "MASTER", 150, "secret"))
		b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confV2, "BACKUP", 100, "secret"))
		time.Sleep(5 * time.Second)
		if got := h.holders("192.0.2.100"); !slices.Equal(got, []string{"a"}) {
			t.Fatalf("VIP held by %v, want [a]", got)
		}
		if a.state(t) != "MASTER" || b.state(t) != "BACKUP" {
			t.Fatalf("states a=%s b=%s, want MASTER BACKUP", a.state(t), b.state(t))
		}
		if !a.logs.has("(VI_1) Entering MASTER STATE") || !b.logs.has("(VI_1) Entering BACKUP STATE (init)") {
			t.Fatalf("missing keepalived log lines:\na: %v\nb: %v", a.logs.lines, b.logs.lines)
		}
		if h.announcedBy("a") == 0 {
			t.Error("the master sent no gratuitous ARP")
		}

		// A graceful stop sends priority 0: b takes over after Skew_Time
		// (0.61 s for priority 100), long before Master_Down_Interval.
		a.stop(t)
		time.Sleep(700 * time.Millisecond)
		if got := h.holders("192.0.2.100"); !slices.Equal(got, []string{"b"}) {
			t.Fatalf("after a stopped, VIP held by %v, want [b]", got)
		}
	})
}

func TestRouterCrashTakesMasterDownInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		h.start(t, "a", "192.0.2.1", fmt.Sprintf(confV2, "MASTER", 150, "secret"))
		b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confV2, "BACKUP", 100, "secret"))
		// a starts as BACKUP (priority 150 < 255) and takes over after
		// 3 × 1 s + (256-150)/256 s = 3.41 s; it then sends at 3.41 s,
		// 4.41 s, 5.41 s ... It crashes just after the advert of 5.41 s.
		time.Sleep(5420 * time.Millisecond)
		h.mu.Lock()
		h.cut["a"] = true
		h.mu.Unlock()
		// b's Master_Down_Interval = 3 × 1 s + (256-100)/256 s = 3.61 s
		// from the last advert.
		time.Sleep(3550 * time.Millisecond)
		if b.state(t) != "BACKUP" {
			t.Fatalf("b is %s 3.56 s after the last advert, want BACKUP until 3.61 s", b.state(t))
		}
		time.Sleep(100 * time.Millisecond)
		if b.state(t) != "MASTER" {
			t.Fatalf("b is %s 3.66 s after the last advert, want MASTER", b.state(t))
		}
	})
}

func TestRouterDropsBadAdverts(t *testing.T) {
	tests := []struct {
		name     string
		passB    string
		ttl      int
		wantDrop string
		wantLog  string
	}{
		{"password", "other", 0, "invalid password", "(VI_1) received an invalid passwd from 192.0.2.1!"},
		{"ttl", "secret", 64, "invalid TTL", "(VI_1) invalid TTL/HL from 192.0.2.1. Received 64 and expect 255"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHub()
				h.ttl = tt.ttl
				h.start(t, "a", "192.0.2.1", fmt.Sprintf(confV2, "MASTER", 150, "secret"))
				b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confV2, "BACKUP", 100, tt.passB))
				time.Sleep(6 * time.Second)
				// b never accepts a's adverts: both are master.
				if got := h.holders("192.0.2.100"); !slices.Equal(got, []string{"a", "b"}) {
					t.Fatalf("VIP held by %v, want [a b] (b ignores a)", got)
				}
				st := b.r.Status(context.Background())[0]
				if st.Drops[tt.wantDrop] == 0 {
					t.Errorf("drops %v, want %q counted", st.Drops, tt.wantDrop)
				}
				if !b.logs.has(tt.wantLog) {
					t.Errorf("log lacks %q:\n%s", tt.wantLog, strings.Join(b.logs.lines, "\n"))
				}
			})
		})
	}
}

const confUnicastV3 = `
vrrp_instance VI_6 {
    interface eth0
    virtual_router_id 7
    priority %d
    advert_int 0.5
    version 3
    unicast_src_ip %s
    unicast_peer {
        %s
    }
    virtual_ipaddress {
        2001:db8::100/64
    }
}
`

func TestRouterUnicastIPv6(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		a := h.start(t, "a", "2001:db8::1", fmt.Sprintf(confUnicastV3, 200, "2001:db8::1", "2001:db8::2"))
		b := h.start(t, "b", "2001:db8::2", fmt.Sprintf(confUnicastV3, 100, "2001:db8::2", "2001:db8::1"))
		time.Sleep(3 * time.Second)
		if got := h.holders("2001:db8::100"); !slices.Equal(got, []string{"a"}) {
			t.Fatalf("VIP held by %v, want [a]", got)
		}
		if a.state(t) != "MASTER" || b.state(t) != "BACKUP" {
			t.Fatalf("states a=%s b=%s", a.state(t), b.state(t))
		}
		st := b.r.Status(context.Background())[0]
		if st.RxAdverts == 0 || len(st.Drops) != 0 {
			t.Fatalf("b received %d adverts, drops %v", st.RxAdverts, st.Drops)
		}
	})
}

// reload parses conf and reloads rn's router with it.
func (rn *running) reload(t *testing.T, conf string) {
	t.Helper()
	c, diags := config.Parse("keepalived.conf", []byte(conf), config.Options{})
	for _, d := range diags {
		if d.Severity >= config.Error {
			t.Fatalf("%s: config: %v", rn.name, d)
		}
	}
	if err := rn.r.Reload(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

func (l *logBuf) count(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

func TestRouterReload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		confA := fmt.Sprintf(confV2, "MASTER", 150, "secret")
		a := h.start(t, "a", "192.0.2.1", confA)
		b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confV2, "BACKUP", 100, "secret"))
		time.Sleep(5 * time.Second)
		announced := h.announcedBy("a")

		// The same configuration: nothing moves, nothing is re-announced.
		a.reload(t, confA)
		time.Sleep(2 * time.Second)
		if n := a.logs.count("Entering"); n != 2 { // BACKUP (init), MASTER
			t.Fatalf("a logged %d state entries after an unchanged reload:\n%s", n, strings.Join(a.logs.lines, "\n"))
		}
		if h.announcedBy("a") != announced {
			t.Fatalf("an unchanged reload re-announced the VIPs (%d -> %d)", announced, h.announcedBy("a"))
		}
		if got := h.holders("192.0.2.100"); !slices.Equal(got, []string{"a"}) {
			t.Fatalf("VIP held by %v after an unchanged reload", got)
		}

		// A lower priority in place: b (100) preempts a (now 90).
		a.reload(t, fmt.Sprintf(confV2, "MASTER", 90, "secret"))
		time.Sleep(5 * time.Second)
		if got := h.holders("192.0.2.100"); !slices.Equal(got, []string{"b"}) {
			t.Fatalf("after a's priority dropped to 90, VIP held by %v, want [b]", got)
		}
		if st := a.r.Status(context.Background())[0]; st.State != "BACKUP" || st.Priority != 90 {
			t.Fatalf("a is %s with priority %d, want BACKUP 90", st.State, st.Priority)
		}

		// The instance removed from b: b releases the VIP and a takes over.
		b.reload(t, "global_defs {\n}\n")
		time.Sleep(5 * time.Second)
		if got := h.holders("192.0.2.100"); !slices.Equal(got, []string{"a"}) {
			t.Fatalf("after b's instance was removed, VIP held by %v, want [a]", got)
		}
		if len(b.r.Status(context.Background())) != 0 {
			t.Fatal("b still runs an instance removed by reload")
		}
	})
}

// TestRouterReloadVIPsInPlace: a VIP added to or removed from a running
// MASTER's instance is added (and announced) or removed without a
// transition; the existing VIP never leaves; the backup only takes the
// new list.
func TestRouterReloadVIPsInPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		confA := fmt.Sprintf(confV2, "MASTER", 150, "secret")
		confB := fmt.Sprintf(confV2, "BACKUP", 100, "secret")
		a := h.start(t, "a", "192.0.2.1", confA)
		b := h.start(t, "b", "192.0.2.2", confB)
		time.Sleep(5 * time.Second)
		entries := a.logs.count("Entering")
		announced := h.announcedBy("a")
		more := func(c string) string {
			return strings.Replace(c, "192.0.2.100/24\n", "192.0.2.100/24\n        192.0.2.101/24\n", 1)
		}

		a.reload(t, more(confA))
		b.reload(t, more(confB))
		time.Sleep(2 * time.Second)
		if got := h.holders("192.0.2.101"); !slices.Equal(got, []string{"a"}) {
			t.Fatalf("the added VIP is held by %v, want [a]", got)
		}
		if got := h.holders("192.0.2.100"); !slices.Equal(got, []string{"a"}) {
			t.Fatalf("the kept VIP is held by %v, want [a]", got)
		}
		if h.announcedBy("a") == announced {
			t.Fatal("the added VIP was not announced")
		}
		if st := a.r.Status(context.Background())[0]; !slices.Contains(st.VIPs, "192.0.2.101/24") {
			t.Fatalf("status VIPs %v lack the added one", st.VIPs)
		}

		a.reload(t, confA)
		b.reload(t, confB)
		time.Sleep(2 * time.Second)
		if got := h.holders("192.0.2.101"); len(got) != 0 {
			t.Fatalf("the removed VIP is still held by %v", got)
		}
		if got := h.holders("192.0.2.100"); !slices.Equal(got, []string{"a"}) {
			t.Fatalf("the kept VIP is held by %v, want [a]", got)
		}
		if n := a.logs.count("Entering"); n != entries {
			t.Fatalf("VIP reloads made %d transitions:\n%s", n-entries, strings.Join(a.logs.lines, "\n"))
		}
		if n := b.logs.count("Entering"); n != 1 {
			t.Fatalf("b logged %d state entries, want 1 (BACKUP):\n%s", n, strings.Join(b.logs.lines, "\n"))
		}
	})
}

const confSync = `
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority %[1]d
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    priority %[1]d
    advert_int 1
    virtual_ipaddress {
        192.0.2.101/24
    }
}
`

func TestRouterSyncGroupFaultsTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		a := h.start(t, "a", "192.0.2.1", fmt.Sprintf(confSync, 150))
		h.start(t, "b", "192.0.2.2", fmt.Sprintf(confSync, 100))
		time.Sleep(5 * time.Second)
		for _, vip := range []string{"192.0.2.100", "192.0.2.101"} {
			if got := h.holders(vip); !slices.Equal(got, []string{"a"}) {
				t.Fatalf("%s held by %v, want [a]", vip, got)
			}
		}
		// One member of a's group faults: both leave MASTER on a, and b
		// takes both over.
		if err := a.r.Fault(context.Background(), "VI_1", "interface eth1 down"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
		for _, vip := range []string{"192.0.2.100", "192.0.2.101"} {
			if got := h.holders(vip); !slices.Equal(got, []string{"b"}) {
				t.Fatalf("after VI_1 faulted on a, %s held by %v, want [b]", vip, got)
			}
		}
		st := a.r.Status(context.Background())
		if st[0].State != "FAULT" || st[1].State != "FAULT" {
			t.Fatalf("a's members are %s and %s, want FAULT FAULT", st[0].State, st[1].State)
		}
		if !a.logs.has("VRRP_Group(G) Syncing instances to FAULT state") {
			t.Errorf("missing the sync log line:\n%s", strings.Join(a.logs.lines, "\n"))
		}
		// Recovery brings the whole group back; a preempts with 150.
		if err := a.r.Recover(context.Background(), "VI_1", "interface eth1 down"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(6 * time.Second)
		for _, vip := range []string{"192.0.2.100", "192.0.2.101"} {
			if got := h.holders(vip); !slices.Equal(got, []string{"a"}) {
				t.Fatalf("after recovery, %s held by %v, want [a]", vip, got)
			}
		}
	})
}

func TestRouterTwoAddressOwnersElectTheHigherAddress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		a := h.start(t, "a", "192.0.2.1", fmt.Sprintf(confV2, "MASTER", 255, "secret"))
		b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confV2, "MASTER", 255, "secret"))
		time.Sleep(10 * time.Second)
		if got := h.holders("192.0.2.100"); !slices.Equal(got, []string{"b"}) {
			t.Fatalf("VIP held by %v, want [b] (the owner with the higher address)", got)
		}
		if got := a.state(t) + " " + b.state(t); got != "BACKUP MASTER" {
			t.Fatalf("states %s, want BACKUP MASTER", got)
		}
		// a always hears b's adverts. b hears a's only when a's first
		// advert reaches it before a yields: the start order decides,
		// so b's lines are checked only when b saw the conflict.
		if !a.logs.has("both configured as address owner, please resolve") {
			t.Errorf("a did not report the two owners:\n%s", strings.Join(a.logs.lines, "\n"))
		}
		if b.logs.has("reducing our priority") {
			t.Errorf("b reduced its priority although a backed off:\n%s", strings.Join(b.logs.lines, "\n"))
		}
		if b.logs.has("both configured as address owner, please resolve") && !b.logs.has("rogue address owner appears to have stopped advertising") {
			t.Errorf("b saw the conflict but not a's back off:\n%s", strings.Join(b.logs.lines, "\n"))
		}
	})
}
