package check

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// countingDialer counts the connections made.
type countingDialer struct {
	n atomic.Int64
	d StdDialer
}

func (c *countingDialer) Dial(ctx context.Context, network string, src, dst netip.AddrPort, iface string, fwmark uint32) (net.Conn, error) {
	c.n.Add(1)
	return c.d.Dial(ctx, network, src, dst, iface, fwmark)
}

// BenchmarkTCPChecks5000 runs 5,000 TCP_CHECKs (delay_loop 1, warmup 1)
// against 5,000 local listeners for a few seconds per iteration and
// reports checks/s and the CPU time (user+system) each check costs. The
// listeners run in the same process: their accepts are counted too.
func BenchmarkTCPChecks5000(b *testing.B) {
	const n = 5000
	var conf strings.Builder
	conf.WriteString("virtual_server 192.0.2.100 80 {\n protocol TCP\n lvs_sched rr\n lvs_method NAT\n delay_loop 1\n")
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Skipf("listen: %v", err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		ap := netip.MustParseAddrPort(ln.Addr().String())
		fmt.Fprintf(&conf, " real_server %s %d {\n  TCP_CHECK {\n   warmup 1\n  }\n }\n", ap.Addr(), ap.Port())
	}
	conf.WriteString("}\n")
	cfg := parseConf(b, conf.String())
	d := &countingDialer{}
	const window = 3 * time.Second
	var checks int64
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		ctx, cancel := context.WithTimeout(context.Background(), window)
		m := New(cfg, Options{Dialer: d, Logger: slog.New(slog.DiscardHandler)})
		before, start := d.n.Load(), cpuTime()
		m.Run(ctx)
		cancel()
		cpu += cpuTime() - start
		checks += d.n.Load() - before
	}
	b.ReportMetric(float64(checks)/(window.Seconds()*float64(b.N)), "checks/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(checks), "cpu-µs/check")
	b.ReportMetric(100*cpu.Seconds()/(window.Seconds()*float64(b.N)), "cpu%")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTCPProbe is one TCP_CHECK probe (connect and close, bounded by
// connect_timeout) against a local listener: its time and allocations.
func BenchmarkTCPProbe(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Skipf("listen: %v", err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	ap := netip.MustParseAddrPort(ln.Addr().String())
	m := New(parseConf(b, rsConf(ap, "TCP_CHECK {\nconnect_timeout 3\n}")), Options{Logger: slog.New(slog.DiscardHandler)})
	c := m.servers[0].checkers[0]
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if r := m.probeOnce(ctx, c); !r.OK {
			b.Fatalf("probe failed: %s", r.Reason)
		}
	}
}
