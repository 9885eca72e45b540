package e2e

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// demoLeftovers lists the demo's namespaces and processes still there.
func demoLeftovers() []string {
	var left []string
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "kgo-demo-") {
			left = append(left, "namespace "+e.Name())
		}
	}
	out, _ := exec.Command("pgrep", "-af", "kgo-demo/director").Output()
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			left = append(left, "process "+l)
		}
	}
	return left
}

// startDemoUntil starts `keepalivedctl demo` and returns once it printed
// a line containing line (the lab is up then).
func startDemoUntil(t *testing.T, bin, line string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "demo")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		ok := false
		for sc.Scan() {
			if !ok && strings.Contains(sc.Text(), line) {
				ok = true
				found <- true
			}
		}
		if !ok {
			found <- false
		}
	}()
	t.Cleanup(func() { pw.Close() })
	select {
	case ok := <-found:
		if !ok {
			t.Fatalf("the demo ended before printing %q", line)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the demo did not print %q within 30 s", line)
	}
	return cmd
}

// TestDemo runs `keepalivedctl demo` as a newcomer would and checks the
// story it tells and that it leaves nothing behind: stopped by SIGTERM
// it removes its lab; killed by SIGKILL it leaves it, and the next run
// removes it and tells the whole story.
func TestDemo(t *testing.T) {
	netnstest.Require(t)
	bin := filepath.Join(t.TempDir(), "keepalivedctl")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/keepalivedctl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	cmd := startDemoUntil(t, bin, "notify script on director1 GROUP VG_1 BACKUP")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var exit *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("demo after SIGTERM: %v, want exit status 130", err)
	}
	if left := demoLeftovers(); len(left) > 0 {
		t.Errorf("after SIGTERM the demo left %v", left)
	}

	cmd = startDemoUntil(t, bin, "notify script on director1 GROUP VG_1 BACKUP")
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if left := demoLeftovers(); len(left) == 0 {
		t.Errorf("kill -9 of the demo left nothing: the next run's cleanup is not tested")
	}

	out, err := exec.Command(bin, "demo", "--ci").CombinedOutput()
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"a wrr virtual server with HTTP_GET on web1 and TCP_CHECK on web2",
		"director1 is MASTER and holds 192.0.2.100",
		"notify script on director1 GROUP VG_1 MASTER 0",
		"(LVS-NAT on the nftables dataplane, weighted round robin, equal weights)",
		"the HTTP_GET check removed web1 after",
		"client -> web2 web2 web2 web2",
		"[198.51.100.11]:tcp:80  DOWN",
		"web1 is back in the pool after",
		"notify script on director2 GROUP VG_1 MASTER 0",
		"director2 took over: the client's requests failed for",
		"director1 preempted (priority 150 > 100)",
		"done",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if left := demoLeftovers(); len(left) > 0 {
		t.Errorf("the demo left %v", left)
	}
	if _, err := os.Stat(filepath.Join(os.TempDir(), "kgo-demo")); !os.IsNotExist(err) {
		t.Errorf("the demo's directory is still there: %v", err)
	}
}
