package check

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

type fakePinger struct{ err error }

func (f fakePinger) Ping(ctx context.Context, src, dst netip.Addr, iface string, fwmark uint32) error {
	if f.err == context.DeadlineExceeded {
		<-ctx.Done()
		return ctx.Err()
	}
	return f.err
}

func TestPingCheck(t *testing.T) {
	ap := netip.MustParseAddrPort("192.0.2.11:80")
	name := "[192.0.2.11]:tcp:80"
	tests := []struct {
		name   string
		p      Pinger
		ok     bool
		reason string
		log    string
	}{
		{"reply", fakePinger{}, true, "", ""},
		{"no reply", fakePinger{context.DeadlineExceeded}, false, "timeout", "ICMP connection to address " + name + " timeout."},
		{"error", fakePinger{errors.New("network is unreachable")}, false, "network is unreachable",
			"ICMP connection to " + name + " of [192.0.2.100]:tcp:80 failed."},
		{"no pinger", nil, false, "no pinger", "ICMP connection to " + name + " of [192.0.2.100]:tcp:80 failed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := probe(t, probeOf(t, rsConf(ap, "PING_CHECK {\nconnect_timeout 0.1\n}"), Options{Pinger: tt.p}))
			if r.OK != tt.ok || r.Reason != tt.reason || r.Log != tt.log {
				t.Errorf("got %+v", r)
			}
		})
	}
}
