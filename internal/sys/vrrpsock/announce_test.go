package vrrpsock_test

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ndp"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/sys/vrrpsock"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// capture is an AF_PACKET socket receiving every frame of one interface.
type capture struct{ fd int }

func newCapture(t *testing.T, ns *netnstest.NS, ifname string) *capture {
	t.Helper()
	idx := ifIndex(t, ns, ifname)
	var fd int
	err := ns.Do(func() (err error) {
		proto := int(htons(unix.ETH_P_ALL))
		if fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto); err != nil {
			return err
		}
		if err = unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: idx}); err != nil {
			return err
		}
		tv := unix.NsecToTimeval(int64(time.Second))
		return unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	})
	if err != nil {
		t.Fatalf("capture on %s: %v", ifname, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return &capture{fd: fd}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// next returns, for each of match, the first frame from now on that it
// accepts; it fails the test when one is missing after readTimeout.
func (c *capture) next(t *testing.T, match ...func([]byte) bool) [][]byte {
	t.Helper()
	got := make([][]byte, len(match))
	missing := len(match)
	b := make([]byte, 2048)
	deadline := time.Now().Add(readTimeout)
	for missing > 0 && time.Now().Before(deadline) {
		n, _, err := unix.Recvfrom(c.fd, b, 0)
		switch {
		case err == unix.EINTR || err == unix.EAGAIN:
			continue
		case err != nil:
			t.Fatalf("capture: %v", err)
		}
		for i, m := range match {
			if got[i] == nil && m(b[:n]) {
				got[i] = append([]byte(nil), b[:n]...)
				missing--
			}
		}
	}
	if missing > 0 {
		t.Fatalf("capture: %d of %d expected frames missing after %v", missing, len(match), readTimeout)
	}
	return got
}

func isARPFor(vip netip.Addr) func([]byte) bool {
	return func(f []byte) bool {
		return len(f) >= 42 && binary.BigEndian.Uint16(f[12:]) == 0x0806 && bytes.Equal(f[38:42], vip.AsSlice())
	}
}

func isNAFor(vip netip.Addr) func([]byte) bool {
	return func(f []byte) bool {
		return len(f) >= 78 && binary.BigEndian.Uint16(f[12:]) == 0x86dd && f[20] == 58 && f[54] == 136 &&
			bytes.Equal(f[62:78], vip.AsSlice())
	}
}

func TestIntegrationAnnounce(t *testing.T) {
	a, b := lan2(t)
	vip4, vip6 := netip.MustParseAddr("192.0.2.100"), netip.MustParseAddr("2001:db8::100")
	var macA net.HardwareAddr
	if err := a.ns.Do(func() error {
		ifi, err := net.InterfaceByName("eth0")
		macA = ifi.HardwareAddr
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// b has stale entries pointing elsewhere; GARP/NA must correct them.
	// locktime 0: a GARP may override an entry updated less than the
	// default 1 s before.
	b.ns.Exec("sysctl", "-qw", "net.ipv4.neigh.eth0.locktime=0")
	b.ns.IP("neigh", "replace", vip4.String(), "lladdr", "02:00:00:00:00:99", "dev", "eth0", "nud", "stale")
	b.ns.IP("neigh", "replace", vip6.String(), "lladdr", "02:00:00:00:00:99", "dev", "eth0", "nud", "stale")
	capB := newCapture(t, b.ns, "eth0")

	ann := vrrpsock.NewAnnouncer()
	t.Cleanup(func() { ann.Close() })
	if err := a.ns.Do(func() error { return ann.Announce("eth0", []netip.Addr{vip4, vip6}) }); err != nil {
		t.Fatal(err)
	}

	frames := capB.next(t, isARPFor(vip4), isNAFor(vip6))
	f := frames[0]
	if !bytes.Equal(f[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) || !bytes.Equal(f[6:12], macA) {
		t.Errorf("GARP Ethernet header % x, want broadcast from %s", f[:14], macA)
	}
	var p arp.Packet
	if err := p.UnmarshalBinary(f[14:]); err != nil {
		t.Fatal(err)
	}
	if p.Operation != arp.OperationRequest || p.SenderIP != vip4 || p.TargetIP != vip4 ||
		!bytes.Equal(p.SenderHardwareAddr, macA) || p.TargetHardwareAddr.String() != "ff:ff:ff:ff:ff:ff" {
		t.Errorf("GARP %+v", p)
	}

	f = frames[1]
	if !bytes.Equal(f[0:6], []byte{0x33, 0x33, 0, 0, 0, 1}) || !bytes.Equal(f[6:12], macA) {
		t.Errorf("NA Ethernet header % x", f[:14])
	}
	if hl, src, dst := f[21], netip.AddrFrom16([16]byte(f[22:38])), netip.AddrFrom16([16]byte(f[38:54])); hl != 255 || src != vip6 || dst.String() != "ff02::1" {
		t.Errorf("NA IPv6 hop limit %d, %s -> %s", hl, src, dst)
	}
	m, err := ndp.ParseMessage(f[54:])
	if err != nil {
		t.Fatal(err)
	}
	na, ok := m.(*ndp.NeighborAdvertisement)
	if !ok || !na.Override || na.Solicited || na.Router || na.TargetAddress != vip6 || len(na.Options) != 1 {
		t.Fatalf("NA %+v", m)
	}
	if lla, ok := na.Options[0].(*ndp.LinkLayerAddress); !ok || lla.Direction != ndp.Target || !bytes.Equal(lla.Addr, macA) {
		t.Errorf("NA option %+v, want target link-layer address %s", na.Options[0], macA)
	}

	for _, vip := range []netip.Addr{vip4, vip6} {
		waitNeigh(t, b.ns, vip, macA)
	}
}

// waitNeigh waits until ns's neighbour entry for addr names mac. The
// frame was captured, so the kernel has it; the neighbour update runs
// right after the capture tap, maybe not before our read returned.
func waitNeigh(t *testing.T, ns *netnstest.NS, addr netip.Addr, mac net.HardwareAddr) {
	t.Helper()
	var out string
	for range 100 {
		out = ns.IP("neigh", "show", addr.String(), "dev", "eth0")
		if strings.Contains(out, mac.String()) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("neighbour entry for %s is %q, want lladdr %s", addr, strings.TrimSpace(out), mac)
}

// TestIntegrationAnnounceNoInterface reports the missing interface.
func TestIntegrationAnnounceNoInterface(t *testing.T) {
	a, _ := lan2(t)
	ann := vrrpsock.NewAnnouncer()
	t.Cleanup(func() { ann.Close() })
	err := a.ns.Do(func() error { return ann.Announce("nosuch0", []netip.Addr{netip.MustParseAddr("192.0.2.100")}) })
	if err == nil || !strings.Contains(err.Error(), "nosuch0") {
		t.Errorf("Announce on a missing interface: %v", err)
	}
}
