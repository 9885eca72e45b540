package ipvs

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// procConns is /proc/net/ip_vs_conn as the kernel writes it
// (ip_vs_conn_seq_show: "%-3s %08X %04X %08X %04X %08X %04X %-11s %7u%s").
const procConns = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP C000020A A01A C0000264 0050 C000020B 0050 ESTABLISHED     899
UDP C000020A 14E9 C0000264 0035 C633640C 0035 UDP             299
TCP 2001:0db8:0000:0000:0000:0000:0000:0010 A01B 2001:0db8:0000:0000:0000:0000:0000:0100 0050 2001:0db8:0000:0000:0000:0000:0000:0011 0050 TIME_WAIT        59
`

func TestParseConns(t *testing.T) {
	got, err := ParseConns(strings.NewReader(procConns))
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort
	want := []lvs.Conn{
		{Protocol: lvs.TCP, Client: ap("192.0.2.10:40986"), Virtual: ap("192.0.2.100:80"), Dest: ap("192.0.2.11:80"), State: "ESTABLISHED", Expires: 899 * time.Second},
		{Protocol: lvs.UDP, Client: ap("192.0.2.10:5353"), Virtual: ap("192.0.2.100:53"), Dest: ap("198.51.100.12:53"), State: "UDP", Expires: 299 * time.Second},
		{Protocol: lvs.TCP, Client: ap("[2001:db8::10]:40987"), Virtual: ap("[2001:db8::100]:80"), Dest: ap("[2001:db8::11]:80"), State: "TIME_WAIT", Expires: 59 * time.Second},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{
		"TCP C000020A A01A C0000264 0050 C000020B 0050 ESTABLISHED\n",
		"ICMP C000020A A01A C0000264 0050 C000020B 0050 ESTABLISHED 1\n",
		"TCP C00020A A01A C0000264 0050 C000020B 0050 ESTABLISHED 1\n",
		"TCP C000020A A01AB C0000264 0050 C000020B 0050 ESTABLISHED 1\n",
		"TCP C000020A A01A C0000264 0050 C000020B 0050 ESTABLISHED -1\n",
		"TCP 1.2.3.4:5 A01A C0000264 0050 C000020B 0050 ESTABLISHED 1\n",
	} {
		if _, err := ParseConns(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzParseConns(f *testing.F) {
	f.Add(procConns)
	f.Fuzz(func(t *testing.T, s string) {
		conns, err := ParseConns(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, c := range conns {
			if !c.Client.IsValid() || !c.Virtual.IsValid() || !c.Dest.IsValid() {
				t.Fatalf("invalid address in %+v", c)
			}
		}
	})
}
