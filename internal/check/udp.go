package check

import (
	"context"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// UDPReplyOK judges a UDP_CHECK reply as keepalived's check_udp_reply:
// its length must be in [minLen, maxLen], and its first bytes (as many as
// both it and the pattern have) must match the pattern where the mask's
// bits are set. A nil pattern accepts any reply of a good length.
func UDPReplyOK(b []byte, p *config.HexPattern, minLen, maxLen int) bool {
	if len(b) < minLen || len(b) > maxLen {
		return false
	}
	if p == nil {
		return true
	}
	for i := range min(len(b), len(p.Data)) {
		mask := byte(0xff)
		if i < len(p.Mask) {
			mask = p.Mask[i]
		}
		if (b[i]^p.Data[i])&mask != 0 {
			return false
		}
	}
	return true
}

// udpProber is UDP_CHECK: send the payload; an ICMP error (seen as a read
// error on the connected socket) fails the check. Without require_reply,
// silence until connect_timeout passes; with it, a matching reply is
// needed.
func (m *Manager) udpProber(vs *config.VirtualServer, c *config.UDPCheck) Prober {
	ep := endpointsOf(c.CheckConn)
	d := m.opts.Dialer
	name := Trio(c.ConnectIP, vs.Protocol, c.ConnectPort)
	timeout := c.ConnectTimeout.Std()
	failed := func(reason string) Result {
		return Result{Reason: reason, Log: "UDP connection to " + name + " failed."}
	}
	return ProberFunc(func(ctx context.Context) Result {
		conn, err := ep.dial(ctx, d, "udp")
		if err != nil {
			return failed(Reason(err))
		}
		defer conn.Close()
		stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
		defer stop()
		setDeadline(conn, timeout)
		if _, err := conn.Write(c.Payload); err != nil {
			return failed(Reason(err))
		}
		buf := make([]byte, int(c.MaxReplyLength)+1)
		n, err := conn.Read(buf)
		switch {
		case err != nil && isTimeout(err) && c.RequireReply == nil:
			return Result{OK: true}
		case err != nil:
			return failed(Reason(err))
		case c.RequireReply != nil && !UDPReplyOK(buf[:n], replyPattern(c.RequireReply), int(c.MinReplyLength), int(c.MaxReplyLength)):
			return Result{Reason: "reply mismatch", Log: "UDP check to " + name + " reply data mismatch."}
		}
		return Result{OK: true}
	})
}

// replyPattern is nil for require_reply without data.
func replyPattern(p *config.HexPattern) *config.HexPattern {
	if len(p.Data) == 0 {
		return nil
	}
	return p
}
