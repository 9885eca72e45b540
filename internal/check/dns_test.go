package check

import (
	"net"
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// dnsServer answers A queries for ok.example. and refuses the rest with
// NXDOMAIN.
func dnsServer(t *testing.T) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if r.Question[0].Name == "ok.example." {
			rr, _ := dns.NewRR("ok.example. 60 IN A 192.0.2.1")
			m.Answer = append(m.Answer, rr)
		} else {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return netip.MustParseAddrPort(pc.LocalAddr().String())
}

// silentUDP is a UDP port that reads and never answers.
func silentUDP(t *testing.T) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return netip.MustParseAddrPort(pc.LocalAddr().String())
}

func TestDNSCheck(t *testing.T) {
	ap := dnsServer(t)
	silent := silentUDP(t)
	tests := []struct {
		name string
		ap   netip.AddrPort
		conf string
		ok   bool
		log  string
	}{
		{"answer", ap, "type A\nname ok.example", true, ""},
		{"nxdomain", ap, "type A\nname nx.example", false, "read error occurred. (rcode = 3)"},
		{"no answer", silent, "connect_timeout 0.2", false, "read timeout from socket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := probe(t, probeOf(t, rsConf(tt.ap, "DNS_CHECK {\n"+tt.conf+"\n}"), Options{}))
			if r.OK != tt.ok || r.Log != tt.log {
				t.Errorf("ok=%v log=%q reason=%q, want ok=%v log=%q", r.OK, r.Log, r.Reason, tt.ok, tt.log)
			}
		})
	}
}

func TestDNSReply(t *testing.T) {
	hdr := func(id, flags uint16) []byte {
		return []byte{byte(id >> 8), byte(id), byte(flags >> 8), byte(flags), 0, 1, 0, 0, 0, 0, 0, 0}
	}
	tests := []struct {
		name  string
		b     []byte
		done  bool
		rcode int
	}{
		{"short", hdr(7, 0x8000)[:11], false, 0},
		{"other id", hdr(8, 0x8000), false, 0},
		{"a query", hdr(7, 0x0100), false, 0},
		{"ok", hdr(7, 0x8180), true, 0},
		{"servfail", hdr(7, 0x8182), true, 2},
	}
	for _, tt := range tests {
		if done, rc := DNSReply(tt.b, 7); done != tt.done || rc != tt.rcode {
			t.Errorf("%s: done=%v rcode=%d", tt.name, done, rc)
		}
	}
}

func FuzzDNSReply(f *testing.F) {
	f.Add([]byte{0, 7, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0}, uint16(7)) // a good reply
	f.Add([]byte{0, 7, 0x01, 0x00}, uint16(7))                         // too short
	f.Fuzz(func(t *testing.T, b []byte, id uint16) {
		done, rc := DNSReply(b, id)
		if done && (len(b) < 12 || rc < 0 || rc > 15) {
			t.Fatalf("DNSReply(%x) = %v, %d", b, done, rc)
		}
	})
}

func TestDNSQuery(t *testing.T) {
	q, err := DNSQuery(0x1234, ".", "SOA")
	if err != nil {
		t.Fatal(err)
	}
	var m dns.Msg
	if err := m.Unpack(q); err != nil {
		t.Fatal(err)
	}
	if m.Id != 0x1234 || !m.RecursionDesired || len(m.Question) != 1 || m.Question[0].Name != "." || m.Question[0].Qtype != dns.TypeSOA {
		t.Errorf("query %v", &m)
	}
}
