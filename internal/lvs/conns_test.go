package lvs

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestRenderConns(t *testing.T) {
	conns := []Conn{
		{Protocol: TCP, Client: netip.MustParseAddrPort("192.0.2.10:41002"), Virtual: netip.MustParseAddrPort("192.0.2.100:80"),
			Dest: netip.MustParseAddrPort("198.51.100.12:8080"), State: "TIME_WAIT", Expires: 65 * time.Second},
		{Protocol: TCP, Client: netip.MustParseAddrPort("192.0.2.10:41001"), Virtual: netip.MustParseAddrPort("192.0.2.100:80"),
			Dest: netip.MustParseAddrPort("198.51.100.11:8080"), State: "ESTABLISHED", Expires: 14*time.Minute + 59*time.Second},
		{Protocol: UDP, Client: netip.MustParseAddrPort("[2001:db8::10]:5353"), Virtual: netip.MustParseAddrPort("[2001:db8::100]:53"),
			Dest: netip.MustParseAddrPort("[2001:db8::11]:53"), State: "UDP", Expires: 4 * time.Minute},
	}
	var b strings.Builder
	if err := RenderConns(&b, conns); err != nil {
		t.Fatal(err)
	}
	want := `IPVS connection entries
pro expire state       source             virtual            destination
TCP 14:59  ESTABLISHED 192.0.2.10:41001   192.0.2.100:80     198.51.100.11:8080
TCP 01:05  TIME_WAIT   192.0.2.10:41002   192.0.2.100:80     198.51.100.12:8080
UDP 04:00  UDP         [2001:db8::10]:5353 [2001:db8::100]:53 [2001:db8::11]:53
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
