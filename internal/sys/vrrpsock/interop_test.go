package vrrpsock_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/sys/vrrpsock"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
	"github.com/keepalived-go/keepalived/internal/vrrp"
	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

const keepalivedConf = `
global_defs {
	router_id kgo_interop
}
vrrp_instance VI_1 {
	state MASTER
	interface eth0
	virtual_router_id 51
	priority 150
	advert_int 1
	virtual_ipaddress {
		192.0.2.100/32
	}
}
vrrp_instance VI_6 {
	state MASTER
	interface eth0
	version 3
	virtual_router_id 52
	priority 150
	advert_int 1
	virtual_ipaddress {
		2001:db8::100/64
	}
}
`

// keepalived is Debian's keepalived running in a namespace, its log
// lines on a channel.
type keepalived struct {
	lines chan string
	seen  []string
}

// startKeepalived runs keepalived -P in ns with conf and its own pid
// files, stopped when the test ends.
func startKeepalived(t *testing.T, ns *netnstest.NS, conf string) *keepalived {
	t.Helper()
	bin, err := exec.LookPath("keepalived")
	if err != nil {
		t.Skipf("keepalived not installed: %v", err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := ns.Command(bin, "-P", "-n", "-l", "-D", "-f", cfg,
		"-p", filepath.Join(dir, "k.pid"), "-r", filepath.Join(dir, "vrrp.pid"), "-c", filepath.Join(dir, "check.pid"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	k := &keepalived{lines: make(chan string, 1024)}
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			k.lines <- s.Text()
		}
		close(k.lines)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("keepalived log:\n%s", strings.Join(k.seen, "\n"))
		}
	})
	return k
}

// logged says whether keepalived has logged a line containing want,
// reading what it has written so far without blocking.
func (k *keepalived) logged(want string) bool {
	for _, l := range k.seen {
		if strings.Contains(l, want) {
			return true
		}
	}
	for {
		select {
		case l, ok := <-k.lines:
			if !ok {
				return false
			}
			k.seen = append(k.seen, l)
			if strings.Contains(l, want) {
				return true
			}
		default:
			return false
		}
	}
}

// readFromSrc reads from c until a message from src arrives.
func readFromSrc(t *testing.T, c *vrrpsock.Conn, src netip.Addr) ([]byte, vrrp.RecvMeta) {
	t.Helper()
	for {
		msg, meta := readOne(t, c)
		if meta.Src == src {
			return msg, meta
		}
	}
}

