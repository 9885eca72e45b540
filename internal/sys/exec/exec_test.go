package exec

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRunExitStatus(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		status int
		signal int
		ok     bool
	}{
		{"true", []string{"true"}, 0, 0, true},
		{"false", []string{"false"}, 1, 0, false},
		{"exit 7", []string{"sh", "-c", "exit 7"}, 7, 0, false},
		{"killed", []string{"sh", "-c", "kill -9 $$"}, -1, 9, false},
		{"argv not split by a shell", []string{"sh", "-c", `[ "$0" = "a b" ]`, "a b"}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Run(context.Background(), Cmd{Args: tt.args, Timeout: 10 * time.Second})
			if r.Err != nil || r.TimedOut || r.Status != tt.status || r.Signal != tt.signal || r.OK() != tt.ok {
				t.Fatalf("Run(%q) = %+v, want status %d signal %d", tt.args, r, tt.status, tt.signal)
			}
		})
	}
}

func TestRunStartError(t *testing.T) {
	for _, args := range [][]string{{"/nonexistent/script"}, {}, {"no-such-command-keepalived-go"}} {
		r := Run(context.Background(), Cmd{Args: args})
		if r.Err == nil || r.OK() || r.Status != -1 {
			t.Errorf("Run(%q) = %+v, want a start error", args, r)
		}
	}
	r := Run(context.Background(), Cmd{Args: []string{"true"}, User: "no-such-user-kago"})
	if r.Err == nil || !strings.Contains(r.Err.Error(), "no-such-user-kago") {
		t.Errorf("unknown user: %+v, want an error naming the user", r)
	}
}

// TestRunTimeoutKillsGroup runs a script whose child outlives SIGTERM to
// the leader only if the group is not signalled.
func TestRunTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	script := `sleep 100 & echo $! > ` + pidFile + `; sleep 100`
	r := Run(context.Background(), Cmd{Args: []string{"sh", "-c", script}, Timeout: 300 * time.Millisecond, Grace: 5 * time.Second})
	if !r.TimedOut || r.OK() || r.Signal == 0 {
		t.Fatalf("Run = %+v, want timed out and signalled", r)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(string(b))
	waitGone(t, pid)
	assertNoZombieChildren(t)
}

// TestRunTimeoutSIGKILL: a script ignoring SIGTERM is killed after Grace.
func TestRunTimeoutSIGKILL(t *testing.T) {
	r := Run(context.Background(), Cmd{
		Args:    []string{"sh", "-c", `trap "" TERM; while :; do sleep 0.05; done`},
		Timeout: 200 * time.Millisecond, Grace: 200 * time.Millisecond,
	})
	if !r.TimedOut || r.Signal != 9 {
		t.Fatalf("Run = %+v, want SIGKILL after the grace period", r)
	}
	assertNoZombieChildren(t)
}

func TestRunContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	r := Run(ctx, Cmd{Args: []string{"sleep", "100"}})
	if !r.TimedOut || r.Signal != 15 {
		t.Fatalf("Run = %+v, want SIGTERM on cancel", r)
	}
}

func TestRunUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to change user")
	}
	var out bytes.Buffer
	r := Run(context.Background(), Cmd{Args: []string{"sh", "-c", "id -u; id -g; id -G"}, User: "nobody", Output: &out})
	if !r.OK() {
		t.Fatalf("Run = %+v (%s)", r, out.String())
	}
	lines := strings.Fields(out.String())
	if len(lines) < 2 || lines[0] != "65534" {
		t.Fatalf("id output %q, want uid 65534 (nobody)", out.String())
	}
	if lines[1] == "0" {
		t.Fatalf("id output %q: group still root", out.String())
	}
	for _, g := range lines[2:] {
		if g == "0" {
			t.Fatalf("id -G %q: root kept as a supplementary group", out.String())
		}
	}
}

func TestRunEnvironment(t *testing.T) {
	t.Setenv("LD_PRELOAD", "/nonexistent.so")
	t.Setenv("KAGO_TEST_VAR", "kept")
	var out bytes.Buffer
	r := Run(context.Background(), Cmd{Args: []string{"sh", "-c", `echo "[$LD_PRELOAD][$KAGO_TEST_VAR]"; cat`}, Output: &out})
	if !r.OK() || strings.TrimSpace(out.String()) != "[][kept]" {
		t.Fatalf("Run = %+v, output %q, want LD_PRELOAD dropped, others kept, empty stdin", r, out.String())
	}
}

// TestRunManyNoZombies runs many short scripts and checks that none is
// left unreaped and that no file descriptor leaks.
func TestRunManyNoZombies(t *testing.T) {
	before := countFDs(t)
	for i := 0; i < 50; i++ {
		Run(context.Background(), Cmd{Args: []string{"sh", "-c", "exit " + strconv.Itoa(i%3)}})
	}
	assertNoZombieChildren(t)
	if after := countFDs(t); after > before+2 {
		t.Fatalf("open fds grew from %d to %d", before, after)
	}
}

func TestScriptEnv(t *testing.T) {
	got := scriptEnv([]string{"PATH=/bin", "IFS= ", "LD_PRELOAD=x", "LD_LIBRARY_PATH=y", "A=IFS=1"})
	if strings.Join(got, ",") != "PATH=/bin,A=IFS=1" {
		t.Fatalf("scriptEnv = %q", got)
	}
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip(err)
	}
	return len(ents)
}

// waitGone waits until pid is no longer a live process (gone or a zombie
// whose parent is not us: an orphan left to init).
func waitGone(t *testing.T, pid string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil || procState(string(b)) == "Z" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("grandchild %s still running after the timeout", pid)
}

func procState(stat string) string {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 || i+3 > len(stat) {
		return ""
	}
	return stat[i+2 : i+3]
}

func assertNoZombieChildren(t *testing.T) {
	t.Helper()
	me := strconv.Itoa(os.Getpid())
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == me && f[0] == "Z" {
			t.Errorf("zombie child %s: %s", e.Name(), s)
		}
	}
}
