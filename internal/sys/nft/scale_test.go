package nft

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"

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

// TestReadsEarlierLayout: a table as an earlier version laid it out (one
// services-chain rule per service holding its userdata and counter) is
// read back, and the first Apply converts it to the maps.
func TestReadsEarlierLayout(t *testing.T) {
	ns, dp := emptyDirector(t)
	svc := lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: netip.MustParseAddr("192.0.2.100"), Port: 80}, Scheduler: "rr", Netmask: 32}
	d := lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("198.51.100.11"), Port: 8080}, Weight: 1}
	c := dp.conn
	c.AddTable(dp.table)
	services := c.AddChain(chain(dp.table, "services"))
	c.AddChain(chain(dp.table, "vs3"))
	dc := c.AddChain(chain(dp.table, "vs3d0"))
	svcData, _ := json.Marshal(svcRecord{ID: 3, Service: svc})
	destData, _ := json.Marshal(destRecord{Dest: d})
	c.AddRule(&nftables.Rule{Table: dp.table, Chain: dc, UserData: destData, Exprs: append([]expr.Any{&expr.Counter{}}, dnatTo(svc, d, nil, "")[1:]...)})
	c.AddRule(&nftables.Rule{Table: dp.table, Chain: chain(dp.table, "vs3"), Exprs: []expr.Any{&expr.Verdict{Kind: expr.VerdictJump, Chain: "vs3d0"}}})
	c.AddRule(&nftables.Rule{Table: dp.table, Chain: services, UserData: svcData, Exprs: []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: svc.Key.Addr.AsSlice()},
		&expr.Counter{}, &expr.Verdict{Kind: expr.VerdictJump, Chain: "vs3"}}})
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	want := []lvs.ServiceState{{Service: svc, Dests: []lvs.DestState{{Destination: d}}}}
	st, err := dp.State()
	if err != nil {
		t.Fatal(err)
	}
	if g, w := lvs.RenderString(st, lvs.Rules), lvs.RenderString(want, lvs.Rules); g != w {
		t.Fatalf("earlier layout read as:\n%s\nwant:\n%s", g, w)
	}
	want[0].Dests = append(want[0].Dests, lvs.DestState{Destination: lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("198.51.100.12"), Port: 8080}, Weight: 1}})
	r := lvs.NewReconciler(dp)
	if _, err := r.Start(want, false); err != nil {
		t.Fatal(err)
	}
	if st, err = dp.State(); err != nil {
		t.Fatal(err)
	}
	if g, w := lvs.RenderString(st, lvs.Rules), lvs.RenderString(want, lvs.Rules); g != w {
		t.Fatalf("after the first Apply:\n%s\nwant:\n%s", g, w)
	}
	if out := ns.Exec("nft", "list", "chain", "inet", TableName, "services"); !strings.Contains(out, "vmap @svc4") || strings.Contains(out, "jump vs3") {
		t.Errorf("services chain not converted:\n%s", out)
	}
}
