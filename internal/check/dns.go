package check

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/miekg/dns"

	"github.com/keepalived-go/keepalived/internal/config"
)

// DNSQuery builds DNS_CHECK's query: one question (name, type, class IN)
// with recursion desired, as keepalived's dns_make_query.
func DNSQuery(id uint16, name, qtype string) ([]byte, error) {
	t, ok := dns.StringToType[qtype]
	if !ok {
		return nil, fmt.Errorf("DNS_CHECK type %s unknown", qtype)
	}
	m := new(dns.Msg)
	m.Id = id
	m.RecursionDesired = true
	m.Question = []dns.Question{{Name: dns.Fqdn(name), Qtype: t, Qclass: dns.ClassINET}}
	return m.Pack()
}

// DNSReply judges a datagram received for the query id as keepalived's
// dns_recv_thread: a datagram shorter than a header, with another id, or
// that is not a response is ignored (done is false: keep reading);
// otherwise the check passes when rcode is 0. The answer section is not
// looked at.
func DNSReply(b []byte, id uint16) (done bool, rcode int) {
	const headerLen = 12
	if len(b) < headerLen || binary.BigEndian.Uint16(b) != id {
		return false, 0
	}
	flags := binary.BigEndian.Uint16(b[2:])
	if flags&0x8000 == 0 { // QR: a query, not a response
		return false, 0
	}
	return true, int(flags & 0xf)
}

// dnsProber is DNS_CHECK: a query over UDP to the server's port.
func (m *Manager) dnsProber(c *config.DNSCheck) Prober {
	ep := endpointsOf(c.CheckConn)
	d := m.opts.Dialer
	timeout := c.ConnectTimeout.Std()
	fail := func(log, reason string) Result { return Result{Log: log, Reason: reason} }
	return ProberFunc(func(ctx context.Context) Result {
		id := uint16(rand.Uint32())
		q, err := DNSQuery(id, c.Name, c.Type)
		if err != nil {
			return fail(err.Error(), err.Error())
		}
		conn, err := ep.dial(ctx, d, "udp")
		if err != nil {
			if isTimeout(err) {
				return fail("connection timeout.", "timeout")
			}
			return fail("connection failure.", Reason(err))
		}
		defer conn.Close()
		stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
		defer stop()
		setDeadline(conn, timeout)
		if n, err := conn.Write(q); err != nil {
			if isTimeout(err) {
				return fail("write timeout to socket.", "timeout")
			}
			return fail("failed to write socket.", Reason(err))
		} else if n != len(q) {
			return fail("failed to write all of the datagram.", "short write")
		}
		buf := make([]byte, 1024) // keepalived's DNS_BUFFER_SIZE
		for {
			n, err := conn.Read(buf)
			if err != nil {
				if isTimeout(err) {
					return fail("read timeout from socket", "timeout")
				}
				return fail("failed to read socket; "+Reason(err), Reason(err))
			}
			done, rcode := DNSReply(buf[:n], id)
			if !done {
				continue
			}
			if rcode != 0 {
				return fail(fmt.Sprintf("read error occurred. (rcode = %d)", rcode), "rcode "+dns.RcodeToString[rcode])
			}
			return Result{OK: true}
		}
	})
}
