package nft

import (
	"fmt"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/keepalived-go/keepalived/internal/lvs"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// emptyDirector is a namespace with a Dataplane and no traffic.
func emptyDirector(tb testing.TB) (*netnstest.NS, *Dataplane) {
	tb.Helper()
	netnstest.Require(tb)
	ns := netnstest.New(tb, "dir")
	f, err := os.Open("/run/netns/" + ns.Name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	conn, err := nftables.New(nftables.WithNetNSFd(int(f.Fd())), nftables.WithSockOptions(BigBuffers))
	if err != nil {
		tb.Fatal(err)
	}
	dp := New(conn)
	tb.Cleanup(func() { _ = dp.Flush() })
	return ns, dp
}

// manyServices is n virtual servers (192.0.2.x / 198.51.100.x, ports
// 1000+) of m real servers each, every other one DR.
func manyServices(n, m int) []lvs.ServiceState {
	out := make([]lvs.ServiceState, n)
	for i := range out {
		method := lvs.NAT
		if i%2 == 1 {
			method = lvs.DR
		}
		s := lvs.ServiceState{Service: lvs.Service{Scheduler: "wrr", Netmask: 32,
			Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i%50)}), Port: uint16(1000 + i)}}}
		for j := range m {
			s.Dests = append(s.Dests, lvs.DestState{Destination: lvs.Destination{
				Key: lvs.DestKey{Addr: netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + j)}), Port: uint16(1000 + i)}, Weight: 1 + j%3, Method: method}})
		}
		out[i] = s
	}
	return out
}

// TestManyServices programs 1,000 virtual servers of 10 real servers
// (10,000 destinations, half NAT, half DR) and reads them back.
func TestManyServices(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 real servers")
	}
	_, dp := emptyDirector(t)
	want := manyServices(1000, 10)
	r := lvs.NewReconciler(dp)
	start := time.Now()
	if _, err := r.Start(want, true); err != nil {
		t.Fatal(err)
	}
	programmed := time.Since(start)
	start = time.Now()
	st, err := dp.State()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("programmed 1,000 x 10 in %v, State in %v", programmed.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if g, w := lvs.RenderString(st, lvs.Rules), lvs.RenderString(want, lvs.Rules); g != w {
		t.Fatalf("State differs from what was programmed: %d services read back", len(st))
	}
	// One real server's change is one small batch.
	want[7].Dests = want[7].Dests[1:]
	start = time.Now()
	if _, err := r.Sync(want); err != nil {
		t.Fatal(err)
	}
	t.Logf("one real server's removal applied in %v", time.Since(start).Round(time.Millisecond))
	st, err = dp.State()
	if err != nil {
		t.Fatal(err)
	}
	if g, w := lvs.RenderString(st, lvs.Rules), lvs.RenderString(want, lvs.Rules); g != w {
		t.Fatalf("after removing one real server, State differs")
	}
}

// perChainState is the former State: one dump per destination chain
// (google/nftables reads chain by chain); the baseline of
// BenchmarkState.
func perChainState(dp *Dataplane) (int, error) {
	n := 0
	for _, t := range []*nftables.Table{dp.table, dp.dr4} {
		chains, err := dp.conn.ListChainsOfTableFamily(t.Family)
		if err != nil {
			return 0, err
		}
		for _, c := range chains {
			if c.Table.Name != t.Name {
				continue
			}
			rules, err := dp.conn.GetRules(t, c)
			if err != nil {
				return 0, err
			}
			n += len(rules)
		}
	}
	return n, nil
}

// BenchmarkState reads 200 virtual servers x 10 real servers back, with
// one table dump (ours) and chain by chain (the former way), side by
// side; perchain/dump is the speedup.
func BenchmarkState(b *testing.B) {
	_, dp := emptyDirector(b)
	if _, err := lvs.NewReconciler(dp).Start(manyServices(200, 10), true); err != nil {
		b.Fatal(err)
	}
	var ours, base time.Duration
	for b.Loop() {
		t0 := time.Now()
		st, err := dp.State()
		if err != nil || len(st) != 200 {
			b.Fatalf("State: %d services, %v", len(st), err)
		}
		t1 := time.Now()
		if _, err := perChainState(dp); err != nil {
			b.Fatal(err)
		}
		ours, base = ours+t1.Sub(t0), base+time.Since(t1)
	}
	b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "dump-ns/op")
	b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "perchain-ns/op")
	b.ReportMetric(float64(base)/float64(ours), "perchain/dump")
	fmt.Fprintf(os.Stderr, "State of 2,000 real servers: one dump %v, per chain %v (%.1fx)\n",
		ours/time.Duration(b.N), base/time.Duration(b.N), float64(base)/float64(ours))
}
