package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// skew100 is Skew_Time of priority 100 with VRRPv2 (RFC 3768 §6.1):
// (256 - 100) / 256 s.
const skew100 = 609375 * time.Microsecond

// TestFailoverBounds measures, from a client namespace, the protocol's
// bounds on a failover with advert_int 1: after a crash of the master
// (SIGKILL and link down) the backup answers ARP for the VIP with its own
// MAC and answers ping within 3 × advert_int + Skew_Time + 100 ms; after
// a graceful stop (SIGTERM, a priority 0 advert) within Skew_Time +
// 100 ms. The clock starts when the signal is sent.
func TestFailoverBounds(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	c := l.node("client", "192.0.2.50", "")
	p := newProber(t, c, "192.0.2.100")
	confA := fmt.Sprintf(confV2PASS, "a", "MASTER", 150)
	a.start(bin, confA)
	b.start(bin, fmt.Sprintf(confV2PASS, "b", "BACKUP", 100))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)
	reachable := func(via *node) {
		t.Helper()
		if r := p.waitRecovery(time.Now(), via.mac("eth0"), 10*time.Second); r.arp < 0 || r.ping < 0 {
			t.Fatalf("the client cannot reach the VIP on %s (ARP %v, ping %v)", via.name, r.arp, r.ping)
		}
	}
	reachable(a)

	start := time.Now()
	a.stop()
	r := p.waitRecovery(start, b.mac("eth0"), 5*time.Second)
	t.Logf("graceful stop: ARP answered by b after %v, ping after %v (bound %v)", r.arp, r.ping, skew100+100*time.Millisecond)
	if bound := skew100 + 100*time.Millisecond; r.arp < 0 || r.ping < 0 || r.arp > bound || r.ping > bound {
		t.Errorf("graceful stop: ARP after %v, ping after %v; want both within Skew_Time + 100 ms = %v", r.arp, r.ping, bound)
	}

	a.start(bin, confA)
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)
	reachable(a)
	start = time.Now()
	a.kill()
	a.ns.IP("link", "set", "eth0", "down")
	r = p.waitRecovery(start, b.mac("eth0"), 8*time.Second)
	bound := 3*time.Second + skew100 + 100*time.Millisecond
	t.Logf("crash: ARP answered by b after %v, ping after %v (bound %v)", r.arp, r.ping, bound)
	if r.arp < 0 || r.ping < 0 || r.arp > bound || r.ping > bound {
		t.Errorf("crash: ARP after %v, ping after %v; want both within 3 × advert_int + Skew_Time + 100 ms = %v", r.arp, r.ping, bound)
	}
	if !b.hasAddr("192.0.2.100") {
		t.Errorf("b answers for the VIP but does not hold it")
	}
}

// TestPartitionHealsWithGratuitousARP: during a partition (protocol 112
// dropped on both directors) both are MASTER and the client's neighbour
// entry for the VIP follows b's gratuitous ARPs; when it heals a, the
// higher priority, stays the only master and sends gratuitous ARPs again
// (garp_lower_prio_repeat, defaulting to garp_master_repeat), so the
// client, which sends nothing meanwhile, learns a's MAC back. (Were only
// b cut off, a would answer each of b's lower-priority adverts with
// gratuitous ARPs at once, and the client's entry would hold b's MAC
// for a moment only.)
// TestPartitionHeals covers the election and the notify script.
func TestPartitionHealsWithGratuitousARP(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	c := l.node("client", "192.0.2.50", "")
	a.start(bin, fmt.Sprintf(confV2PASS, "a", "MASTER", 150))
	b.start(bin, fmt.Sprintf(confV2PASS, "b", "BACKUP", 100))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)
	macA, macB := a.mac("eth0").String(), b.mac("eth0").String()
	c.touch("192.0.2.100")
	waitFor(t, 5*time.Second, "the client to learn a's MAC for the VIP", func() bool { return c.neighMAC("192.0.2.100") == macA })

	partition(a, true)
	partition(b, true)
	waitFor(t, 10*time.Second, "b's gratuitous ARP to reach the client during the partition", func() bool {
		return c.neighMAC("192.0.2.100") == macB
	})
	healed := time.Now()
	partition(a, false)
	partition(b, false)
	waitFor(t, 5*time.Second, "a's gratuitous ARP after the heal", func() bool { return c.neighMAC("192.0.2.100") == macA })
	t.Logf("the client had a's MAC back %v after the heal", time.Since(healed))
	waitHolder(t, 5*time.Second, "192.0.2.100", a, a, b)
	time.Sleep(2 * time.Second)
	if h := holders("192.0.2.100", a, b); len(h) != 1 || h[0] != "a" {
		t.Fatalf("after healing the VIP is held by %v, want [a]", h)
	}
	if got := c.neighMAC("192.0.2.100"); got != macA {
		t.Fatalf("the client's entry for the VIP is %s after the heal, want a's %s", got, macA)
	}
}

