package lvs

import (
	"net/netip"
	"testing"
)

// statesFrom decodes bytes into a small table: each pair of bytes is a
// service (low bits) and a destination with a weight.
func statesFrom(b []byte) []ServiceState {
	by := map[ServiceKey]*ServiceState{}
	var order []ServiceKey
	for i := 0; i+1 < len(b); i += 2 {
		k := ServiceKey{Family: 4, Protocol: TCP, Addr: netip.AddrFrom4([4]byte{192, 0, 2, b[i] % 4}), Port: 80}
		s := by[k]
		if s == nil {
			s = &ServiceState{Service: Service{Key: k, Scheduler: []string{"rr", "wrr"}[b[i]>>7]}}
			by[k] = s
			order = append(order, k)
		}
		dk := DestKey{Addr: netip.AddrFrom4([4]byte{198, 51, 100, b[i+1] % 8}), Port: 80}
		dup := false
		for _, d := range s.Dests {
			dup = dup || d.Key == dk
		}
		if !dup {
			s.Dests = append(s.Dests, DestState{Destination: Destination{Key: dk, Weight: int(b[i+1] >> 4), Method: Method(b[i+1] >> 3 % 3)}})
		}
	}
	var out []ServiceState
	for _, k := range order {
		out = append(out, *by[k])
	}
	return out
}

// FuzzDiff checks that Diff's changes, applied by the Fake (which fails
// on adding what exists or touching what does not), turn any table into
// any other, and that a second Diff is empty.
func FuzzDiff(f *testing.F) {
	f.Add([]byte{}, []byte{0, 1})              // add a service
	f.Add([]byte{0, 1, 0, 2}, []byte{0, 1})    // remove a destination
	f.Add([]byte{0, 0x11}, []byte{0, 0x21})    // change a weight
	f.Add([]byte{0x80, 1, 1, 2}, []byte{0, 1}) // change scheduler, drop a service
	f.Fuzz(func(t *testing.T, a, b []byte) {
		have, want := statesFrom(a), statesFrom(b)
		fake := NewFake(have...)
		if err := fake.Apply(Diff(want, have, func(ServiceKey) bool { return true })); err != nil {
			t.Fatal(err)
		}
		got, _ := fake.State()
		if g, w := RenderString(got, Rules), RenderString(want, Rules); g != w {
			t.Fatalf("got\n%s\nwant\n%s", g, w)
		}
		if ch := Diff(want, got, func(ServiceKey) bool { return true }); len(ch) != 0 {
			t.Fatalf("second diff: %v", ch)
		}
	})
}
