package config

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// benchVirtualServers and benchRealServers size the generated
// configuration: 10,000 virtual servers of 10 real servers each, every
// real server with a TCP_CHECK (about 360,000 lines, 12 MB).
const (
	benchVirtualServers = 10000
	benchRealServers    = 10
)

var (
	benchOnce   sync.Once
	benchConfig []byte
	benchLines  int
)

// benchSource generates the configuration once.
func benchSource() ([]byte, int) {
	benchOnce.Do(func() {
		var b bytes.Buffer
		b.WriteString("global_defs {\n    router_id bench\n}\n")
		for i := range benchVirtualServers {
			fmt.Fprintf(&b, "virtual_server 10.%d.%d.%d 80 {\n", i>>16, i>>8&255, i&255)
			b.WriteString("    delay_loop 6\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n")
			for j := range benchRealServers {
				k := i*benchRealServers + j
				fmt.Fprintf(&b, "    real_server 172.%d.%d.%d 8080 {\n", 16+k>>16, k>>8&255, k&255)
				b.WriteString("        TCP_CHECK { connect_timeout 3 }\n    }\n")
			}
			b.WriteString("}\n")
		}
		benchConfig = b.Bytes()
		benchLines = bytes.Count(benchConfig, []byte("\n"))
	})
	return benchConfig, benchLines
}

// BenchmarkLoad10kVirtualServers parses and validates a configuration of
// 10,000 virtual servers (target: under 1 s and 200 MB on the build
// machine; bench/config/run.sh prints the time and the peak heap).
func BenchmarkLoad10kVirtualServers(b *testing.B) {
	src, lines := benchSource()
	opts := Options{InterfaceExists: func(string) bool { return true }}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for range b.N {
		Parse("/etc/keepalived/keepalived.conf", src, opts)
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-alloc/op")
}

// TestLoad10kPeak parses the benchmark configuration once and prints the
// time and the peak heap it took; bench/config/run.sh runs it in a process
// of its own (KEEPALIVED_BENCH_PEAK=1). The peak is the largest size of
// the heap's objects sampled every millisecond during the parse, source
// included.
func TestLoad10kPeak(t *testing.T) {
	if os.Getenv("KEEPALIVED_BENCH_PEAK") == "" {
		t.Skip("run by bench/config/run.sh")
	}
	src, lines := benchSource()
	runtime.GC()
	stop, peak := heapPeak()
	start := time.Now()
	cfg, diags := Parse("/etc/keepalived/keepalived.conf", src, Options{InterfaceExists: func(string) bool { return true }})
	elapsed := time.Since(start)
	stop()
	runtime.KeepAlive(cfg)
	fmt.Printf("parse+validate 10k VS: %d ms, peak heap %d MB (%d lines, %d MB source, %d problems)\n",
		elapsed.Milliseconds(), *peak>>20, lines, len(src)>>20, len(diags))
}

// heapPeak samples the bytes of heap objects every millisecond until stop
// is called; *peak is then the largest sample.
func heapPeak() (stop func(), peak *uint64) {
	peak = new(uint64)
	done, finished := make(chan struct{}), make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		*peak = max(*peak, sample[0].Value.Uint64())
	}
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			read()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished; read() }, peak
}
