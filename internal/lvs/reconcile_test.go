package lvs

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keepalived-go/keepalived/internal/testutil/golden"
)

func mustSync(t *testing.T, r *Reconciler, want []ServiceState) []Change {
	t.Helper()
	ch, err := r.Sync(want)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestOneRealServerIsOneChange(t *testing.T) {
	m, _ := New(cfgTwo(t, "", ""), nil)
	fake := NewFake()
	r := NewReconciler(fake)
	if _, err := r.Start(m.Desired(), false); err != nil {
		t.Fatal(err)
	}
	if ch := mustSync(t, r, m.Desired()); len(ch) != 0 {
		t.Fatalf("second sync changed %v", ch)
	}
	m.SetAlive(vsID(m), key("192.0.2.11:80"), false)
	ch := mustSync(t, r, m.Desired())
	if len(ch) != 1 || ch[0].Op != DelDest || ch[0].Dest.Key != key("192.0.2.11:80") {
		t.Errorf("down: %v, want one delete", ch)
	}
	m.SetWeight(vsID(m), key("192.0.2.12:80"), 5)
	ch = mustSync(t, r, m.Desired())
	if len(ch) != 1 || ch[0].Op != UpdateDest || ch[0].Dest.Weight != 5 {
		t.Errorf("weight: %v, want one update", ch)
	}
	got, _ := fake.State()
	if diff := cmp.Diff(RenderString(m.Desired(), Rules), RenderString(got, Rules)); diff != "" {
		t.Errorf("dataplane differs from model (-want +got):\n%s", diff)
	}
}

func TestInhibitIsOneUpdate(t *testing.T) {
	m, _ := New(cfgTwo(t, "", "inhibit_on_failure"), nil)
	fake := NewFake()
	r := NewReconciler(fake)
	r.Start(m.Desired(), false)
	m.SetAlive(vsID(m), key("192.0.2.11:80"), false)
	ch := mustSync(t, r, m.Desired())
	if len(ch) != 1 || ch[0].Op != UpdateDest || ch[0].Dest.Weight != 0 {
		t.Errorf("inhibit: %v, want one update to weight 0", ch)
	}
}

// TestAdoptAtStart: a service the kernel already holds is kept (no
// connection lost), a foreign service is left alone, a stale destination
// of our service is removed; with flush everything goes first.
func TestAdoptAtStart(t *testing.T) {
	m, _ := New(cfgTwo(t, "", ""), nil)
	want := m.Desired()
	held := want[0]
	held.Dests = append([]DestState{}, held.Dests[0], DestState{Destination: Destination{Key: key("192.0.2.99:80"), Weight: 1}})
	foreign := ServiceState{Service: Service{Key: ServiceKey{Family: 4, Protocol: UDP, Addr: key("203.0.113.1:53").Addr, Port: 53}, Scheduler: "rr"}}
	fake := NewFake(held, foreign)
	r := NewReconciler(fake)
	ch, err := r.Start(want, false)
	if err != nil {
		t.Fatal(err)
	}
	wantOps := []Op{DelDest, AddDest}
	if len(ch) != 2 || ch[0].Op != wantOps[0] || ch[1].Op != wantOps[1] {
		t.Errorf("adopt: %v, want delete .99, add .12", ch)
	}
	st, _ := fake.State()
	if len(st) != 2 {
		t.Errorf("foreign service removed: %v", st)
	}
	if err := r.Stop(false); err != nil {
		t.Fatal(err)
	}
	st, _ = fake.State()
	if len(st) != 1 || st[0].Key != foreign.Key {
		t.Errorf("stop left %v, want only the foreign service", st)
	}

	fake = NewFake(held, foreign)
	if _, err := NewReconciler(fake).Start(want, true); err != nil {
		t.Fatal(err)
	}
	st, _ = fake.State()
	if diff := cmp.Diff(RenderString(want, Rules), RenderString(st, Rules)); diff != "" {
		t.Errorf("flush start (-want +got):\n%s", diff)
	}
}

func TestSyncRecoversAfterFailure(t *testing.T) {
	m, _ := New(cfgTwo(t, "", ""), nil)
	fake := NewFake()
	r := NewReconciler(fake)
	fail := true
	fake.Fail = func(c Change) bool { return fail && c.Op == AddDest && c.Dest.Key == key("192.0.2.12:80") }
	if _, err := r.Start(m.Desired(), false); err == nil {
		t.Fatal("injected failure not reported")
	}
	fail = false
	ch := mustSync(t, r, m.Desired())
	got, _ := fake.State()
	if diff := cmp.Diff(RenderString(m.Desired(), Rules), RenderString(got, Rules)); diff != "" || len(ch) != 1 {
		t.Errorf("after retry %d changes (-want +got):\n%s", len(ch), diff)
	}
}

// TestReplayOrderIndependent applies random sequences of health and
// weight events; the dataplane must end equal to a model that was given
// only the final inputs, whatever the order.
func TestReplayOrderIndependent(t *testing.T) {
	conf := "quorum 3\n  hysteresis 0\n  sorry_server 192.0.2.50 80\n  sorry_server_inhibit"
	rss := []DestKey{key("192.0.2.11:80"), key("192.0.2.12:80")}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 1))
		m, _ := New(cfgTwo(t, conf, "inhibit_on_failure"), nil)
		fake := NewFake()
		r := NewReconciler(fake)
		r.Start(m.Desired(), false)
		final := map[DestKey]bool{rss[0]: true, rss[1]: true}
		weights := map[DestKey]int64{rss[0]: 1, rss[1]: 2}
		for range rng.IntN(30) {
			k := rss[rng.IntN(2)]
			if rng.IntN(3) == 0 {
				w := int64(rng.IntN(4))
				weights[k] = w
				m.SetWeight(vsID(m), k, w)
			} else {
				up := rng.IntN(2) == 0
				final[k] = up
				m.SetAlive(vsID(m), k, up)
			}
			if rng.IntN(2) == 0 {
				mustSync(t, r, m.Desired())
			}
		}
		mustSync(t, r, m.Desired())
		// A fresh model given the final inputs in a fixed order.
		ref, _ := New(cfgTwo(t, conf, "inhibit_on_failure"), nil)
		for _, k := range rss {
			ref.SetWeight(vsID(ref), k, weights[k])
		}
		for _, k := range rss {
			ref.SetAlive(vsID(ref), k, final[k])
		}
		got, _ := fake.State()
		if diff := cmp.Diff(RenderString(ref.Desired(), Rules), RenderString(got, Rules)); diff != "" {
			t.Fatalf("seed %d: end state depends on order (-want +got):\n%s", seed, diff)
		}
	}
}

