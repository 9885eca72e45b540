package nft

import (
	"net/netip"
	"testing"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// TestNATTranslatesThePortOnlyWhenItHasOne: a fwmark or port-0 service
// keeps the client's destination port, so its DNAT must not say the port
// range is specified (the kernel would rewrite the port to 0).
func TestNATTranslatesThePortOnlyWhenItHasOne(t *testing.T) {
	vip := netip.MustParseAddr("192.0.2.100")
	for _, tc := range []struct {
		name string
		key  lvs.ServiceKey
		port bool
	}{
		{"tcp 80", lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: vip, Port: 80}, true},
		{"ipv6 tcp 80", lvs.ServiceKey{Family: 6, Protocol: lvs.TCP, Addr: netip.MustParseAddr("2001:db8::100"), Port: 80}, true},
		{"fwmark", lvs.ServiceKey{Family: 4, FWMark: 1}, false},
		{"port 0", lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: vip}, false},
	} {
		n := nat(lvs.Service{Key: tc.key})
		if n.Specified != tc.port || (n.RegProtoMin != 0) != tc.port {
			t.Errorf("%s: Specified %v, RegProtoMin %d; want a port: %v", tc.name, n.Specified, n.RegProtoMin, tc.port)
		}
		if n.RegAddrMin != regAddr {
			t.Errorf("%s: no address register", tc.name)
		}
	}
}
