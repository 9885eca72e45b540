package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestExamples runs each examples/*/ pair in namespaces: lb1 holds its
// VIPs, lb2 takes them all when lb1 stops, and lb1 takes them back
// unless nopreempt.
func TestExamples(t *testing.T) {
	bin := ourBinary(t)
	cases := []struct {
		dir       string
		lb1, lb2  []string // VIPs each holds at first
		nopreempt bool
		// preemptDelay: lb1 takes the VIP back no sooner than this
		// after it returns.
		preemptDelay time.Duration
	}{
		{dir: "master-backup", lb1: []string{"192.0.2.100"}},
		{dir: "master-master", lb1: []string{"192.0.2.100"}, lb2: []string{"192.0.2.101"}},
		{dir: "unicast", lb1: []string{"192.0.2.100"}},
		{dir: "nopreempt", lb1: []string{"192.0.2.100"}, nopreempt: true},
		{dir: "preempt-delay", lb1: []string{"192.0.2.100"}, preemptDelay: 10 * time.Second},
		{dir: "vrrp-script", lb1: []string{"192.0.2.100"}},
		{dir: "notify-email", lb1: []string{"192.0.2.100"}},
		{dir: "sync-group", lb1: []string{"192.0.2.100", "192.0.2.254"}},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			l := newLab(t)
			a := l.node("lb1", "192.0.2.1", "")
			b := l.node("lb2", "192.0.2.2", "")
			read := func(name string) string {
				s, err := os.ReadFile(filepath.Join("../../examples", tc.dir, name))
				if err != nil {
					t.Fatal(err)
				}
				return string(s)
			}
			a.start(bin, read("lb1.conf"))
			b.start(bin, read("lb2.conf"))
			// With preempt_delay, lb1 may have to wait for it when lb2
			// happened to become MASTER first.
			for _, v := range tc.lb1 {
				waitHolder(t, 15*time.Second+tc.preemptDelay, v, a, a, b)
			}
			for _, v := range tc.lb2 {
				waitHolder(t, 15*time.Second, v, b, a, b)
			}
			a.stop()
			for _, v := range append(tc.lb1, tc.lb2...) {
				waitHolder(t, 10*time.Second, v, b, a, b)
			}
			a.start(bin, read("lb1.conf"))
			back := time.Now()
			if tc.nopreempt {
				time.Sleep(6 * time.Second)
				for _, v := range tc.lb1 {
					waitHolder(t, time.Second, v, b, a, b)
				}
				return
			}
			for _, v := range tc.lb1 {
				waitHolder(t, 15*time.Second+tc.preemptDelay, v, a, a, b)
			}
			// The lower bound only: a loaded machine makes it later,
			// never sooner.
			if took := time.Since(back); took < tc.preemptDelay {
				t.Errorf("lb1 took the VIP back %v after it returned, before its preempt_delay %v", took, tc.preemptDelay)
			}
		})
	}
}
