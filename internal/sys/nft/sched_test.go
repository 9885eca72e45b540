package nft

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

func keys(n int) []lvs.DestKey {
	out := make([]lvs.DestKey, n)
	for i := range out {
		out[i] = lvs.DestKey{Addr: netip.AddrFrom4([4]byte{198, 51, 100, byte(10 + i)}), Port: 80}
	}
	return out
}

func ones(n int) []int {
	w := make([]int, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

func TestMaglevBalance(t *testing.T) {
	for _, n := range []int{2, 3, 5, 10} {
		table := maglevTable(keys(n), ones(n), maglevTableSize)
		counts := make([]int, n)
		for _, s := range table {
			counts[s]++
		}
		ideal := float64(maglevTableSize) / float64(n)
		for i, c := range counts {
			if d := (float64(c) - ideal) / ideal; d > 0.01 || d < -0.01 {
				t.Errorf("%d servers: server %d has %d slots, ideal %.1f (more than 1%% off)", n, i, c, ideal)
			}
		}
	}
}

// TestMaglevRemoval: removing one of five servers moves its own slots and
// few others.
func TestMaglevRemoval(t *testing.T) {
	ks := keys(5)
	before := maglevTable(ks, ones(5), maglevTableSize)
	after := maglevTable(append(ks[:2:2], ks[3:]...), ones(4), maglevTableSize)
	moved := 0
	for i := range before {
		if before[i] == 2 {
			continue
		}
		was := ks[before[i]]
		now := append(ks[:2:2], ks[3:]...)[after[i]]
		if was != now {
			moved++
		}
	}
	if frac := float64(moved) / float64(maglevTableSize); frac > 0.05 {
		t.Errorf("%.1f%% of the other servers' slots moved, want under 5%%", 100*frac)
	}
}

func TestWRRTable(t *testing.T) {
	tests := []struct {
		weights []int
		want    string
	}{
		{[]int{3, 1}, "[0 0 0 1]"},
		{[]int{2, 2}, "[0 1]"},
		{[]int{1, 0, 2}, "[2 0 2]"},
		{[]int{0, 0}, "[]"},
		{[]int{300, 100}, "[0 0 0 1]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(wrrTable(tt.weights)); got != tt.want {
			t.Errorf("wrrTable(%v) = %s, want %s", tt.weights, got, tt.want)
		}
	}
	big := wrrTable([]int{100000, 1})
	if len(big) > maxWeightedSlots+1 || big[len(big)-1] != 1 {
		t.Errorf("large weights: %d slots, last %d", len(big), big[len(big)-1])
	}
}

func TestSupports(t *testing.T) {
	for _, s := range []string{"rr", "wrr", "sh", "dh", "mh"} {
		if err := Supports(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"lc", "wlc", "lblc", "lblcr", "sed", "nq", "fo", "ovf"} {
		if err := Supports(s); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
}

// TestServiceKey checks the services maps' keys: address, protocol and
// port, each padded to 4 bytes; port 0 in the address map; fwmark with
// the family in the NAT table, alone in a DR table.
func TestServiceKey(t *testing.T) {
	mark := fmt.Sprintf("%x", binaryutil.NativeEndian.PutUint32(7))
	for _, tc := range []struct {
		key        lvs.ServiceKey
		inet       bool
		name, want string
	}{
		{lvs.ServiceKey{Family: 4, Protocol: lvs.UDP, Addr: netip.MustParseAddr("192.0.2.100"), Port: 53}, true, "svc4", "c000026411000000" + "00350000"},
		{lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: netip.MustParseAddr("192.0.2.100")}, true, "any4", "c000026406000000"},
		{lvs.ServiceKey{Family: 6, Protocol: lvs.TCP, Addr: netip.MustParseAddr("2001:db8::1"), Port: 80}, false, "svc6", "20010db8000000000000000000000001" + "06000000" + "00500000"},
		{lvs.ServiceKey{Family: 6, FWMark: 7}, true, "fwm", "0a000000" + mark},
		{lvs.ServiceKey{Family: 4, FWMark: 7}, false, "fwm", mark},
	} {
		name, key := serviceKey(tc.key, tc.inet)
		if got := fmt.Sprintf("%x", key); name != tc.name || got != tc.want {
			t.Errorf("%v: %s %s, want %s %s", tc.key, name, got, tc.name, tc.want)
		}
		if m := serviceMap(&nftables.Table{Family: map[bool]nftables.TableFamily{true: nftables.TableFamilyINet, false: nftables.TableFamilyIPv4}[tc.inet]}, name); int(m.KeyType.Bytes) != len(key) {
			t.Errorf("%v: key of %d bytes for map %s of %d", tc.key, len(key), name, m.KeyType.Bytes)
		}
	}
}

// FuzzParseDestChain: a name parses only if it is the one we make for
// its ids, so no foreign chain is taken for a destination.
func FuzzParseDestChain(f *testing.F) {
	f.Add("vs1d2")
	f.Add("vs10")
	f.Add("services")
	f.Add("vs01d2")
	f.Add("vs+1d-2")
	f.Fuzz(func(t *testing.T, name string) {
		if id, dest, ok := parseDestChain(name); ok && destChain(id, dest) != name {
			t.Fatalf("%q parsed as %d/%d", name, id, dest)
		}
	})
}

func TestDRRules(t *testing.T) {
	svc := lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: netip.MustParseAddr("192.0.2.100"), Port: 80}, Scheduler: "rr"}
	// nft --debug=netlink for "jhash ip saddr . ip daddr . th sport . th dport mod 7 seed 0x4b41".
	want := []expr.Any{
		&expr.Payload{DestRegister: 12, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
		&expr.Payload{DestRegister: 13, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Payload{DestRegister: 14, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 2},
		&expr.Payload{DestRegister: 15, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Hash{SourceRegister: 2, DestRegister: 1, Length: 16, Modulus: 7, Seed: 0x4b41, Type: expr.HashTypeJenkins},
	}
	if diff := cmp.Diff(want, drScheduler(svc, 7)); diff != "" {
		t.Errorf("rr over IPv4 (-want +got):\n%s", diff)
	}
	svc6 := svc
	svc6.Key.Family, svc6.Key.Addr = 6, netip.MustParseAddr("2001:db8::100")
	want6 := []expr.Any{
		&expr.Payload{DestRegister: 8, Base: expr.PayloadBaseNetworkHeader, Offset: 8, Len: 16},
		&expr.Payload{DestRegister: 12, Base: expr.PayloadBaseNetworkHeader, Offset: 24, Len: 16},
		&expr.Payload{DestRegister: 16, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 2},
		&expr.Payload{DestRegister: 17, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Hash{SourceRegister: 1, DestRegister: 1, Length: 40, Modulus: 7, Seed: 0x4b41, Type: expr.HashTypeJenkins},
	}
	if diff := cmp.Diff(want6, drScheduler(svc6, 7)); diff != "" {
		t.Errorf("rr over IPv6 (-want +got):\n%s", diff)
	}
	// sh keeps the NAT source hash: the same on every packet.
	sh := svc
	sh.Scheduler = "sh"
	if diff := cmp.Diff(scheduler(sh, 7), drScheduler(sh, 7)); diff != "" {
		t.Errorf("sh (-nat +dr):\n%s", diff)
	}
	d := lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("192.0.2.11"), Port: 80}, Weight: 1, Method: lvs.DR}
	wantTo := []expr.Any{
		&expr.Objref{Type: 1, Name: "vs1d0"},
		&expr.Immediate{Register: 1, Data: []byte{192, 0, 2, 11}},
		&expr.Dup{RegAddr: 1},
		&expr.Verdict{Kind: expr.VerdictDrop},
	}
	if diff := cmp.Diff(wantTo, drTo(svc, d, nil, "vs1d0")); diff != "" {
		t.Errorf("destination rule (-want +got):\n%s", diff)
	}
}

func TestDRSchedTable(t *testing.T) {
	dests := []lvs.Destination{
		{Key: keys(3)[0], Weight: 3}, {Key: keys(3)[1], Weight: 1}, {Key: keys(3)[2], Weight: 0},
	}
	tab := drSchedTable("wrr", dests)
	n := map[int]int{}
	for _, s := range tab {
		n[s]++
	}
	if len(tab) != drTableSize || n[2] != 0 {
		t.Fatalf("wrr table: %d slots, %v", len(tab), n)
	}
	if r := float64(n[0]) / float64(n[1]); r < 2.9 || r > 3.1 {
		t.Errorf("wrr 3:1 shares %v (ratio %.2f)", n, r)
	}
	// rr ignores weights; removing a destination moves only its slots.
	rr := drSchedTable("rr", dests)
	after := drSchedTable("rr", dests[1:])
	for i, s := range rr {
		if s == 1 && after[i] != 0 {
			t.Fatalf("slot %d of the kept destination moved", i)
		}
	}
}