// partition drops (or stops dropping) VRRP received by n.
func partition(n *node, on bool) {
	if !on {
		n.ns.Exec("nft", "delete table inet kgo_partition")
		return
	}
	n.ns.Exec("nft", "add table inet kgo_partition")
	n.ns.Exec("nft", "add chain inet kgo_partition in { type filter hook input priority 0 ; }")
	n.ns.Exec("nft", "add rule inet kgo_partition in ip protocol 112 drop")
	n.ns.Exec("nft", "add rule inet kgo_partition in ip6 nexthdr 112 drop")
}

// TestUnsolicitedNASeenByPeer: with VRRPv3 over IPv6, the new master's
// unsolicited Neighbour Advertisement updates another host's neighbour
// entry for the VIP to the new master's MAC, without that host sending
// anything after the failover.
func TestUnsolicitedNASeenByPeer(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	a := l.node("a", "", "2001:db8::1")
	b := l.node("b", "", "2001:db8::2")
	c := l.node("client", "", "2001:db8::50")
	a.start(bin, fmt.Sprintf(confV3IPv6, "a", "MASTER", 150))
	b.start(bin, fmt.Sprintf(confV3IPv6, "b", "BACKUP", 100))
	waitHolder(t, 10*time.Second, "2001:db8::100", a, a, b)
	macA, macB := a.mac("eth0").String(), b.mac("eth0").String()
	c.touch("2001:db8::100")
	waitFor(t, 5*time.Second, "the client to learn a's MAC for the VIP", func() bool { return c.neighMAC("2001:db8::100") == macA })

	a.kill()
	a.ns.IP("link", "set", "eth0", "down")
	waitFor(t, 8*time.Second, "the client's neighbour entry to follow b's unsolicited NA", func() bool {
		return c.neighMAC("2001:db8::100") == macB
	})
	if !b.out.contains("Entering MASTER STATE") {
		t.Fatal("b never became master")
	}
}

