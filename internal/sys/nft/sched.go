package nft

import (
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// Supports reports whether the nftables dataplane can run a scheduler;
// the error names the ones it can.
func Supports(sched string) error {
	switch sched {
	case "rr", "wrr", "sh", "dh", "mh":
		return nil
	}
	return fmt.Errorf("lvs_sched %s is not supported by the nftables dataplane - use rr, wrr, sh, dh or mh", sched)
}

// Table sizes of the hash schedulers (primes, as Maglev needs).
const (
	hashTableSize    = 251  // sh, dh (IPVS's sh and dh use 256 buckets)
	maglevTableSize  = 4093 // mh (IPVS's default mh table size)
	maxWeightedSlots = 4096 // wrr: table length cap
)

// slot is one entry of a scheduling table: an index into the service's
// destinations.
type slot = int

// rrTable is one slot per destination with weight > 0.
func rrTable(weights []int) []slot {
	var out []slot
	for i, w := range weights {
		if w > 0 {
			out = append(out, i)
		}
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// wrrTable repeats each destination by its weight (divided by the weights'
// greatest common divisor, and scaled down to at most maxWeightedSlots
// slots), interleaved as IPVS's wrr orders them: in each pass, every
// destination whose weight reaches the current level gets a slot.
func wrrTable(weights []int) []slot {
	g, sum, maxW := 0, 0, 0
	for _, w := range weights {
		if w > 0 {
			g = gcd(g, w)
		}
	}
	if g == 0 {
		return nil
	}
	scaled := make([]int, len(weights))
	for i, w := range weights {
		scaled[i] = w / g
		sum += scaled[i]
	}
	if sum > maxWeightedSlots {
		for i, w := range scaled {
			if w > 0 {
				scaled[i] = max(1, w*maxWeightedSlots/sum)
			}
		}
	}
	for _, w := range scaled {
		maxW = max(maxW, w)
	}
	var out []slot
	for level := maxW; level > 0; level-- {
		for i, w := range scaled {
			if w >= level {
				out = append(out, i)
			}
		}
	}
	return out
}

// maglevTable fills a table of size m with Maglev's population (Eisenbud
// et al., NSDI 2016, §3.4): each destination walks its own permutation of
// the slots, taking the next free one in turn, weight times per round.
// A destination's permutation depends only on its own key, so removing one
// moves only its slots (and a few others) to the rest.
func maglevTable(keys []lvs.DestKey, weights []int, m int) []slot {
	type perm struct{ offset, skip, next int }
	perms := make([]perm, len(keys))
	g := 0
	for _, w := range weights {
		if w > 0 {
			g = gcd(g, w)
		}
	}
	if g == 0 {
		return nil
	}
	for i, k := range keys {
		h1, h2 := fnv.New64a(), fnv.New64()
		h1.Write([]byte(k.String()))
		h2.Write([]byte(k.String()))
		perms[i] = perm{offset: int(h1.Sum64() % uint64(m)), skip: int(h2.Sum64()%uint64(m-1)) + 1}
	}
	table := slices.Repeat([]slot{-1}, m)
	filled := 0
	for filled < m {
		for i := range keys {
			for turn := 0; turn < weights[i]/g && filled < m; turn++ {
				p := &perms[i]
				for {
					c := (p.offset + p.next*p.skip) % m
					p.next++
					if table[c] < 0 {
						table[c] = i
						filled++
						break
					}
				}
			}
		}
	}
	return table
}

// schedTable is the scheduling table of a service: slot values index
// dests.
func schedTable(sched string, dests []lvs.Destination) []slot {
	weights := make([]int, len(dests))
	keys := make([]lvs.DestKey, len(dests))
	var live []int
	for i, d := range dests {
		weights[i], keys[i] = d.Weight, d.Key
		if d.Weight > 0 {
			live = append(live, i)
		}
	}
	switch sched {
	case "wrr":
		return wrrTable(weights)
	case "sh", "dh", "mh":
		lk, lw := make([]lvs.DestKey, len(live)), make([]int, len(live))
		for j, i := range live {
			lk[j], lw[j] = keys[i], weights[i]
		}
		size := hashTableSize
		if sched == "mh" {
			size = maglevTableSize
		}
		t := maglevTable(lk, lw, size)
		for j, s := range t {
			t[j] = live[s]
		}
		return t
	}
	return rrTable(weights)
}