func TestRenderGolden(t *testing.T) {
	m, _ := New(parse(t, `
virtual_server 192.0.2.100 80 {
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  persistence_timeout 300
  real_server 192.0.2.11 8080 { weight 3 }
  real_server 192.0.2.12 8080 { weight 1 }
}
virtual_server 2001:db8::100 53 {
  lvs_sched mh
  mh-fallback
  lvs_method DR
  protocol UDP
  ops
  real_server 2001:db8::11 53 { weight 1 }
}
virtual_server 198.51.100.1 443 {
  lvs_sched sh
  lvs_method TUN type gue port 6080
  protocol TCP
  real_server 203.0.113.7 443 { weight 1 }
}`), nil)
	st := m.Desired()
	st[0].Dests[0].ActiveConns, st[0].Dests[0].InactiveConns = 4, 12
	st[0].Stats = Stats{Conns: 16, InPkts: 200, OutPkts: 180, InBytes: 123456789012, OutBytes: 4096}
	for _, f := range []struct {
		name string
		f    Format
	}{{"list", Plain}, {"stats", WithStats}, {"rate", WithRate}, {"rules", Rules}} {
		t.Run(f.name, func(t *testing.T) {
			golden.Check(t, filepath.Join("testdata", "render-"+f.name+".golden"), RenderString(st, f.f))
		})
	}
}

// manyVS has three virtual servers: a plain one with quorum and a sorry
// server, a group (two addresses), and a later duplicate of the first
// one's service, which wins that service in Desired.
const manyVS = `
virtual_server_group G {
  192.0.2.110 80
  192.0.2.111 80
}
virtual_server 192.0.2.100 80 {
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  quorum 2
  sorry_server 192.0.2.50 80
  real_server 192.0.2.11 80 { weight 1
    TCP_CHECK { connect_timeout 1 } }
  real_server 192.0.2.12 80 { weight 1
    inhibit_on_failure
    TCP_CHECK { connect_timeout 1 } }
}
virtual_server group G {
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  real_server 192.0.2.21 80 { weight 2
    TCP_CHECK { connect_timeout 1 } }
  real_server 192.0.2.22 80 { weight 3
    TCP_CHECK { connect_timeout 1 } }
}
virtual_server 192.0.2.100 80 {
  lvs_sched wlc
  lvs_method NAT
  protocol TCP
  real_server 192.0.2.31 80 { weight 1
    TCP_CHECK { connect_timeout 1 } }
}
`

