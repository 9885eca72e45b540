package e2e

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/arp"
)

// prober is a client on the LAN that asks who has the VIP (a broadcast
// ARP request, read with mdlayher/arp) and pings it (ICMP echo on a raw
// socket, through the client kernel's own neighbour table, as any
// client would). Its sockets are opened inside the client's namespace.
type prober struct {
	arp  *arp.Client
	icmp net.PacketConn
	vip  netip.Addr
	seq  uint16
}

func newProber(t *testing.T, client *node, vip string) *prober {
	t.Helper()
	p := &prober{vip: netip.MustParseAddr(vip)}
	err := client.ns.Do(func() error {
		ifi, err := net.InterfaceByName("eth0")
		if err != nil {
			return err
		}
		if p.arp, err = arp.Dial(ifi); err != nil {
			return fmt.Errorf("arp: %w", err)
		}
		p.icmp, err = net.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.arp.Close(); p.icmp.Close() })
	return p
}

// whoHas sends one ARP request for the VIP and returns the MAC of the
// first answer within wait (nil if none).
func (p *prober) whoHas(wait time.Duration) net.HardwareAddr {
	_ = p.arp.SetDeadline(time.Now().Add(wait))
	mac, err := p.arp.Resolve(p.vip)
	if err != nil {
		return nil
	}
	return mac
}

// ping sends one echo request to the VIP and reports whether the reply
// came within wait.
func (p *prober) ping(wait time.Duration) bool {
	p.seq++
	msg := []byte{8, 0, 0, 0, 0x4b, 0x47, byte(p.seq >> 8), byte(p.seq), 'k', 'g', 'o', '!'}
	binary.BigEndian.PutUint16(msg[2:], icmpChecksum(msg))
	dst := &net.IPAddr{IP: p.vip.AsSlice()}
	if _, err := p.icmp.WriteTo(msg, dst); err != nil {
		time.Sleep(wait) // no route or neighbour yet: wait as for a lost reply
		return false
	}
	deadline := time.Now().Add(wait)
	_ = p.icmp.SetReadDeadline(deadline)
	buf := make([]byte, 1500)
	for {
		n, from, err := p.icmp.ReadFrom(buf)
		if err != nil {
			return false
		}
		// An echo reply (type 0) to our sequence number from the VIP.
		if n >= 8 && buf[0] == 0 && from.String() == p.vip.String() &&
			buf[4] == 0x4b && buf[5] == 0x47 && binary.BigEndian.Uint16(buf[6:]) == p.seq {
			return true
		}
	}
}

func icmpChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// recovery is when, counted from start, the VIP first answered ARP with
// the new master's MAC and first answered a ping.
type recovery struct{ arp, ping time.Duration }

// waitRecovery probes every 10 ms until the VIP answers ARP with mac and
// a ping, or limit passes (then the missing one is reported as -1).
func (p *prober) waitRecovery(start time.Time, mac net.HardwareAddr, limit time.Duration) recovery {
	r := recovery{arp: -1, ping: -1}
	for time.Since(start) < limit && (r.arp < 0 || r.ping < 0) {
		if r.arp < 0 {
			if got := p.whoHas(10 * time.Millisecond); got != nil && got.String() == mac.String() {
				r.arp = time.Since(start)
			}
		}
		if r.ping < 0 && p.ping(10*time.Millisecond) {
			r.ping = time.Since(start)
		}
	}
	return r
}

// mac is the MAC address of a node's interface.
func (n *node) mac(ifname string) net.HardwareAddr {
	n.t.Helper()
	s := strings.TrimSpace(n.ns.Exec("cat", "/sys/class/net/"+ifname+"/address"))
	mac, err := net.ParseMAC(s)
	if err != nil {
		n.t.Fatalf("%s: MAC of %s: %v", n.name, ifname, err)
	}
	return mac
}

// neighMAC is the MAC the node's neighbour table holds for addr ("" if
// none), without sending anything.
func (n *node) neighMAC(addr string) string {
	out, err := n.ns.Command("ip", "neigh", "show", addr, "dev", "eth0").CombinedOutput()
	if err != nil {
		return ""
	}
	f := strings.Fields(string(out))
	for i := range f {
		if f[i] == "lladdr" && i+1 < len(f) {
			return f[i+1]
		}
	}
	return ""
}

// touch sends one UDP datagram to addr from the node, so that its
// kernel resolves addr and keeps a neighbour entry for it.
func (n *node) touch(addr string) {
	n.t.Helper()
	err := n.ns.Do(func() error {
		c, err := net.Dial("udp", net.JoinHostPort(addr, "9"))
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("kgo"))
		return err
	})
	if err != nil {
		n.t.Fatal(err)
	}
}
