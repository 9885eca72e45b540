package ping

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/check"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

var _ check.Pinger = Pinger{}

func TestIntegrationPing(t *testing.T) {
	netnstest.Require(t)
	a := netnstest.New(t, "pinga")
	b := netnstest.New(t, "pingb")
	netnstest.Veth(t, a, "veth-a", b, "veth-b")
	a.IP("addr", "add", "192.0.2.1/24", "dev", "veth-a")
	b.IP("addr", "add", "192.0.2.2/24", "dev", "veth-b")
	a.IP("addr", "add", "2001:db8::1/64", "dev", "veth-a", "nodad")
	b.IP("addr", "add", "2001:db8::2/64", "dev", "veth-b", "nodad")

	tests := []struct {
		dst     string
		timeout bool
	}{
		{"192.0.2.2", false},
		{"2001:db8::2", false},
		{"192.0.2.3", true}, // nobody there
	}
	for _, tt := range tests {
		t.Run(tt.dst, func(t *testing.T) {
			var err error
			a.Do(func() error {
				ctx, cancel := context.WithTimeout(t.Context(), time.Second)
				defer cancel()
				err = Pinger{}.Ping(ctx, netip.Addr{}, netip.MustParseAddr(tt.dst), "", 0)
				return nil
			})
			var ne net.Error
			isTimeout := errors.As(err, &ne) && ne.Timeout()
			if (err != nil) != tt.timeout || isTimeout != tt.timeout {
				t.Errorf("Ping(%s) = %v, want timeout %v", tt.dst, err, tt.timeout)
			}
		})
	}
}
