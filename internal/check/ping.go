package check

import (
	"context"
	"errors"

	"github.com/keepalived-go/keepalived/internal/config"
)

// errNoPinger fails PING_CHECKs when the daemon gave no Pinger.
var errNoPinger = errors.New("no pinger")

// pingProber is PING_CHECK: one ICMP (ICMPv6) echo request, whose reply
// must come before connect_timeout.
func (m *Manager) pingProber(vs *config.VirtualServer, c *config.PingCheck) Prober {
	p := m.opts.Pinger
	name := Trio(c.ConnectIP, vs.Protocol, c.ConnectPort)
	vsName := VSName(vs)
	return ProberFunc(func(ctx context.Context) Result {
		err := errNoPinger
		if p != nil {
			err = p.Ping(ctx, c.BindTo, c.ConnectIP, c.BindIf, c.Fwmark)
		}
		switch {
		case err == nil:
			return Result{OK: true}
		case isTimeout(err):
			// keepalived logs the timeout unconditionally.
			return Result{Reason: "timeout", Log: "ICMP connection to address " + name + " timeout."}
		}
		return Result{Reason: Reason(err), Log: "ICMP connection to " + name + " of " + vsName + " failed."}
	})
}
