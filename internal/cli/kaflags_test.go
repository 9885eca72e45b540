package cli

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestKaNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"plain", []string{"-t", "-f", "x.conf"}, []string{"-t", "-f", "x.conf"}},
		{"optional value in cluster", []string{"-nlDt/tmp/log"}, []string{"-nlD", "--config-test=/tmp/log"}},
		{"optional value alone", []string{"-tlog"}, []string{"--config-test=log"}},
		{"optional value with =", []string{"-t=x"}, []string{"--config-test==x"}},
		{"optional without value", []string{"-nt"}, []string{"-nt"}},
		{"required value ends cluster", []string{"-nfx.conf"}, []string{"-n", "--use-file=x.conf"}},
		{"required value with =", []string{"-f=x"}, []string{"--use-file==x"}},
		{"required value is next word", []string{"-f", "-tlog"}, []string{"-f", "-tlog"}},
		{"long value is next word", []string{"--use-file", "--vers"}, []string{"--use-file", "--vers"}},
		{"long abbreviation", []string{"--vers"}, []string{"--version"}},
		{"long abbreviation with value", []string{"--config-t=log"}, []string{"--config-test=log"}},
		{"abbreviation taking next word", []string{"--use", "--vers"}, []string{"--use-file", "--vers"}},
		{"ambiguous abbreviation", []string{"--d"}, []string{"--d"}},
		{"exact name beats prefix", []string{"--vrrp"}, []string{"--vrrp"}},
		{"unknown long", []string{"--frob"}, []string{"--frob"}},
		{"double dash ends", []string{"--", "-tlog", "--vers"}, []string{"--", "-tlog", "--vers"}},
		{"getopt reads -g then file", []string{"-gfile", "-Mcore"}, []string{"--log-file=file", "--core-dump-pattern=core"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kaNormalize(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("kaNormalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestKaParse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(kaFlags) bool
	}{
		{"defaults", nil, func(f kaFlags) bool {
			return f.confFile == DefaultConfigFile && f.umask == -1 && f.configFD == -1 && !f.configTest
		}},
		{"combined", []string{"-nlDD", "-d"}, func(f kaFlags) bool {
			return f.dontFork && f.logConsole && f.logDetail == 2 && f.dumpConf
		}},
		{"last -f wins", []string{"-f", "a", "--use-file=b"}, func(f kaFlags) bool { return f.confFile == "b" }},
		{"config id", []string{"-ilb1"}, func(f kaFlags) bool { return f.configID == "lb1" }},
		{"log file default", []string{"-g"}, func(f kaFlags) bool { return f.logFile == "keepalived.log" }},
		{"core pattern default", []string{"-M"}, func(f kaFlags) bool { return f.coreDump && f.coreDumpPattern == "core" }},
		{"umask octal", []string{"-u", "027"}, func(f kaFlags) bool { return f.umask == 0o27 }},
		{"umask hex", []string{"--umask=0x12"}, func(f kaFlags) bool { return f.umask == 0x12 }},
		{"subsystems", []string{"-PCB", "--all"}, func(f kaFlags) bool {
			return f.vrrpOnly && f.checkOnly && f.noBFD && f.allChildren
		}},
		{"pid files", []string{"-p", "p", "-r", "r", "-c", "c", "-b", "b"}, func(f kaFlags) bool {
			return f.pidFile == "p" && f.vrrpPidFile == "r" && f.checkersPidFile == "c" && f.bfdPidFile == "b"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			r := &kaRun{stdout: &out, stderr: &out, flags: defaultKaFlags()}
			if code, done := r.parse(tt.args); done {
				t.Fatalf("parse(%q) ended with status %d: %s", tt.args, code, out.String())
			}
			if !tt.want(r.flags) {
				t.Errorf("parse(%q) = %+v", tt.args, r.flags)
			}
		})
	}
}

func TestExpandBraces(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a.conf", []string{"a.conf"}},
		{"{a,b}.conf", []string{"a.conf", "b.conf"}},
		{"x/{a,{b,c}d}/y", []string{"x/a/y", "x/bd/y", "x/cd/y"}},
		{"{a,b}{1,2}", []string{"a1", "a2", "b1", "b2"}},
		{"{single}", []string{"single"}},
		{"{unbalanced", []string{"{unbalanced"}},
	}
	for _, tt := range tests {
		if got := expandBraces(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("expandBraces(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// realKeepalived is the path of the installed keepalived, or "" (PATH is
// not searched: TestMain puts keepalived-go's test commands first there).
func realKeepalived(t *testing.T) string {
	for _, p := range []string{"/usr/sbin/keepalived", "/usr/local/sbin/keepalived"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("keepalived is not installed")
	return ""
}

// TestHelpMatchesKeepalived compares -h with the installed keepalived's:
// the same lines, plus the log-file options Debian's build leaves out.
func TestHelpMatchesKeepalived(t *testing.T) {
	ka := realKeepalived(t)
	var theirs bytes.Buffer
	cmd := exec.Command(ka, "--help")
	cmd.Args[0] = "keepalived" // usage names argv[0]
	cmd.Stderr = &theirs
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s --help: %v", ka, err)
	}
	var ours []string
	for _, l := range strings.SplitAfter(kaUsage, "\n") {
		if !strings.Contains(l, "-log-file") {
			ours = append(ours, l)
		}
	}
	if got := strings.Join(ours, ""); got != theirs.String() {
		t.Errorf("-h differs from keepalived's:\n--- ours ---\n%s--- keepalived ---\n%s", got, theirs.String())
	}
}

// TestSignumMatchesKeepalived compares --signum with the installed
// keepalived's for every name, known or not.
func TestSignumMatchesKeepalived(t *testing.T) {
	ka := realKeepalived(t)
	for _, name := range []string{"STOP", "RELOAD", "DATA", "STATS", "STATS_CLEAR", "JSON", "TDUMP", "stop", "BOGUS"} {
		cmd := exec.Command(ka, "--signum="+name)
		want, err := cmd.Output()
		wantCode := cmd.ProcessState.ExitCode()
		if err != nil && wantCode <= 0 {
			t.Fatalf("%s --signum=%s: %v", ka, name, err)
		}
		var got bytes.Buffer
		code := RunKeepalived(t.Context(), []string{"--signum=" + name}, &got, io.Discard)
		if code != wantCode || got.String() != string(want) {
			t.Errorf("--signum=%s: got %q exit %d, keepalived %q exit %d", name, got.String(), code, want, wantCode)
		}
	}
}
