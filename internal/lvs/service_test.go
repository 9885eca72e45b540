package lvs

import (
	"net/netip"
	"testing"
)

func TestTrio(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		proto string
		port  uint16
		want  string
	}{
		{"192.0.2.11", "TCP", 80, "[192.0.2.11]:tcp:80"},
		{"2001:db8::1", "UDP", 53, "[2001:db8::1]:udp:53"},
		{"198.51.100.1", "SCTP", 0, "[198.51.100.1]:sctp:0"},
		{"192.0.2.1", "", 65535, "[192.0.2.1]:none:65535"},
		{"fe80::1%eth0", "tcp", 8080, "[fe80::1%eth0]:tcp:8080"},
		{"192.0.2.1", "ÀB", 1, "[192.0.2.1]:àb:1"},
	} {
		if got := trio(netip.MustParseAddr(tc.addr), tc.proto, tc.port); got != tc.want {
			t.Errorf("trio(%s, %q, %d) = %q, want %q", tc.addr, tc.proto, tc.port, got, tc.want)
		}
	}
}
