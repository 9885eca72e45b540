package check

import (
	"context"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"
)

// TestCheckersStatus: a checker's status follows its results (retries
// left while failing, since at each change, the last reason) and a
// reloaded manager carries since and the last result over.
func TestCheckersStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dst := netip.MustParseAddrPort("192.0.2.11:80")
		// t=0 up, 10 refused (retry 1 of 2), 11 refused (2 of 2), 12 refused -> down.
		d := &scriptDialer{scripts: map[netip.AddrPort]string{dst: "+---"}, calls: map[netip.AddrPort]int{}}
		var h harness
		cfg := parseConf(t, tcpConf)
		m := New(cfg, h.opts(d))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { m.Run(ctx); close(done) }()
		start := time.Now()
		key := Key{VS: cfg.VirtualServers[0].Service, RS: cfg.VirtualServers[0].RealServers[0].Addr}
		at := func(d time.Duration) CheckerStatus {
			t.Helper()
			time.Sleep(time.Until(start.Add(d)))
			synctest.Wait()
			list := m.Checkers()[key]
			if len(list) != 1 {
				t.Fatalf("%d checkers for %v, want 1", len(list), key)
			}
			return list[0]
		}
		st := at(time.Second)
		if st.Kind != "TCP_CHECK" || st.Target != "[192.0.2.11]:tcp:80" || !st.Up || !st.LastOK || st.RetriesLeft != 2 || st.Retry != 2 {
			t.Fatalf("after the first check: %+v", st)
		}
		st = at(10*time.Second + 500*time.Millisecond)
		if !st.Up || st.LastOK || st.LastReason != "connection refused" || st.RetriesLeft != 1 || !st.Since.Equal(start) {
			t.Fatalf("after one failure: %+v", st)
		}
		st = at(12*time.Second + 500*time.Millisecond)
		if st.Up || !st.Since.Equal(start.Add(12*time.Second)) || st.LastReason != "connection refused" {
			t.Fatalf("after going down: %+v", st)
		}
		cancel()
		<-done

		// A reload: the same checker keeps its since and last result.
		prev := m.Checkers()
		opts := h.opts(d)
		opts.Previous = func(Key) (bool, bool) { return false, true }
		opts.PreviousCheckers = prev
		m2 := New(cfg, opts)
		if st := m2.Checkers()[key][0]; st.Up || !st.Since.Equal(start.Add(12*time.Second)) || st.LastReason != "connection refused" {
			t.Fatalf("after a reload: %+v", st)
		}
	})
}
