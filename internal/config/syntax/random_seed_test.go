package syntax

import (
	"testing"
)

// TestRandomSeedReseeds checks that random_seed makes the ${_RANDOM}
// values after it reproducible, whatever the generator was before.
func TestRandomSeedReseeds(t *testing.T) {
	src := []byte("random_seed 42\nv ${_RANDOM 1 1000000}\nv ${_RANDOM 1 1000000}\n")
	values := func() []string {
		nodes, errs := ParseBytes("/k.conf", src, Options{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return []string{nodes[1].Words[1], nodes[2].Words[1]}
	}
	a, b := values(), values()
	if a[0] != b[0] || a[1] != b[1] {
		t.Errorf("random_seed 42 gave %v then %v", a, b)
	}
	if a[0] == a[1] {
		t.Errorf("two draws gave the same value %s", a[0])
	}
}
