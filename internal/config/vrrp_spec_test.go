package config

import (
	"strings"
	"testing"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// vrrpTestParser returns a parser as a golden test would use.
func vrrpTestParser() *parser {
	return &parser{opts: goldenOptions(), cfg: newConfig()}
}

// vrrpLine returns the node of one value-block line.
func vrrpLine(line string) *syntax.Node {
	return &syntax.Node{Pos: syntax.Pos{File: "t.conf", Line: 1}, Words: strings.Fields(line), Text: line}
}

// vrrpMessages returns the messages reported, one per line.
func vrrpMessages(ds Diagnostics) string {
	var msgs []string
	for _, d := range ds {
		msgs = append(msgs, d.Msg)
	}
	return strings.Join(msgs, "\n")
}

// vrrpSpecCase is one line of an ADDR/ROUTE/RULE-SPEC table: the line,
// what it reads back as ("" when dropped), and a message expected among
// the problems ("" for none).
type vrrpSpecCase struct {
	line, want, msg string
}

func vrrpCheckSpec(t *testing.T, c vrrpSpecCase, parse func(p *parser, n *syntax.Node) (string, bool)) {
	t.Helper()
	p := vrrpTestParser()
	got, ok := parse(p, vrrpLine(c.line))
	if !ok {
		got = ""
	}
	if got != c.want {
		t.Errorf("%q: got %q, want %q", c.line, got, c.want)
	}
	msgs := vrrpMessages(p.diags)
	if c.msg == "" && msgs != "" {
		t.Errorf("%q: unexpected problems:\n%s", c.line, msgs)
	}
	if c.msg != "" && !strings.Contains(msgs, c.msg) {
		t.Errorf("%q: problems %q do not contain %q", c.line, msgs, c.msg)
	}
}

func TestVRRPAddrSpec(t *testing.T) {
	for _, c := range []vrrpSpecCase{
		{"10.0.0.1", "10.0.0.1", ""},
		{"10.0.0.1/24 dev eth1 brd + scope link label eth1:1", "10.0.0.1/24 dev eth1 brd 10.0.0.255 scope link label eth1:1", ""},
		{"10.0.0.1/24 broadcast -", "10.0.0.1/24 brd 10.0.0.0", ""},
		{"10.0.0.1/31 brd +", "10.0.0.1/31", "Address prefix length 31 too long for broadcast"},
		{"10.0.0.1 peer 10.0.0.2", "10.0.0.1 peer 10.0.0.2", ""},
		{"10.0.0.1/24 peer 10.0.0.2", "10.0.0.1 peer 10.0.0.2", "Cannot specify address prefix when specifying peer address - ignoring"},
		{"10.0.0.1 peer 2001:db8::1", "10.0.0.1", "Peer address 2001:db8::1 does not match address family"},
		{"10.0.0.1 home -nodad mngtmpaddr noprefixroute autojoin no_track", "10.0.0.1 home -nodad mngtmpaddr noprefixroute autojoin no_track", ""},
		{"10.0.0.1 use_vmac", "10.0.0.1 use_vmac", ""},
		{"10.0.0.1 preferred_lft forever", "10.0.0.1 preferred_lft forever", ""},
		{"10.0.0.1 preferred_lft 60", "10.0.0.1 preferred_lft 60", ""},
		{"10.0.0.1 preferred_lft never", "10.0.0.1", "preferred_lft never is invalid"},
		{"2001:db8::1", "2001:db8::1 preferred_lft 0", ""},
		{"2001:db8::1/64", "2001:db8::1/64 preferred_lft forever", ""},
		{"2001:db8::1/64 scope link label x", "2001:db8::1/64 preferred_lft forever", "Cannot specify scope for IPv6 addresses (2001:db8::1/64) - ignoring scope"},
		{"2001:db8::1 brd 1.2.3.4", "", "VRRP is trying to assign a broadcast brd to the IPv6 address 2001:db8::1 !!?? WTF... skipping VIP..."},
		{"10.0.0.1/33", "10.0.0.1", "Invalid address prefix len 33 for address 10.0.0.1/33 - using 32"},
		{"10.0.0.", "", "VRRP parsed invalid IP 10.0.0.. skipping IP..."},
		{"10.0.0.1 dev eth9", "", "WARNING - interface eth9 for ip address 10.0.0.1 doesn't exist"},
		{"10.0.0.1 dev eth1 dev eth2", "", "Cannot specify ipaddress device more than once for 10.0.0.1"},
		{"10.0.0.1 dev", "", "No dev parameter specified for 10.0.0.1"},
		{"10.0.0.1 label averyveryverylonglabel", "", "Address label averyveryverylonglabel is longer than maximum length 15 - removing address"},
		{"10.0.0.1 scope bogus", "10.0.0.1", "Invalid scope 'bogus' specified for 10.0.0.1 - ignoring"},
		{"10.0.0.1 scope 200", "10.0.0.1 scope site", ""},
		{"10.0.0.1 frob", "10.0.0.1", "Unknown configuration entry 'frob' for ip address - ignoring"},
		{"10.0.0.1 track_group G", "10.0.0.1", "Unknown configuration entry 'track_group' for ip address - ignoring"},
	} {
		vrrpCheckSpec(t, c, func(p *parser, n *syntax.Node) (string, bool) {
			a := p.vrrpParseAddress(n, false)
			if a == nil {
				return "", false
			}
			return a.String(), true
		})
	}
}

func TestVRRPStaticAddrSpec(t *testing.T) {
	for _, c := range []vrrpSpecCase{
		{"10.0.0.1/24", "10.0.0.1/24 dev eth0", ""},
		{"10.0.0.1 use_vmac", "10.0.0.1 dev eth0", "Unknown configuration entry 'use_vmac' for ip address - ignoring"},
		{"10.0.0.1 track_group NOPE", "10.0.0.1 dev eth0", "track_group NOPE not found"},
	} {
		vrrpCheckSpec(t, c, func(p *parser, n *syntax.Node) (string, bool) {
			a := p.vrrpParseAddress(n, true)
			if a == nil {
				return "", false
			}
			return a.String(), true
		})
	}
}

func TestVRRPRouteSpec(t *testing.T) {
	for _, c := range []vrrpSpecCase{
		{"10.1.0.0/16 via 10.0.0.254 dev eth1", "10.1.0.0/16 via 10.0.0.254 dev eth1 protocol keepalived", ""},
		{"10.1.0.0/16 via 10.0.0.254", "10.1.0.0/16 via 10.0.0.254 protocol keepalived no_track", "Warning - cannot track route 10.1.0.0/16 with no interface specified, not tracking"},
		{"10.1.0.0/16 dev eth1 no_track", "10.1.0.0/16 dev eth1 no_track", ""},
		{"default via 10.0.0.254 dev eth1 table 100 metric 5", "default via 10.0.0.254 dev eth1 table 100 protocol keepalived metric 5", ""},
		{"to 10.2.0.0/24 dev eth1 table main scope link", "10.2.0.0/24 dev eth1 scope link protocol keepalived", ""},
		{"blackhole 10.3.0.0/24 dev eth1", "blackhole 10.3.0.0/24 dev eth1 protocol keepalived", ""},
		{"10.4.0.0/24 dev eth1 gw 10.0.0.1", "10.4.0.0/24 via 10.0.0.1 dev eth1 protocol keepalived", "\"gw\" for routes is deprecated. Please use \"via\""},
		{"10.5.0.0/24 via 10.0.0.1 or 10.0.0.2 dev eth1", "10.5.0.0/24 dev eth1 protocol keepalived nexthop via 10.0.0.1 nexthop via 10.0.0.2", "\"or\" for routes is deprecated"},
		{"10.6.0.0/24 dev eth1 nexthop via 10.0.0.1 dev eth1 weight 2 nexthop via 10.0.0.2 dev eth2", "10.6.0.0/24 dev eth1 protocol keepalived nexthop via 10.0.0.1 dev eth1 weight 2 nexthop via 10.0.0.2 dev eth2", ""},
		{"10.6.0.0/24 dev eth1 nexthop via 10.0.0.1 weight 0", "10.6.0.0/24 dev eth1 protocol keepalived", "Invalid weight 0 specified for route"},
		{"10.7.0.0/24 dev eth1 mtu lock 1400 advmss 1300 rtt 300ms rttvar 1s rto_min 500",
			"10.7.0.0/24 dev eth1 protocol keepalived mtu lock 1400 advmss 1300 rtt 2400 rttvar 4000 rto_min 500", ""},
		{"10.7.0.0/24 dev eth1 rtt 10", "10.7.0.0/24 dev eth1 protocol keepalived rtt 1600", "rtt value 10 below minimum 200ms, resetting"},
		{"10.8.0.0/24 dev eth1 protocol static", "10.8.0.0/24 dev eth1 protocol keepalived", "Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol"},
		{"10.8.0.0/24 dev eth1 protocol static no_track", "10.8.0.0/24 dev eth1 protocol static no_track", ""},
		{"10.9.0.0/24 dev eth1 encap mpls 100/200", "10.9.0.0/24 dev eth1 protocol keepalived encap mpls 100/200", ""},
		{"10.9.0.0/24 dev eth1 encap ip id 5 dst 1.2.3.4 ttl 5", "10.9.0.0/24 dev eth1 protocol keepalived encap ip id 5 dst 1.2.3.4 ttl 5", ""},
		{"10.9.0.0/24 dev eth1 encap ip ttl 5", "10.9.0.0/24 dev eth1 protocol keepalived", "address or id missing for ip encapsulation"},
		{"10.9.0.0/24 dev eth1 realms 5/6 features ecn append", "10.9.0.0/24 dev eth1 protocol keepalived realms 5/6 features ecn append", ""},
		{"2001:db8::/32 dev eth2 pref high expires 10", "2001:db8::/32 dev eth2 protocol keepalived pref 1 expires 10", ""},
		{"10.9.0.0/24 dev eth1 pref high", "", "pref is only valid for IPv6"},
		{"10.9.0.0/24 via 2001:db8::1 dev eth1", "", "Cannot mix IPv4 and IPv6 addresses for route"},
		{"10.9.0.0/24 dev eth1 table nosuch", "", "Routing table nosuch not found for route"},
		{"10.9.0.0/24 dev eth9", "", "WARNING - interface eth9 for VROUTE nexthop doesn't exist"},
		{"10.9.0.0/24 dev eth1 quickack 2", "", "Invalid quickack value 2 specified for route"},
		{"via 10.0.0.1 dev eth1", "", "Route must have a destination"},
		{"inet6 default via 2001:db8::1 dev eth2", "", "Route must have a destination"},
		{"10.9.0.0/24 dev eth1 frob", "", "unknown route keyword frob"},
		{"unreachable default6", "inet6 unreachable default protocol keepalived no_track", "Warning - cannot track route default6 with no interface specified, not tracking"},
		{"10.9.0.0/24 dev eth1 track_group G", "", "unknown route keyword track_group"},
	} {
		vrrpCheckSpec(t, c, func(p *parser, n *syntax.Node) (string, bool) {
			r := p.vrrpParseRoute(n, false)
			if r == nil {
				return "", false
			}
			return r.String(), true
		})
	}
}

func TestVRRPRuleSpec(t *testing.T) {
	for _, c := range []vrrpSpecCase{
		{"from 10.0.0.0/8 table 100 preference 10", "from 10.0.0.0/8 preference 10 table 100 protocol 18", ""},
		{"to 10.0.0.0/8 lookup main priority 0x20 no_track", "to 10.0.0.0/8 preference 32 table main no_track", ""},
		{"from all fwmark 0x10/0xff table 5 order 7", "from all preference 7 table 5 fwmark 16/255 protocol 18", ""},
		{"not from 10.1.0.0/16 blackhole preference 200", "not from 10.1.0.0/16 preference 200 blackhole protocol 18", ""},
		{"from all goto 50 preference 40", "from all preference 40 goto 50 protocol 18", ""},
		{"from all goto 50", "", "Invalid rule - goto target 50 specified without preference"},
		{"from all goto 50 preference 60", "", "Invalid rule - preference 60 >= goto target 50"},
		{"from 10.0.0.0/8 preference 5", "", "No action specified for rule - ignoring"},
		{"from all nop preference 5 realms 3", "", "suppressor/realm specified for non table action - skipping"},
		{"from all table 0 preference 5", "", "Table 0 is not valid"},
		{"from all table 5 prohibit preference 5", "", "Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule"},
		{"from all table 5 frob preference 5", "", "Unknown rule option frob"},
		{"type unicast from all", "", "Invalid rule action unicast"},
		{"from 2001:db8::/32 table 7 to 10.0.0.0/8", "", "rule specification has mixed IPv4 and IPv6"},
		{"from all table 8 uidrange 100-200 dport 1000-2000 ipproto tcp tunnel-id 7 suppress_prefixlength 24 iif eth1 oif eth2 dsfield 8 preference 9",
			"from all preference 9 table 8 tos 8 suppress_prefixlength 24 iif eth1 oif eth2 tunnel-id 7 uidrange 100-200 protocol 18 ipproto 6 dport 1000-2000", ""},
		{"from all table 9 sport 80 preference 9", "from all preference 9 table 9 protocol 18", "invalid sport range 80"},
		{"from all table 9 protocol 5 preference 9", "from all preference 9 table 9 protocol 18", "Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol"},
		{"from all l3mdev preference 9", "from all preference 9 l3mdev protocol 18", ""},
		{"from all table 10 l3mdev", "", "Cannot specify l3mdev with other action"},
		{"from all table 5", "from all preference 16384 table 5 protocol 18", "Rule has no preference specified - setting to 16384. This is probably not what you want."},
		{"from 192.168.100./24 table 1", "", "Invalid rule from address 192.168.100./24"},
		{"from all table 5 iif eth9 preference 1", "", "WARNING - interface eth9 for rule doesn't exist"},
	} {
		vrrpCheckSpec(t, c, func(p *parser, n *syntax.Node) (string, bool) {
			r := p.vrrpParseRule(n, false)
			if r == nil {
				return "", false
			}
			return r.String(), true
		})
	}
}

// TestVRRPRulePriorities checks that rules without a preference count
// down from 16384 per family.
func TestVRRPRulePriorities(t *testing.T) {
	p := vrrpTestParser()
	var got []uint32
	for _, l := range []string{"from all table 5", "from 2001:db8::/32 table 5", "to 10.0.0.0/8 table 5", "from all table 5 preference 3"} {
		got = append(got, p.vrrpParseRule(vrrpLine(l), true).Priority)
	}
	want := []uint32{16384, 16384, 16383, 3}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rule %d: preference %d, want %d", i, got[i], want[i])
		}
	}
}

func TestVRRPRTNames(t *testing.T) {
	old := vrrpRTReadFile
	defer func() { vrrpRTReadFile = old; vrrpRTCache.Clear() }()
	vrrpRTCache.Clear()
	vrrpRTReadFile = func(name string) ([]byte, error) {
		return []byte("# comment\n100 custom\n0x65 hexname\nbad line here\n"), nil
	}
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"main", 254, true}, {"local", 255, true}, {"custom", 100, true}, {"hexname", 101, true},
		{"0x10", 16, true}, {"010", 8, true}, {"42", 42, true}, {"nope", 0, false}, {"-1", 0, false},
	} {
		got, ok := vrrpRTTables.lookup(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("table %q: got %d %v, want %d %v", c.in, got, ok, c.want, c.ok)
		}
	}
	if _, ok := vrrpRTScopes.lookup("300"); ok {
		t.Error("scope 300 accepted")
	}
}
