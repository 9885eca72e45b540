package nft

import (
	"fmt"
	"net/netip"
	"testing"

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

// TestMatchService checks the services chain's match of an address
// service: family, protocol, destination address and port, in that order.
func TestMatchService(t *testing.T) {
	ex := matchService(lvs.ServiceKey{Family: 4, Protocol: lvs.UDP, Addr: netip.MustParseAddr("192.0.2.100"), Port: 53})
	var got []string
	for _, e := range ex {
		if c, ok := e.(*expr.Cmp); ok {
			got = append(got, fmt.Sprintf("%x", c.Data))
		}
	}
	if want := "[02 11 c0000264 0035]"; fmt.Sprint(got) != want {
		t.Errorf("compared data %v, want %s", got, want)
	}
	fw := matchService(lvs.ServiceKey{Family: 6, FWMark: 7})
	if len(fw) != 4 {
		t.Errorf("fwmark match has %d expressions, want 4 (nfproto, mark)", len(fw))
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
