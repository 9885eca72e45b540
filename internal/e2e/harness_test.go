// Package e2e runs whole daemons in network namespaces: ours against
// ours, and ours against Debian's keepalived on the same LAN. It needs
// root (the tests skip otherwise).
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// ourBinary builds cmd/keepalived once per test run.
func ourBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kgo-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "keepalived")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/keepalived").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// realKeepalived is Debian's keepalived, or skips the test.
func realKeepalived(t *testing.T) string {
	t.Helper()
	const p = "/usr/sbin/keepalived"
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Debian's keepalived is not installed (apt-get install keepalived)")
		}
		t.Skip("Debian's keepalived is not installed")
	}
	return p
}

// node is one director: a namespace on the LAN with eth0 and a daemon.
type node struct {
	t    *testing.T
	name string
	ns   *netnstest.NS
	dir  string
	cmd  *exec.Cmd
	out  *syncBuffer
	// parentMode runs the daemon without -P: a parent and its children.
	parentMode bool
	// env is added to the daemon's environment.
	env []string
}

// lab is a LAN of directors.
type lab struct {
	t   *testing.T
	lan *netnstest.LAN
}

func newLab(t *testing.T) *lab {
	t.Helper()
	netnstest.Require(t)
	return &lab{t: t, lan: netnstest.NewLAN(t, "lan")}
}

// node adds a director with the given IPv4 address (/24) on eth0; IPv6
// gets 2001:db8::N/64 and a link-local address.
func (l *lab) node(name, addr4, addr6 string) *node {
	l.t.Helper()
	ns := netnstest.New(l.t, name)
	l.lan.Attach(ns, "eth0")
	if addr4 != "" {
		ns.IP("addr", "add", addr4+"/24", "dev", "eth0")
	}
	if addr6 != "" {
		ns.IP("addr", "add", addr6+"/64", "dev", "eth0", "nodad")
	}
	n := &node{t: l.t, name: name, ns: ns, dir: l.t.TempDir(), out: &syncBuffer{}}
	l.t.Cleanup(func() {
		n.kill()
		if l.t.Failed() {
			l.t.Logf("=== %s log:\n%s", n.name, n.out.String())
		}
	})
	return n
}

// start runs a daemon (our binary or Debian's keepalived) with conf and
// -P (VRRP only).
func (n *node) start(bin, conf string, extra ...string) {
	n.t.Helper()
	n.startArgs(bin, conf, append([]string{"-P"}, extra...)...)
}

// startArgs runs a daemon with conf and the given role options.
func (n *node) startArgs(bin, conf string, extra ...string) {
	n.t.Helper()
	file := filepath.Join(n.dir, "keepalived.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		n.t.Fatal(err)
	}
	args := []string{"-n", "-l", "-D", "-f", file,
		"-p", filepath.Join(n.dir, "keepalived.pid"),
		"-r", filepath.Join(n.dir, "vrrp.pid"),
		"-c", filepath.Join(n.dir, "checkers.pid")}
	for _, a := range extra {
		if n.parentMode && (a == "-P" || a == "-C") {
			continue // parent mode: keepalived's parent with its children
		}
		args = append(args, a)
	}
	n.cmd = n.ns.Command(append([]string{bin}, args...)...)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	n.cmd.Env = append(os.Environ(), n.env...)
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
}

// stop sends SIGTERM and waits for the daemon to exit.
func (n *node) stop() {
	n.t.Helper()
	if n.cmd == nil {
		return
	}
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- n.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		n.t.Errorf("%s did not stop within 10 s of SIGTERM", n.name)
		n.kill()
	}
	n.cmd = nil
}

// kill is a crash: SIGKILL to the daemon's process group.
func (n *node) kill() {
	if n.cmd == nil {
		return
	}
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
	_ = n.cmd.Wait()
	n.cmd = nil
}

// hasAddr says whether the node holds addr on eth0.
func (n *node) hasAddr(addr string) bool {
	out, err := n.ns.Command("ip", "-o", "addr", "show", "dev", "eth0").CombinedOutput()
	if err != nil {
		return false
	}
	return strings.Contains(string(out), " "+addr+"/")
}

// waitFor polls cond for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s", d, what)
}

// holders lists which nodes hold addr.
func holders(addr string, nodes ...*node) []string {
	var out []string
	for _, n := range nodes {
		if n.hasAddr(addr) {
			out = append(out, n.name)
		}
	}
	return out
}

// waitHolder waits until exactly want holds addr.
func waitHolder(t *testing.T, d time.Duration, addr string, want *node, all ...*node) {
	t.Helper()
	waitFor(t, d, fmt.Sprintf("%s to hold %s alone", want.name, addr), func() bool {
		h := holders(addr, all...)
		return len(h) == 1 && h[0] == want.name
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) contains(sub string) bool { return strings.Contains(s.String(), sub) }

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}

func removeFile(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func fileContains(path, sub string) bool { return strings.Contains(readFile(path), sub) }
