// Package netnstest builds network namespaces, veth pairs and bridges for
// tests that need root. Every object it creates is removed by t.Cleanup,
// and every name carries the test's own prefix so that parallel tests and
// a crashed earlier run never collide.
//
// Only TEST-NET addresses belong in these namespaces, and none gets a
// route out (DESIGN.md "Testing labs").
package netnstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/vishvananda/netns"
)

// Require skips the test unless it runs as root on a kernel where network
// namespaces can be created. Set KEEPALIVED_GO_REQUIRE_NETNS=1 (CI does)
// to make the missing capability a failure instead of a skip.
func Require(t testing.TB) {
	t.Helper()
	fail := t.Skipf
	if os.Getenv("KEEPALIVED_GO_REQUIRE_NETNS") != "" {
		fail = t.Fatalf
	}
	if os.Geteuid() != 0 {
		fail("needs root for network namespaces")
		return
	}
	if _, err := exec.LookPath("ip"); err != nil {
		fail("needs iproute2's ip: %v", err)
		return
	}
	name := "kgo-probe-" + suffix()
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		fail("cannot create a network namespace: %v: %s", err, out)
		return
	}
	_ = exec.Command("ip", "netns", "del", name).Run()
}

// suffix is a short random string for unique names.
func suffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NS is a named network namespace (visible to `ip netns`).
type NS struct {
	// Name is the name under /run/netns.
	Name string
	t    testing.TB
}

// New creates a namespace named kgo-<name>-<random> with its loopback up,
// removed (with every process still running in it killed) when the test
// ends.
func New(t testing.TB, name string) *NS {
	t.Helper()
	Require(t)
	ns := &NS{Name: "kgo-" + name + "-" + suffix(), t: t}
	run(t, "ip", "netns", "add", ns.Name)
	t.Cleanup(func() {
		// A namespace's processes keep its links alive: kill them first.
		if out, err := exec.Command("ip", "netns", "pids", ns.Name).Output(); err == nil {
			self := strconv.Itoa(os.Getpid())
			for _, pid := range strings.Fields(string(out)) {
				// A thread of this test process that entered the
				// namespace (Do) makes ip list the test itself.
				if pid == self {
					continue
				}
				_ = exec.Command("kill", "-9", pid).Run()
			}
		}
		_ = exec.Command("ip", "netns", "del", ns.Name).Run()
	})
	ns.IP("link", "set", "lo", "up")
	return ns
}

// IP runs `ip ARGS...` inside the namespace and returns its output; a
// failure fails the test.
func (ns *NS) IP(args ...string) string {
	ns.t.Helper()
	return ns.Exec(append([]string{"ip"}, args...)...)
}

// Exec runs a command inside the namespace and returns its combined
// output; a failure fails the test.
func (ns *NS) Exec(argv ...string) string {
	ns.t.Helper()
	return run(ns.t, append([]string{"ip", "netns", "exec", ns.Name}, argv...)...)
}

// Command returns an unstarted command that runs inside the namespace.
func (ns *NS) Command(argv ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns.Name}, argv...)...)
}

// Do runs fn on an OS thread that has entered the namespace, so sockets
// and netlink handles fn opens belong to it. The thread is discarded
// afterwards (never returned to Go's pool in the wrong namespace).
func (ns *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// Not unlocked: the goroutine exits and its thread dies with it.
		h, err := netns.GetFromName(ns.Name)
		if err != nil {
			errc <- fmt.Errorf("open namespace %s: %w", ns.Name, err)
			return
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			errc <- fmt.Errorf("enter namespace %s: %w", ns.Name, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// Veth creates a veth pair with one end (named aName) in a and the other
// (bName) in b, both up.
func Veth(t testing.TB, a *NS, aName string, b *NS, bName string) {
	t.Helper()
	tmp := "kgo" + suffix()
	run(t, "ip", "link", "add", tmp, "type", "veth", "peer", "name", tmp+"p")
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", tmp).Run() })
	run(t, "ip", "link", "set", tmp, "netns", a.Name)
	run(t, "ip", "link", "set", tmp+"p", "netns", b.Name)
	a.IP("link", "set", tmp, "name", aName)
	b.IP("link", "set", tmp+"p", "name", bName)
	a.IP("link", "set", aName, "up")
	b.IP("link", "set", bName, "up")
}

// LAN is a bridge in its own namespace: every node attached gets a veth
// whose far end is a port of the bridge, like hosts on one switch.
type LAN struct {
	// Switch holds the bridge "br0".
	Switch *NS
	t      testing.TB
	ports  int
}

// NewLAN creates the switch namespace and its bridge.
func NewLAN(t testing.TB, name string) *LAN {
	t.Helper()
	sw := New(t, name)
	sw.IP("link", "add", "br0", "type", "bridge")
	// No STP and no forwarding delay: ports forward at once.
	sw.IP("link", "set", "br0", "type", "bridge", "forward_delay", "0", "stp_state", "0")
	sw.IP("link", "set", "br0", "up")
	return &LAN{Switch: sw, t: t}
}

// Attach connects ns to the LAN through an interface named ifname.
func (l *LAN) Attach(ns *NS, ifname string) {
	l.t.Helper()
	l.ports++
	port := fmt.Sprintf("p%d", l.ports)
	Veth(l.t, ns, ifname, l.Switch, port)
	l.Switch.IP("link", "set", port, "master", "br0")
}

func run(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}