// TestIntegrationKeepalivedInterop runs keepalived 2.2.7 beside our
// Conns on one LAN: we receive and decode its IPv4 (v2) and IPv6 (v3)
// adverts; it accepts ours (it logs that a higher-priority master
// appeared and steps down); and an observer sees the same TOS/traffic
// class, TTL and fragment fields in its packets and ours.
func TestIntegrationKeepalivedInterop(t *testing.T) {
	lan := netnstest.NewLAN(t, "sw")
	a := newNode(t, lan, "a", "192.0.2.1", "2001:db8::1")
	k := newNode(t, lan, "k", "192.0.2.3", "2001:db8::3")
	o := newNode(t, lan, "o", "192.0.2.9", "2001:db8::9")
	capO := newCapture(t, o.ns, "eth0")
	// The bridge snoops MLD: o must join ff02::12 to see IPv6 adverts.
	listen(t, o.ns, vrrpsock.Options{Family: 6, Interface: "eth0"})
	c4 := listen(t, a.ns, vrrpsock.Options{Family: 4, Interface: "eth0"})
	c6 := listen(t, a.ns, vrrpsock.Options{Family: 6, Interface: "eth0"})
	ka := startKeepalived(t, k.ns, keepalivedConf)

	// keepalived -> us.
	msg, meta := readFromSrc(t, c4, k.v4)
	var adv packet.Advertisement
	if err := adv.Unmarshal(msg, packet.IPv4); err != nil {
		t.Fatalf("decode keepalived's IPv4 advert % x: %v", msg, err)
	}
	if adv.Version != 2 || adv.VRID != 51 || adv.Priority != 150 || len(adv.Addrs) != 1 || adv.Addrs[0].String() != "192.0.2.100" {
		t.Errorf("keepalived's IPv4 advert %+v", adv)
	}
	if meta.Dst != packet.Group4 || meta.TTL != 255 || meta.IPLen != 20+len(msg) || !packet.VerifyChecksum(msg, packet.PseudoHeader{}) {
		t.Errorf("keepalived's IPv4 advert: %+v for %d bytes, checksum ok %v", meta, len(msg), packet.VerifyChecksum(msg, packet.PseudoHeader{}))
	}
	msg, meta = readFromSrc(t, c6, k.ll)
	if err := adv.Unmarshal(msg, packet.IPv6); err != nil {
		t.Fatalf("decode keepalived's IPv6 advert % x: %v", msg, err)
	}
	if adv.Version != 3 || adv.VRID != 52 || adv.Priority != 150 || len(adv.Addrs) != 1 || adv.Addrs[0].String() != "2001:db8::100" {
		t.Errorf("keepalived's IPv6 advert %+v", adv)
	}
	if meta.Dst != packet.Group6 || meta.TTL != 255 || !packet.VerifyChecksum(msg, packet.PseudoHeader{Src: k.ll, Dst: packet.Group6}) {
		t.Errorf("keepalived's IPv6 advert: %+v, checksum verifies %v", meta, packet.VerifyChecksum(msg, packet.PseudoHeader{Src: k.ll, Dst: packet.Group6}))
	}

	// us -> keepalived: a higher priority master makes it step down.
	ours4 := advert(t, 2, 51, 200, packet.PseudoHeader{}, "192.0.2.100")
	ours6 := advert(t, 3, 52, 200, packet.PseudoHeader{Src: a.ll, Dst: packet.Group6}, "2001:db8::100")
	want4 := "(VI_1) Master received advert from 192.0.2.1 with higher priority 200, ours 150"
	want6 := fmt.Sprintf("(VI_6) Master received advert from %s with higher priority 200, ours 150", a.ll)
	got4, got6 := false, false
	for i := 0; i < 100 && !(got4 && got6); i++ {
		write(t, c4, ours4, a.v4, packet.Group4, 255)
		write(t, c6, ours6, a.ll, packet.Group6, 255)
		time.Sleep(100 * time.Millisecond) // pace our adverts; not an assertion
		got4 = got4 || ka.logged(want4)
		got6 = got6 || ka.logged(want6)
	}
	if !got4 || !got6 {
		t.Errorf("keepalived did not log %q (%v) and %q (%v)", want4, got4, want6, got6)
	}

	// On the wire, ours look like keepalived's.
	srcs := []netip.Addr{k.v4, a.v4, k.ll, a.ll}
	frames := capO.next(t, isVRRP4From(k.v4), isVRRP4From(a.v4), isVRRP6From(k.ll), isVRRP6From(a.ll))
	for i, src := range srcs[:2] {
		ip := frames[i][14:]
		if ip[1] != 0xc0 || ip[8] != 255 || binary.BigEndian.Uint16(ip[6:8]) != 0 {
			t.Errorf("IPv4 advert from %s: TOS %#x TTL %d flags/fragment %#04x, want 0xc0, 255, 0", src, ip[1], ip[8], binary.BigEndian.Uint16(ip[6:8]))
		}
	}
	for i, src := range srcs[2:] {
		ip := frames[2+i][14:]
		if tc := ip[0]<<4 | ip[1]>>4; tc != 0xc0 || ip[7] != 255 {
			t.Errorf("IPv6 advert from %s: traffic class %#x hop limit %d, want 0xc0, 255", src, tc, ip[7])
		}
	}
}

func isVRRP4From(src netip.Addr) func([]byte) bool {
	return func(f []byte) bool {
		return len(f) >= 34 && binary.BigEndian.Uint16(f[12:]) == 0x0800 && f[23] == packet.Protocol &&
			netip.AddrFrom4([4]byte(f[26:30])) == src
	}
}

func isVRRP6From(src netip.Addr) func([]byte) bool {
	return func(f []byte) bool {
		return len(f) >= 54 && binary.BigEndian.Uint16(f[12:]) == 0x86dd && f[20] == packet.Protocol &&
			netip.AddrFrom16([16]byte(f[22:38])) == src
	}
}
