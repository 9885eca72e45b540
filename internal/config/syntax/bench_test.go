package syntax

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkLex10kVirtualServers reads the configuration of the config
// package's BenchmarkLoad10kVirtualServers (10,000 virtual servers of 10
// real servers with a TCP_CHECK), the lexer's share of that benchmark.
func BenchmarkLex10kVirtualServers(b *testing.B) {
	var src bytes.Buffer
	for i := range 10000 {
		fmt.Fprintf(&src, "virtual_server 10.%d.%d.%d 80 {\n    delay_loop 6\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n", i>>16, i>>8&255, i&255)
		for j := range 10 {
			k := i*10 + j
			fmt.Fprintf(&src, "    real_server 172.%d.%d.%d 8080 {\n        TCP_CHECK { connect_timeout 3 }\n    }\n", 16+k>>16, k>>8&255, k&255)
		}
		src.WriteString("}\n")
	}
	lines := bytes.Count(src.Bytes(), []byte("\n"))
	b.ReportAllocs()
	b.SetBytes(int64(src.Len()))
	b.ResetTimer()
	for range b.N {
		ParseBytes(mainFile, src.Bytes(), testOptions(nil))
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
