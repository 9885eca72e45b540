package nft

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/keepalived-go/keepalived/internal/lvs"
	"github.com/keepalived-go/keepalived/internal/testutil/golden"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// netlinkServices are virtual servers that between them use every kind
// of rule the dataplane writes for LVS-NAT: each scheduler's table (rr,
// wrr, sh, dh, mh), persistence, a port-less service, weight 0, a
// fwmark service and IPv6.
func netlinkServices() []lvs.ServiceState {
	v6 := netip.MustParseAddr("2001:db8::100")
	d6 := func(last string, w int) lvs.Destination {
		return lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("2001:db8:1::" + last), Port: 8080}, Weight: w}
	}
	svc := func(k lvs.ServiceKey, sched string, persist time.Duration, dests ...lvs.Destination) lvs.ServiceState {
		s := lvs.ServiceState{Service: lvs.Service{Key: k, Scheduler: sched, Persistence: persist, Netmask: 32}}
		if k.Family == 6 {
			s.Netmask = 128
		}
		for _, d := range dests {
			s.Dests = append(s.Dests, lvs.DestState{Destination: d})
		}
		return s
	}
	k := func(port uint16) lvs.ServiceKey {
		return lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: vip, Port: port}
	}
	return []lvs.ServiceState{
		svc(k(80), "rr", 0, dest(11, 1), dest(12, 1)),
		svc(k(81), "wrr", 0, dest(11, 3), dest(12, 1), dest(13, 0)),
		svc(k(82), "sh", 0, dest(11, 1), dest(12, 1)),
		svc(k(83), "dh", 0, dest(11, 1), dest(12, 1)),
		svc(k(84), "rr", 300*time.Second, dest(11, 1), dest(12, 1)),
		svc(lvs.ServiceKey{Family: 4, Protocol: lvs.UDP, Addr: vip, Port: 53}, "rr", 0, dest(11, 1)),
		svc(lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: vip}, "rr", 0, lvs.Destination{Key: lvs.DestKey{Addr: dest(11, 1).Key.Addr}, Weight: 1}),
		svc(lvs.ServiceKey{Family: 4, FWMark: 7}, "rr", 0, dest(11, 1), dest(12, 1)),
		svc(lvs.ServiceKey{Family: 6, Protocol: lvs.TCP, Addr: v6, Port: 80}, "rr", 0, d6("11", 1), d6("12", 1)),
	}
}

// TestNetlinkGolden programs netlinkServices in a namespace and compares
// what the kernel holds, as nft --debug=netlink prints each rule's
// expressions, with testdata/netlink.golden: a change to the rules we
// generate shows up here expression by expression.
func TestNetlinkGolden(t *testing.T) {
	netnstest.Require(t)
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("nft not installed")
	}
	ns := netnstest.New(t, "nl")
	f, err := os.Open("/run/netns/" + ns.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	conn, err := nftables.New(nftables.WithNetNSFd(int(f.Fd())), nftables.WithSockOptions(BigBuffers))
	if err != nil {
		t.Fatal(err)
	}
	dp := New(conn)
	defer dp.Flush()
	if _, err := lvs.NewReconciler(dp).Start(netlinkServices(), true); err != nil {
		t.Fatal(err)
	}
	got := normalizeNetlink(ns.Exec("nft", "--debug=netlink", "list", "table", "inet", TableName))
	golden.Check(t, filepath.Join("testdata", "netlink.golden"), got)
}

var elementsRE = regexp.MustCompile(`elements = \{[^}]*\}`)

// normalizeNetlink makes the dump independent of the order in which the
// kernel walks a hash set: the debug part's element lines are sorted
// (each set's run of them), and the listing's element lists, which nft
// prints in that order too, are elided (the debug part holds them).
func normalizeNetlink(out string) string {
	debug, listing, ok := strings.Cut(out, "\ntable inet ")
	lines := strings.Split(debug, "\n")
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && strings.HasPrefix(lines[j], "\telement ") {
			j++
		}
		slices.Sort(lines[i:j])
		i = max(j, i+1)
	}
	debug = strings.Join(lines, "\n")
	if !ok {
		return debug
	}
	return debug + "\ntable inet " + elementsRE.ReplaceAllString(listing, "elements = { ... }")
}
