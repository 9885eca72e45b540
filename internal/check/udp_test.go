package check

import (
	"net"
	"net/netip"
	"testing"

	"github.com/keepalived-go/keepalived/internal/config"
)

// udpEcho answers every datagram with itself.
func udpEcho(t *testing.T) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	t.Cleanup(func() { pc.Close() })
	return netip.MustParseAddrPort(pc.LocalAddr().String())
}

func closedUDP(t *testing.T) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(pc.LocalAddr().String())
	pc.Close()
	return ap
}

func TestUDPCheck(t *testing.T) {
	echo, silent, closed := udpEcho(t), silentUDP(t), closedUDP(t)
	tests := []struct {
		name string
		ap   netip.AddrPort
		conf string
		ok   bool
		why  string
	}{
		{"echo, reply required", echo, "payload 01020304\nrequire_reply 01xx03", true, ""},
		{"echo, reply mismatch", echo, "payload 01020304\nrequire_reply 09", false, "reply mismatch"},
		{"echo, too short", echo, "payload 01\nrequire_reply\nmin_reply_length 2", false, "reply mismatch"},
		{"silence without require_reply is success", silent, "payload 01\nconnect_timeout 0.2", true, ""},
		{"silence with require_reply fails", silent, "payload 01\nrequire_reply\nconnect_timeout 0.2", false, "timeout"},
		{"port unreachable", closed, "payload 01\nconnect_timeout 2", false, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := rsConf(tt.ap, "UDP_CHECK {\n"+tt.conf+"\n}")
			r := probe(t, probeOf(t, conf, Options{}))
			if r.OK != tt.ok || r.Reason != tt.why {
				t.Errorf("ok=%v reason=%q, want ok=%v reason=%q", r.OK, r.Reason, tt.ok, tt.why)
			}
		})
	}
}

func TestUDPReplyOK(t *testing.T) {
	p := &config.HexPattern{Data: []byte{0xab, 0x00}, Mask: []byte{0xff, 0x0f}}
	tests := []struct {
		b    []byte
		want bool
	}{
		{[]byte{0xab, 0x50}, true},     // high nibble is a wildcard
		{[]byte{0xab, 0x51}, false},    // low nibble must be 0
		{[]byte{0xab}, true},           // shorter than the pattern: the common part matches
		{[]byte{0xac, 0x00}, false},    // first byte differs
		{[]byte{0xab, 0, 1, 2}, false}, // longer than max
	}
	for _, tt := range tests {
		if got := UDPReplyOK(tt.b, p, 1, 3); got != tt.want {
			t.Errorf("UDPReplyOK(%x) = %v", tt.b, got)
		}
	}
}

func FuzzUDPReplyOK(f *testing.F) {
	f.Add([]byte{0xab, 0x50}, []byte{0xab, 0x00}, []byte{0xff, 0x0f})
	f.Add([]byte{}, []byte{1}, []byte{})
	f.Fuzz(func(t *testing.T, b, data, mask []byte) {
		p := &config.HexPattern{Data: data, Mask: mask}
		if UDPReplyOK(b, p, 0, 255) && len(b) > 255 {
			t.Fatal("accepted a reply longer than max")
		}
	})
}