// TestSyncChangedEqualsFullSync drives one model with random health and
// weight events, syncing only what changed (SyncChanged), and a second
// model with the same events through full syncs: both dataplanes must
// end each step equal to the full model's Desired.
func TestSyncChangedEqualsFullSync(t *testing.T) {
	cfg := parse(t, manyVS)
	type target struct {
		id  VSID
		key DestKey
	}
	var targets []target
	probe, _ := New(cfg, nil)
	for _, vs := range probe.vss {
		for _, rs := range vs.rss {
			targets = append(targets, target{vs.id, rs.key})
		}
	}
	for seed := range uint64(100) {
		rng := rand.New(rand.NewPCG(seed, 2))
		inc, _ := New(cfg, nil)
		full, _ := New(cfg, nil)
		incDP, fullDP := NewFake(), NewFake()
		ri, rf := NewReconciler(incDP), NewReconciler(fullDP)
		ri.Start(inc.Desired(), false)
		rf.Start(full.Desired(), false)
		for step := range 40 {
			tg := targets[rng.IntN(len(targets))]
			if rng.IntN(3) == 0 {
				w := int64(rng.IntN(4))
				inc.SetWeight(tg.id, tg.key, w)
				full.SetWeight(tg.id, tg.key, w)
			} else {
				up := rng.IntN(2) == 0
				inc.SetAlive(tg.id, tg.key, up)
				full.SetAlive(tg.id, tg.key, up)
			}
			if _, err := ri.SyncChanged(inc); err != nil {
				t.Fatal(err)
			}
			mustSync(t, rf, full.Desired())
			a, _ := incDP.State()
			b, _ := fullDP.State()
			if diff := cmp.Diff(RenderString(b, Rules), RenderString(a, Rules)); diff != "" {
				t.Fatalf("seed %d step %d: SyncChanged differs from a full sync (-full +changed):\n%s", seed, step, diff)
			}
		}
	}
}

// TestSyncChangedTouchesOnlyTheChangedService: with nothing changed there
// is no dataplane call; one real server's change is one change to its
// own service.
func TestSyncChangedTouchesOnlyTheChangedService(t *testing.T) {
	m, _ := New(parse(t, manyVS), nil)
	fake := NewFake()
	r := NewReconciler(fake)
	if _, err := r.Start(m.Desired(), false); err != nil {
		t.Fatal(err)
	}
	calls := len(fake.Calls)
	if ch, err := r.SyncChanged(m); err != nil || len(ch) != 0 || len(fake.Calls) != calls {
		t.Fatalf("nothing changed: %v, %v, %d calls", ch, err, len(fake.Calls)-calls)
	}
	group := m.vss[1]
	if _, err := m.SetAlive(group.id, key("192.0.2.21:80"), false); err != nil {
		t.Fatal(err)
	}
	ch, err := r.SyncChanged(m)
	if err != nil {
		t.Fatal(err)
	}
	// The group's two services each lose the real server.
	if len(ch) != 2 || ch[0].Op != DelDest || ch[1].Op != DelDest || ch[0].Service.Key.Addr == ch[1].Service.Key.Addr {
		t.Errorf("one real server of a two-address group: %v, want one delete per address", ch)
	}
	// An event that changes nothing (already down) syncs nothing.
	m.SetAlive(group.id, key("192.0.2.21:80"), false)
	if ch, _ := r.SyncChanged(m); len(ch) != 0 {
		t.Errorf("repeated down: %v", ch)
	}
}

// TestSyncChangedRetriesAfterFailure: a refused change makes the next
// SyncChanged a full sync, which makes it again.
func TestSyncChangedRetriesAfterFailure(t *testing.T) {
	m, _ := New(parse(t, manyVS), nil)
	fake := NewFake()
	r := NewReconciler(fake)
	r.Start(m.Desired(), false)
	fail := true
	fake.Fail = func(c Change) bool { return fail && c.Op == DelDest }
	m.SetAlive(m.vss[2].id, key("192.0.2.31:80"), false)
	if _, err := r.SyncChanged(m); err == nil {
		t.Fatal("injected failure not reported")
	}
	fail = false
	if _, err := r.SyncChanged(m); err != nil {
		t.Fatal(err)
	}
	got, _ := fake.State()
	if diff := cmp.Diff(RenderString(m.Desired(), Rules), RenderString(got, Rules)); diff != "" {
		t.Errorf("after the retry (-want +got):\n%s", diff)
	}
}
