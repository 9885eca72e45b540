package nft

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/keepalived-go/keepalived/internal/lvs"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// lab is a client, a director holding the VIP 192.0.2.100, and two real
// servers on a back LAN whose gateway is the director (LVS-NAT).
type lab struct {
	client, director *netnstest.NS
	rs               []*netnstest.NS
	dp               *Dataplane
}

var vip = netip.MustParseAddr("192.0.2.100")

func newLab(t *testing.T) *lab {
	t.Helper()
	netnstest.Require(t)
	l := &lab{client: netnstest.New(t, "cli"), director: netnstest.New(t, "dir")}
	netnstest.Veth(t, l.client, "c0", l.director, "d0")
	l.client.IP("addr", "add", "192.0.2.10/24", "dev", "c0")
	l.director.IP("addr", "add", "192.0.2.1/24", "dev", "d0")
	l.director.IP("addr", "add", vip.String()+"/32", "dev", "d0")
	l.director.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1")
	lan := netnstest.NewLAN(t, "back")
	lan.Attach(l.director, "d1")
	l.director.IP("addr", "add", "198.51.100.1/24", "dev", "d1")
	for i := range 2 {
		ns := netnstest.New(t, fmt.Sprintf("rs%d", i+1))
		lan.Attach(ns, "e0")
		ns.IP("addr", "add", fmt.Sprintf("198.51.100.1%d/24", i+1), "dev", "e0")
		ns.IP("route", "add", "192.0.2.0/24", "via", "198.51.100.1")
		name := fmt.Sprintf("rs%d", i+1)
		if err := ns.Do(func() error { return serve(t, name) }); err != nil {
			t.Fatal(err)
		}
		l.rs = append(l.rs, ns)
	}
	f, err := os.Open("/run/netns/" + l.director.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	conn, err := nftables.New(nftables.WithNetNSFd(int(f.Fd())), nftables.WithSockOptions(BigBuffers))
	if err != nil {
		t.Fatal(err)
	}
	l.dp = New(conn)
	t.Cleanup(func() { _ = l.dp.Flush() })
	return l
}

// serve starts an HTTP server on :8080 answering with its name; the
// socket belongs to the namespace Do runs in.
func serve(t *testing.T, name string) error {
	ln, err := net.Listen("tcp4", ":8080")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return nil
}

// get makes n requests from the client, each on a new connection, and
// returns the real servers' names in order.
func (l *lab) get(t *testing.T, n int) []string {
	t.Helper()
	return l.getFrom(t, l.client, n)
}

// keepAliveGet sends one HTTP/1.1 request on conn and returns the body.
func keepAliveGet(t *testing.T, conn net.Conn, br *bufio.Reader) string {
	t.Helper()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: vip\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (l *lab) getFrom(t *testing.T, from *netnstest.NS, n int) []string {
	t.Helper()
	var out []string
	err := from.Do(func() error {
		for range n {
			c, err := net.DialTimeout("tcp4", netip.AddrPortFrom(vip, 80).String(), 2*time.Second)
			if err != nil {
				return err
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
			b, err := io.ReadAll(c)
			c.Close()
			if err != nil {
				return err
			}
			s := string(b)
			out = append(out, s[strings.LastIndex(s, "\n")+1:])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func count(names []string) map[string]int {
	m := map[string]int{}
	for _, n := range names {
		m[n]++
	}
	return m
}

var svcKey = lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: vip, Port: 80}

func dest(last byte, weight int) lvs.Destination {
	return lvs.Destination{Key: lvs.DestKey{Addr: netip.AddrFrom4([4]byte{198, 51, 100, last}), Port: 8080}, Weight: weight}
}

func syncTo(t *testing.T, r *lvs.Reconciler, want []lvs.ServiceState) {
	t.Helper()
	if _, err := r.Sync(want); err != nil {
		t.Fatal(err)
	}
}

func service(sched string, persist time.Duration, dests ...lvs.Destination) []lvs.ServiceState {
	s := lvs.ServiceState{Service: lvs.Service{Key: svcKey, Scheduler: sched, Persistence: persist, Netmask: 32}}
	for _, d := range dests {
		s.Dests = append(s.Dests, lvs.DestState{Destination: d})
	}
	return []lvs.ServiceState{s}
}

func TestIntegrationNAT(t *testing.T) {
	l := newLab(t)
	r := lvs.NewReconciler(l.dp)
	if _, err := r.Start(service("rr", 0, dest(11, 1), dest(12, 1)), true); err != nil {
		t.Fatal(err)
	}
	got := l.get(t, 10)
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Fatalf("rr: %v does not alternate", got)
		}
	}
	if c := count(got); c["rs1"] != 5 || c["rs2"] != 5 {
		t.Errorf("rr: %v", c)
	}
	st, err := l.dp.State()
	if err != nil {
		t.Fatal(err)
	}
	if g, w := lvs.RenderString(st, lvs.Rules), lvs.RenderString(service("rr", 0, dest(11, 1), dest(12, 1)), lvs.Rules); g != w {
		t.Errorf("State:\n%s\nwant:\n%s", g, w)
	}
	if st[0].Stats.Conns != 10 || st[0].Dests[0].Stats.Conns+st[0].Dests[1].Stats.Conns != 10 {
		t.Errorf("counters: service %d, dests %d + %d, want 10", st[0].Stats.Conns, st[0].Dests[0].Stats.Conns, st[0].Dests[1].Stats.Conns)
	}
	var js map[string]any
	if err := json.Unmarshal([]byte(l.director.Exec("nft", "-j", "list", "table", "inet", TableName)), &js); err != nil {
		t.Errorf("nft -j: %v", err)
	}
	// Another service added and removed (elements of the services maps):
	// this one's counters stay.
	dns := lvs.ServiceState{Service: lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.UDP, Addr: vip, Port: 53}, Scheduler: "rr", Netmask: 32},
		Dests: []lvs.DestState{{Destination: lvs.Destination{Key: lvs.DestKey{Addr: dest(11, 1).Key.Addr, Port: 53}, Weight: 1}}}}
	syncTo(t, r, append(service("rr", 0, dest(11, 1), dest(12, 1)), dns))
	syncTo(t, r, service("rr", 0, dest(11, 1), dest(12, 1)))
	if st, err := l.dp.State(); err != nil || len(st) != 1 || st[0].Stats.Conns != 10 || st[0].Dests[0].Stats.Conns+st[0].Dests[1].Stats.Conns != 10 {
		t.Errorf("after another service came and went: %v, %v; want one service, its 10 connections counted still", st, err)
	}

	syncTo(t, r, service("wrr", 0, dest(11, 3), dest(12, 1)))
	if c := count(l.get(t, 40)); c["rs1"] != 30 || c["rs2"] != 10 {
		t.Errorf("wrr 3:1: %v", c)
	}
	// The scheduler and weights changed (the service's chains were
	// rewritten): the counters go on from the rr connections, as IPVS's.
	if st, err := l.dp.State(); err != nil || len(st) != 1 || st[0].Stats.Conns != 50 ||
		st[0].Dests[0].Stats.Conns != 35 || st[0].Dests[1].Stats.Conns != 15 {
		t.Errorf("after the rewrite: %v, %v; want 50 connections, 35 on rs1 and 15 on rs2", st, err)
	}

	syncTo(t, r, service("sh", 0, dest(11, 1), dest(12, 1)))
	if c := count(l.get(t, 10)); len(c) != 1 {
		t.Errorf("sh: one client went to %v", c)
	}
	// mh: a 4093-slot map, more than one netlink attribute holds.
	syncTo(t, r, service("mh", 0, dest(11, 1), dest(12, 1)))
	if c := count(l.get(t, 10)); len(c) != 1 {
		t.Errorf("mh: one client went to %v", c)
	}

	syncTo(t, r, service("rr", 0, dest(11, 1), dest(12, 0)))
	if c := count(l.get(t, 6)); c["rs1"] != 6 {
		t.Errorf("weight 0: %v", c)
	}
	syncTo(t, r, service("rr", 0, dest(12, 1)))
	if c := count(l.get(t, 6)); c["rs2"] != 6 {
		t.Errorf("after removal: %v", c)
	}

	// From the director itself (output hook).
	syncTo(t, r, service("rr", 0, dest(11, 1), dest(12, 1)))
	if c := count(l.getFrom(t, l.director, 4)); c["rs1"] != 2 || c["rs2"] != 2 {
		t.Errorf("from the director: %v", c)
	}

	// An established connection stays on its server when the server is
	// removed; new connections go to the other.
	var conn net.Conn
	var first string
	if err := l.client.Do(func() (err error) {
		conn, err = net.DialTimeout("tcp4", netip.AddrPortFrom(vip, 80).String(), 2*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	first = keepAliveGet(t, conn, br)
	// The open connection is in the dataplane's connection list.
	conns, err := l.dp.Conns()
	if err != nil {
		t.Fatal(err)
	}
	local := netip.MustParseAddrPort(conn.LocalAddr().String())
	if !slices.ContainsFunc(conns, func(c lvs.Conn) bool {
		return c.Client == local && c.Virtual == netip.AddrPortFrom(vip, 80) && c.State == "ESTABLISHED" &&
			c.Dest == netip.AddrPortFrom(map[string]lvs.Destination{"rs1": dest(11, 1), "rs2": dest(12, 1)}[first].Key.Addr, 8080)
	}) {
		t.Errorf("Conns lacks %s -> %s (%s): %v", local, netip.AddrPortFrom(vip, 80), first, conns)
	}
	other := map[string]lvs.Destination{"rs1": dest(12, 1), "rs2": dest(11, 1)}[first]
	syncTo(t, r, service("rr", 0, other))
	if again := keepAliveGet(t, conn, br); again != first {
		t.Errorf("established connection moved from %s to %s", first, again)
	}
	if c := count(l.get(t, 4)); c[first] != 0 {
		t.Errorf("new connections still reach removed %s: %v", first, c)
	}

	syncTo(t, r, service("rr", time.Minute, dest(11, 1), dest(12, 1)))
	got = l.get(t, 8)
	if c := count(got); len(c) != 1 {
		t.Errorf("persistence: one client went to %v", c)
	}
	// Its server removed, the client is scheduled again, and stays on
	// its new server when the old one comes back.
	stuck := got[0]
	byName := map[string]lvs.Destination{"rs1": dest(11, 1), "rs2": dest(12, 1)}
	otherName := map[string]string{"rs1": "rs2", "rs2": "rs1"}[stuck]
	syncTo(t, r, service("rr", time.Minute, byName[otherName]))
	if c := count(l.get(t, 4)); c[otherName] != 4 {
		t.Errorf("persistent client after its server's removal: %v, want all on %s", c, otherName)
	}
	syncTo(t, r, service("rr", time.Minute, dest(11, 1), dest(12, 1)))
	if c := count(l.get(t, 4)); c[otherName] != 4 {
		t.Errorf("persistent client after the old server's return: %v, want all on %s", c, otherName)
	}
	// The persistent connections count on their destination, and a
	// destination's counter outlives the rewrites of its service (the
	// two syncs above): the kept server counted all 8; the removed one
	// came back with a new counter, as a new destination.
	st, err = l.dp.State()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range st[0].Dests {
		if want := map[bool]uint64{true: 8, false: 0}[d.Key == byName[otherName].Key]; d.Stats.Conns != want {
			t.Errorf("persistent connections on %s: %d, want %d", d.Key, d.Stats.Conns, want)
		}
	}
	// A timeout change starts the persistence again (new sets).
	syncTo(t, r, service("rr", 2*time.Minute, dest(11, 1), dest(12, 1)))
	if c := count(l.get(t, 4)); len(c) != 1 {
		t.Errorf("persistence after a timeout change: %v", c)
	}

	if err := r.Stop(false); err != nil {
		t.Fatal(err)
	}
	if st, _ := l.dp.State(); len(st) != 0 {
		t.Errorf("after stop: %v", st)
	}
	if err := l.dp.Flush(); err != nil {
		t.Fatal(err)
	}
	if out := l.director.Exec("nft", "list", "tables"); strings.Contains(out, TableName) {
		t.Errorf("table left after Flush: %s", out)
	}
}
