package nft

import (
	"bufio"
	"encoding/binary"
	"fmt"

	"math/bits"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/keepalived-go/keepalived/internal/lvs"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// drLab is a client, a director holding the VIP 192.0.2.100 and two real
// servers holding it on lo (arp_ignore=1, arp_announce=2), all on one
// LAN: the real servers answer the client directly (LVS-DR).
type drLab struct {
	client, director *netnstest.NS
	rs               []*netnstest.NS
	dp               *Dataplane
	port             int // the client's next source port
}

var drClient = netip.MustParseAddr("192.0.2.10")

func newDRLab(t *testing.T) *drLab {
	t.Helper()
	netnstest.Require(t)
	l := &drLab{client: netnstest.New(t, "cli"), director: netnstest.New(t, "dir"), port: 41000}
	lan := netnstest.NewLAN(t, "lan")
	lan.Attach(l.client, "e0")
	l.client.IP("addr", "add", drClient.String()+"/24", "dev", "e0")
	lan.Attach(l.director, "e0")
	l.director.IP("addr", "add", "192.0.2.1/24", "dev", "e0")
	l.director.IP("addr", "add", vip.String()+"/32", "dev", "e0")
	for i := range 2 {
		ns := netnstest.New(t, fmt.Sprintf("rs%d", i+1))
		lan.Attach(ns, "e0")
		ns.Exec("sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2")
		ns.IP("addr", "add", fmt.Sprintf("192.0.2.1%d/24", i+1), "dev", "e0")
		ns.IP("addr", "add", vip.String()+"/32", "dev", "lo")
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

// dial opens a connection to the VIP from the client's next source port.
func (l *drLab) dial(t *testing.T) (net.Conn, uint16) {
	t.Helper()
	port := l.port
	l.port++
	var c net.Conn
	err := l.client.Do(func() (err error) {
		d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: drClient.AsSlice(), Port: port}}
		c, err = d.Dial("tcp4", netip.AddrPortFrom(vip, 8080).String())
		return err
	})
	if err != nil {
		t.Fatalf("connect from port %d: %v", port, err)
	}
	return c, uint16(port)
}

// get makes n requests, each on a new connection, and returns the real
// servers' names and the client ports used.
func (l *drLab) get(t *testing.T, n int) ([]string, []uint16) {
	t.Helper()
	var names []string
	var ports []uint16
	for range n {
		c, port := l.dial(t)
		names = append(names, keepAliveGet(t, c, bufio.NewReader(c)))
		c.Close()
		ports = append(ports, port)
	}
	return names, ports
}

var drKey = lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: vip, Port: 8080}

func drDest(last byte, weight int) lvs.Destination {
	return lvs.Destination{Key: lvs.DestKey{Addr: netip.AddrFrom4([4]byte{192, 0, 2, last}), Port: 8080}, Weight: weight, Method: lvs.DR}
}

func drService(sched string, persist time.Duration, dests ...lvs.Destination) []lvs.ServiceState {
	s := lvs.ServiceState{Service: lvs.Service{Key: drKey, Scheduler: sched, Persistence: persist, Netmask: 32}}
	for _, d := range dests {
		s.Dests = append(s.Dests, lvs.DestState{Destination: d})
	}
	return []lvs.ServiceState{s}
}

// jhash is the kernel's jhash() (include/linux/jhash.h, Bob Jenkins'
// lookup3) as nft_hash computes it over the register bytes.
func jhash(k []byte, initval uint32) uint32 {
	rol := bits.RotateLeft32
	a := 0xdeadbeef + uint32(len(k)) + initval
	b, c := a, a
	for len(k) > 12 {
		a += binary.LittleEndian.Uint32(k)
		b += binary.LittleEndian.Uint32(k[4:])
		c += binary.LittleEndian.Uint32(k[8:])
		a -= c
		a ^= rol(c, 4)
		c += b
		b -= a
		b ^= rol(a, 6)
		a += c
		c -= b
		c ^= rol(b, 8)
		b += a
		a -= c
		a ^= rol(c, 16)
		c += b
		b -= a
		b ^= rol(a, 19)
		a += c
		c -= b
		c ^= rol(b, 4)
		b += a
		k = k[12:]
	}
	if len(k) == 0 {
		return c
	}
	var tail [12]byte
	copy(tail[:], k)
	a += binary.LittleEndian.Uint32(tail[:])
	b += binary.LittleEndian.Uint32(tail[4:])
	c += binary.LittleEndian.Uint32(tail[8:])
	c ^= b
	c -= rol(b, 14)
	a ^= c
	a -= rol(c, 11)
	b ^= a
	b -= rol(a, 25)
	c ^= b
	c -= rol(b, 16)
	a ^= c
	a -= rol(c, 4)
	b ^= a
	b -= rol(a, 14)
	c ^= b
	c -= rol(b, 24)
	return c
}

// predict is the real server (rsN) the DR rr/wrr scheduler picks for a
// connection from the client's port.
func predict(sched string, dests []lvs.Destination, sport uint16) string {
	table := drSchedTable(sched, dests)
	key := append(drClient.AsSlice(), vip.AsSlice()...)
	key = binary.BigEndian.AppendUint32(key, uint32(sport)<<16)
	key = binary.BigEndian.AppendUint32(key, uint32(drKey.Port)<<16)
	i := uint32(uint64(jhash(key, 0x4b41)) * uint64(len(table)) >> 32)
	return fmt.Sprintf("rs%d", dests[table[i]].Key.Addr.As4()[3]-10)
}

