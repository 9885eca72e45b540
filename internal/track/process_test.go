package track

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

func proc(fsys fstest.MapFS, pid, comm, state string, argv ...string) {
	fsys[pid+"/stat"] = &fstest.MapFile{Data: []byte(pid + " (" + comm + ") " + state + " 1 1 1\n")}
	cl := ""
	for _, a := range argv {
		cl += a + "\x00"
	}
	fsys[pid+"/cmdline"] = &fstest.MapFile{Data: []byte(cl)}
}

func testProcFS() fstest.MapFS {
	fsys := fstest.MapFS{}
	proc(fsys, "100", "nginx", "S", "/usr/sbin/nginx", "-g", "daemon off;")
	proc(fsys, "101", "nginx", "S", "nginx: worker process")
	proc(fsys, "102", "nginx", "Z")
	proc(fsys, "200", "haproxy", "S", "/usr/sbin/haproxy", "-f", "/etc/haproxy/haproxy.cfg", "-p", "/run/haproxy.pid")
	proc(fsys, "300", "a (weird) name", "R", "/bin/weird")
	proc(fsys, "400", "averyveryverylo", "S", "/usr/bin/averyveryverylongname")
	fsys["self/stat"] = &fstest.MapFile{Data: []byte("1 (nginx) S")}
	fsys["cpuinfo"] = &fstest.MapFile{Data: []byte("x")}
	return fsys
}

func TestCountProcesses(t *testing.T) {
	fsys := testProcFS()
	tests := []struct {
		name string
		t    config.TrackProcess
		want int
	}{
		{"by name, zombie excluded", config.TrackProcess{Process: []string{"nginx"}}, 2},
		{"comm with parentheses", config.TrackProcess{Process: []string{"a (weird) name"}}, 1},
		{"long name truncated to 15", config.TrackProcess{Process: []string{"averyveryverylongname"}}, 1},
		{"full command", config.TrackProcess{Process: []string{"/usr/sbin/nginx"}, FullCommand: true}, 1},
		{"full command mismatch", config.TrackProcess{Process: []string{"nginx"}, FullCommand: true}, 0},
		{"exact params", config.TrackProcess{Process: []string{"/usr/sbin/nginx", "-g", "daemon off;"}, FullCommand: true, ParamMatch: "exact"}, 1},
		{"exact params mismatch", config.TrackProcess{Process: []string{"/usr/sbin/haproxy", "-f", "/etc/haproxy/haproxy.cfg"}, FullCommand: true, ParamMatch: "exact"}, 0},
		{"partial params", config.TrackProcess{Process: []string{"/usr/sbin/haproxy", "-f", "/etc/haproxy/haproxy.cfg"}, FullCommand: true, ParamMatch: "partial"}, 1},
		{"partial needs whole words", config.TrackProcess{Process: []string{"/usr/sbin/haproxy", "-f", "/etc/haproxy"}, FullCommand: true, ParamMatch: "partial"}, 0},
		{"initial allows a prefix of the last", config.TrackProcess{Process: []string{"/usr/sbin/haproxy", "-f", "/etc/haproxy"}, FullCommand: true, ParamMatch: "initial"}, 1},
		{"no process", config.TrackProcess{Process: []string{"sshd"}}, 0},
	}
	for _, tt := range tests {
		if got := CountProcesses(fsys, &tt.t); got != tt.want {
			t.Errorf("%s: CountProcesses = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestCountProcessesRealProc(t *testing.T) {
	// This test binary is running: its own comm must be found.
	b, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Skip(err)
	}
	comm := strings.TrimSpace(string(b))
	if n := CountProcesses(os.DirFS("/proc"), &config.TrackProcess{Process: []string{comm}}); n < 1 {
		t.Errorf("found %d processes named %q", n, comm)
	}
}

func TestProcessObserveDelays(t *testing.T) {
	qmax := 3
	cfg := &config.TrackProcess{Name: "p", Process: []string{"x"}, Quorum: 2, QuorumMax: &qmax,
		ForkDelay: 2 * config.Second, TerminateDelay: 5 * config.Second}
	p := NewProcess(cfg, nil, nil)
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	steps := []struct {
		t      float64
		n      int
		event  bool
		quorum bool
	}{
		{0, 0, false, false},
		{1, 2, false, false}, // gained, waits fork_delay
		{2, 2, false, false},
		{3, 2, true, true},  // 2 s later
		{4, 1, false, true}, // lost, waits terminate_delay
		{5, 2, false, true}, // back before the delay: forgotten
		{10, 2, false, true},
		{11, 4, false, true}, // above quorum_max; by a fork: fork_delay
		{13, 4, true, false},
	}
	for _, s := range steps {
		ev, ok := p.Observe(at(s.t), s.n)
		if ok != s.event || p.Quorum() != s.quorum || (ok && ev != ProcessEvent{"p", s.quorum}) {
			t.Fatalf("t=%v n=%d: event %v %v quorum %v; want event %v quorum %v", s.t, s.n, ev, ok, p.Quorum(), s.event, s.quorum)
		}
	}
}

func TestCheckParams(t *testing.T) {
	z := func(s ...string) []byte {
		var b []byte
		for _, x := range s {
			b = append(append(b, x...), 0)
		}
		return b
	}
	tests := []struct {
		mode         string
		want, params []byte
		ok           bool
	}{
		{"exact", nil, nil, true},
		{"exact", nil, z("a"), false},
		{"exact", z("a", "b"), z("a", "b"), true},
		{"partial", z("a"), z("a", "b"), true},
		{"partial", z("a"), z("ab"), false},
		{"initial", z("a"), z("ab"), true},
		{"initial", nil, z("x"), true},
	}
	for _, tt := range tests {
		if got := checkParams(tt.mode, tt.want, tt.params); got != tt.ok {
			t.Errorf("checkParams(%s, %q, %q) = %v", tt.mode, tt.want, tt.params, got)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	for _, s := range []string{"1 (init) S 0", "2 (a) b) Z 1", "(", ")", "3 (x)", "4 (x) "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		comm, _, ok := parseStat(b)
		if ok && len(comm) > len(b) {
			t.Fatalf("comm %q longer than input", comm)
		}
	})
}