// TestPreemptDelay: a higher priority node joining a running master
// waits preempt_delay (4 s here) from the first lower priority advert
// before it stops accepting them; it takes over one
// Master_Down_Interval after the last accepted advert.
func TestPreemptDelay(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	b.start(bin, fmt.Sprintf(confV2PASS, "b", "BACKUP", 100))
	waitHolder(t, 10*time.Second, "192.0.2.100", b, a, b)
	const delay = 4 * time.Second
	a.start(bin, strings.Replace(fmt.Sprintf(confV2PASS, "a", "BACKUP", 150), "    advert_int 1\n",
		"    advert_int 1\n    preempt_delay 4\n", 1))
	start := time.Now()
	// Until the delay has run (it starts with b's first advert, within
	// a second of a's start) a must not take over.
	for time.Since(start) < delay {
		if a.hasAddr("192.0.2.100") {
			t.Fatalf("a took over %v after its start, before preempt_delay %v", time.Since(start), delay)
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitHolder(t, 8*time.Second, "192.0.2.100", a, a, b)
	took := time.Since(start)
	t.Logf("a took over %v after its start (preempt_delay %v)", took, delay)
	if !a.out.contains("(VI_1) received lower priority (100) advert from 192.0.2.2 - discarding") {
		t.Errorf("a did not log discarding b's adverts once the delay ran out")
	}
}

const confSyncTwoLANs = `
global_defs {
    router_id %[1]s
}
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority %[2]d
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
vrrp_instance VI_2 {
    state BACKUP
    interface eth1
    virtual_router_id 52
    priority %[2]d
    advert_int 1
    virtual_ipaddress {
        198.51.100.100/24
    }
}
`

// hasAddrOn says whether the node holds addr on dev.
func (n *node) hasAddrOn(dev, addr string) bool {
	out, err := n.ns.Command("ip", "-o", "addr", "show", "dev", dev).CombinedOutput()
	return err == nil && strings.Contains(string(out), " "+addr+"/")
}

// TestSyncGroupTwoLANs: a sync group of two instances on two interfaces
// (two LANs). When the master's second interface goes down, both
// instances move to the backup together (the group faults on the
// master); when it comes back, both return. examples/sync-group has
// both instances on one interface.
func TestSyncGroupTwoLANs(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	lan2 := netnstest.NewLAN(t, "lan2")
	lan2.Attach(a.ns, "eth1")
	lan2.Attach(b.ns, "eth1")
	a.ns.IP("addr", "add", "198.51.100.1/24", "dev", "eth1")
	b.ns.IP("addr", "add", "198.51.100.2/24", "dev", "eth1")
	a.start(bin, fmt.Sprintf(confSyncTwoLANs, "a", 150))
	b.start(bin, fmt.Sprintf(confSyncTwoLANs, "b", 100))
	both := func(n *node) bool { return n.hasAddrOn("eth0", "192.0.2.100") && n.hasAddrOn("eth1", "198.51.100.100") }
	none := func(n *node) bool {
		return !n.hasAddrOn("eth0", "192.0.2.100") && !n.hasAddrOn("eth1", "198.51.100.100")
	}
	waitFor(t, 10*time.Second, "a to hold both VIPs", func() bool { return both(a) && none(b) })

	a.ns.IP("link", "set", "eth1", "down")
	waitFor(t, 8*time.Second, "b to hold both VIPs after a's eth1 went down", func() bool { return both(b) && none(a) })
	if !a.out.contains("VRRP_Group(G) Syncing instances to FAULT state") {
		t.Errorf("a did not log the group's move to FAULT")
	}
	if !b.out.contains("VRRP_Group(G) Syncing instances to MASTER state") {
		t.Errorf("b did not log the group's move to MASTER")
	}
	a.ns.IP("link", "set", "eth1", "up")
	waitFor(t, 10*time.Second, "a to take both VIPs back", func() bool { return both(a) && none(b) })
}

const confV3IPv4 = `
global_defs {
    router_id %[1]s
}
vrrp_instance VI_3 {
    state %[2]s
    interface eth0
    virtual_router_id 81
    priority %[3]d
    advert_int 1
    version 3
    virtual_ipaddress {
        192.0.2.120/24
    }
}
`

// keepalivedPacketErrors are keepalived 2.2.7's complaints about an
// advert it rejects (vrrp_check_packet).
var keepalivedPacketErrors = []string{
	"vrrp packet too", "invalid TTL/HL", "wrong version", "Invalid auth type", "auth, expecting",
	"invalid passwd", "interval mismatch", "Invalid packet type", "unexpected ip number count",
	"Invalid VRRPv3 checksum", "Invalid VRRPv2 checksum", "icast packet but received", "VIPs but received",
	"ip address associated with VRID", "not a unicast peer", "not in range",
	"wrong VRRP version", // our wording of "wrong version"
}

// TestInteropKeepalivedModes: ours and keepalived 2.2.7 in one virtual
// router for each mode (VRRPv2 multicast with PASS, VRRPv2 unicast,
// VRRPv3 IPv4, VRRPv3 IPv6): ours master and keepalived backup, a crash
// of ours hands over to keepalived; ours back as backup stays backup;
// a crash of keepalived hands over to ours. Neither side rejects the
// other's adverts. TestInteropKeepalivedV2 covers preemption both ways and
// TestInteropEqualPriority the tie-break.
func TestInteropKeepalivedModes(t *testing.T) {
	modes := []struct {
		name string
		vip  string
		v6   bool
		conf func(router, state string, prio int) string
	}{
		{name: "v2_multicast", vip: "192.0.2.100", conf: func(r, s string, p int) string { return fmt.Sprintf(confV2PASS, r, s, p) }},
		{name: "v2_unicast", vip: "192.0.2.110", conf: func(r, s string, p int) string {
			self, peer := "192.0.2.1", "192.0.2.2"
			if r == "b" {
				self, peer = peer, self
			}
			return fmt.Sprintf(confUnicast, r, s, p, self, peer)
		}},
		{name: "v3_ipv4", vip: "192.0.2.120", conf: func(r, s string, p int) string { return fmt.Sprintf(confV3IPv4, r, s, p) }},
		{name: "v3_ipv6", vip: "2001:db8::100", v6: true, conf: func(r, s string, p int) string { return fmt.Sprintf(confV3IPv6, r, s, p) }},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			l := newLab(t)
			ours, theirs := ourBinary(t), realKeepalived(t)
			a4, b4, a6, b6 := "192.0.2.1", "192.0.2.2", "", ""
			if m.v6 {
				a4, b4, a6, b6 = "", "", "2001:db8::1", "2001:db8::2"
			}
			a := l.node("a", a4, a6)
			b := l.node("b", b4, b6)
			steady := func(want *node) {
				t.Helper()
				for range 20 {
					if h := holders(m.vip, a, b); len(h) != 1 || h[0] != want.name {
						t.Fatalf("VIP held by %v at steady state, want [%s]", h, want.name)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			a.start(ours, m.conf("a", "MASTER", 150))
			waitHolder(t, 10*time.Second, m.vip, a, a, b)
			b.start(theirs, m.conf("b", "BACKUP", 100))
			time.Sleep(time.Second)
			steady(a)

			crash(a) // a dead machine keeps its IPv4 VIP: only b counts
			waitHolder(t, 6*time.Second, m.vip, b, b)
			revive(t, a, a6)
			a.start(ours, m.conf("a", "BACKUP", 50))
			time.Sleep(time.Second)
			steady(b)
			waitFor(t, 5*time.Second, "ours to log BACKUP", func() bool { return a.out.contains("Entering BACKUP STATE") })

			crash(b)
			waitHolder(t, 6*time.Second, m.vip, a, a)
			for _, bad := range keepalivedPacketErrors {
				if b.out.contains(bad) {
					t.Errorf("keepalived rejected our adverts (%q)", bad)
				}
				if a.out.contains(bad) {
					t.Errorf("we rejected keepalived's adverts (%q)", bad)
				}
			}
		})
	}
}

// crash is the harness's dead machine: every process SIGKILLed, the link
// down.
func crash(n *node) {
	n.kill()
	n.ns.IP("link", "set", "eth0", "down")
}

// revive brings a crashed node's link back with its addresses (the
// kernel drops IPv6 addresses on link down) and waits for its IPv6
// link-local address to leave DAD.
func revive(t *testing.T, n *node, addr6 string) {
	t.Helper()
	n.ns.IP("link", "set", "eth0", "up")
	if addr6 == "" {
		return
	}
	n.ns.IP("addr", "replace", addr6+"/64", "dev", "eth0", "nodad")
	waitFor(t, 5*time.Second, n.name+"'s link-local address", func() bool {
		out, err := n.ns.Command("ip", "-6", "addr", "show", "dev", "eth0", "scope", "link").CombinedOutput()
		return err == nil && strings.Contains(string(out), "fe80::") && !strings.Contains(string(out), "tentative")
	})
}

// TestInteropTwoAddressOwners: ours and keepalived 2.2.7 both configured
// as address owner (priority 255) of one VRID, either with the higher
// address. The configuration error is reported and they settle on one
// stable master (keepalived 2.2.7 reduces itself to 254 on hearing
// another owner; we apply keepalived ≥ 2.3.3's rule).
func TestInteropTwoAddressOwners(t *testing.T) {
	for _, oursHigh := range []bool{false, true} {
		t.Run(fmt.Sprintf("ours_higher=%v", oursHigh), func(t *testing.T) {
			t.Parallel()
			l := newLab(t)
			ours, theirs := ourBinary(t), realKeepalived(t)
			lo := l.node("lo", "192.0.2.1", "")
			hi := l.node("hi", "192.0.2.2", "")
			binLo, binHi, us := theirs, ours, hi
			if !oursHigh {
				binLo, binHi, us = ours, theirs, lo
			}
			lo.start(binLo, fmt.Sprintf(confV2PASS, "lo", "MASTER", 255))
			hi.start(binHi, fmt.Sprintf(confV2PASS, "hi", "MASTER", 255))
			// Whoever hears the other as master reports it (an owner
			// that yields at once is not heard again).
			waitFor(t, 15*time.Second, "two address owners reported", func() bool {
				return lo.out.contains("both configured as address owner") || hi.out.contains("both configured as address owner")
			})
			waitFor(t, 15*time.Second, "one master", func() bool { return len(holders("192.0.2.100", lo, hi)) == 1 })
			first := holders("192.0.2.100", lo, hi)
			for range 30 {
				if h := holders("192.0.2.100", lo, hi); len(h) != 1 || h[0] != first[0] {
					t.Fatalf("the VIP moved from %v to %v at steady state", first, h)
				}
				time.Sleep(100 * time.Millisecond)
			}
			t.Logf("master: %s (ours is %s)", first[0], us.name)
		})
	}
}