func TestIntegrationDR(t *testing.T) {
	l := newDRLab(t)
	r := lvs.NewReconciler(l.dp)
	two := []lvs.Destination{drDest(11, 1), drDest(12, 1)}
	if _, err := r.Start(drService("rr", 0, two...), true); err != nil {
		t.Fatal(err)
	}
	got, ports := l.get(t, 20)
	for i, name := range got {
		if w := predict("rr", two, ports[i]); name != w {
			t.Errorf("rr: connection from port %d reached %s, the scheduler picks %s", ports[i], name, w)
		}
	}
	if c := count(got); c["rs1"] == 0 || c["rs2"] == 0 {
		t.Errorf("rr: %v, want both real servers", c)
	}
	st, err := l.dp.State()
	if err != nil {
		t.Fatal(err)
	}
	if g, w := lvs.RenderString(st, lvs.Rules), lvs.RenderString(drService("rr", 0, two...), lvs.Rules); g != w {
		t.Errorf("State:\n%s\nwant:\n%s", g, w)
	}
	if out := lvs.RenderString(st, lvs.Plain); !strings.Contains(out, "Route") {
		t.Errorf("State does not show Route:\n%s", out)
	}
	// Each connection is a few packets from the client; the director sees
	// none of the replies.
	if in := st[0].Dests[0].Stats.InPkts + st[0].Dests[1].Stats.InPkts; in < 20*3 || st[0].Stats.InPkts < 20*3 {
		t.Errorf("counters: service %d packets, destinations %d, want >= 60", st[0].Stats.InPkts, in)
	}
	out := l.director.Exec("nft", "list", "table", "ip", DRTableName)
	for _, want := range []string{
		"type filter hook prerouting priority raw; policy accept;",
		"ip daddr . meta l4proto . th dport vmap @svc4",
		"elements = { 192.0.2.100 . tcp . 8080 : jump vs0 }",
		"jhash ip saddr . ip daddr . th sport . th dport mod 1021 seed 0x4b41 vmap @m",
		"dup to 192.0.2.11 drop",
		"dup to 192.0.2.12 drop",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("nft list table ip %s lacks %q:\n%s", DRTableName, want, out)
		}
	}

	weighted := []lvs.Destination{drDest(11, 3), drDest(12, 1)}
	syncTo(t, r, drService("wrr", 0, weighted...))
	got, ports = l.get(t, 40)
	for i, name := range got {
		if w := predict("wrr", weighted, ports[i]); name != w {
			t.Errorf("wrr: connection from port %d reached %s, the scheduler picks %s", ports[i], name, w)
		}
	}
	t.Logf("wrr 3:1 over 40 connections: %v", count(got))

	syncTo(t, r, drService("sh", 0, two...))
	if got, _ := l.get(t, 10); len(count(got)) != 1 {
		t.Errorf("sh: one client went to %v", count(got))
	}

	// An established connection stays on its server when the other one
	// is removed (Maglev: only the removed server's flows move), and new
	// connections all go to it.
	syncTo(t, r, drService("rr", 0, two...))
	conn, _ := l.dial(t)
	defer conn.Close()
	br := bufio.NewReader(conn)
	first := keepAliveGet(t, conn, br)
	stay := map[string]lvs.Destination{"rs1": drDest(11, 1), "rs2": drDest(12, 1)}[first]
	syncTo(t, r, drService("rr", 0, stay))
	if again := keepAliveGet(t, conn, br); again != first {
		t.Errorf("established connection moved from %s to %s", first, again)
	}
	if got, _ := l.get(t, 6); count(got)[first] != 6 {
		t.Errorf("after removal: %v, want all on %s", count(got), first)
	}
	// Weight 0: no new connections.
	other := map[string]lvs.Destination{"rs1": drDest(12, 1), "rs2": drDest(11, 1)}[first]
	stay.Weight = 0
	syncTo(t, r, drService("rr", 0, stay, other))
	if got, _ := l.get(t, 6); count(got)[first] != 0 {
		t.Errorf("weight 0: %v, want none on %s", count(got), first)
	}

	syncTo(t, r, drService("rr", time.Minute, two...))
	if got, _ := l.get(t, 8); len(count(got)) != 1 {
		t.Errorf("persistence: one client went to %v", count(got))
	}

	// A service can change forwarding method: to NAT and back.
	if err := l.dp.Apply([]lvs.Change{{Op: lvs.AddDest, Service: drService("rr", 0)[0].Service,
		Dest: lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("192.0.2.13"), Port: 8080}, Weight: 1}}}); err == nil ||
		!strings.Contains(err.Error(), "one forwarding method per virtual server") {
		t.Errorf("mixing NAT and DR: %v", err)
	}
	tun := drDest(13, 1)
	tun.Method = lvs.TUN
	if err := l.dp.Apply([]lvs.Change{{Op: lvs.AddDest, Service: drService("rr", 0)[0].Service, Dest: tun}}); err == nil ||
		!strings.Contains(err.Error(), "Tunnel is not supported") {
		t.Errorf("TUN: %v", err)
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
	if out := l.director.Exec("nft", "list", "tables"); strings.Contains(out, "keepalived_go") {
		t.Errorf("tables left after Flush: %s", out)
	}
}
