package lvs

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkSyncOneRealServer is the checker child's work for one real
// server going down and up again with 1,000 virtual servers x 10 real
// servers configured: the model's decision, SyncChanged (the changed
// service's desired state and its Diff: one change) and the dataplane
// call (an in-memory Fake). BenchmarkSyncOneRealServerFull is the same
// through a full Desired and Sync, what the daemon did before.
func BenchmarkSyncOneRealServer(b *testing.B) { benchSyncOne(b, false) }

func BenchmarkSyncOneRealServerFull(b *testing.B) { benchSyncOne(b, true) }

func benchSyncOne(b *testing.B, full bool) {
	var src strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&src, "virtual_server 192.0.2.100 %d {\n lb_algo wrr\n lb_kind NAT\n protocol TCP\n", 10000+i)
		for j := range 10 {
			fmt.Fprintf(&src, " real_server 203.0.113.%d 8080 {\n  weight 1\n }\n", j+1)
		}
		src.WriteString("}\n")
	}
	cfg := parse(b, src.String())
	m, _ := New(cfg, nil)
	rec := NewReconciler(NewFake())
	if _, err := rec.Start(m.Desired(), false); err != nil {
		b.Fatal(err)
	}
	id := m.Status()[0].ID
	rs := key("203.0.113.1:8080")
	b.ResetTimer()
	for i := range b.N {
		if _, err := m.SetAlive(id, rs, i%2 == 1); err != nil {
			b.Fatal(err)
		}
		var changes []Change
		var err error
		if full {
			changes, err = rec.Sync(m.Desired())
		} else {
			changes, err = rec.SyncChanged(m)
		}
		if err != nil || len(changes) != 1 {
			b.Fatalf("Sync = %v, %v; want one change", changes, err)
		}
	}
}

// BenchmarkStart1000x10 is the checker child's work before its first
// write to the dataplane with 1,000 virtual servers x 10 real servers
// (the bench/ipvsprog configuration): parse, the model, Desired, and the
// Diff against an empty dataplane (11,000 changes).
func BenchmarkStart1000x10(b *testing.B) {
	var src strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&src, "virtual_server 192.0.2.100 %d {\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP\n", 10000+i)
		for j := range 10 {
			fmt.Fprintf(&src, "    real_server 203.0.113.%d 8080 {\n        weight %d\n    }\n", j+1, j%3+1)
		}
		src.WriteString("}\n")
	}
	b.ReportAllocs()
	for b.Loop() {
		cfg := parse(b, src.String())
		m, _ := New(cfg, nil)
		want := m.Desired()
		if n := len(Diff(want, nil, func(ServiceKey) bool { return true })); n != 11000 {
			b.Fatalf("Diff: %d changes, want 11000", n)
		}
	}
}
