package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/control"
)

// startPlain runs our daemon in n's namespace with only -n -l -D -f:
// the pid files are the daemon's own choice.
func (n *node) startPlain(t *testing.T, conf string) {
	t.Helper()
	file := filepath.Join(n.dir, "keepalived.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	n.cmd = n.ns.Command(ourBinary(t), "-n", "-l", "-D", "-f", file)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

// TestPIDFilesAndChildWait: with `instance NAME` the parent and its
// children write keepalived's pid files /run/keepalived/{keepalived,vrrp,
// checkers}_NAME.pid (the control socket beside the parent's) and remove
// them at stop; a child that does not stop is killed after
// child_wait_time with keepalived's line.
func TestPIDFilesAndChildWait(t *testing.T) {
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	name := fmt.Sprintf("kgo%06d", rand.IntN(1e6))
	conf := "instance " + name + "\nchild_wait_time 1\n" + fmt.Sprintf(confV2PASS, "a", "MASTER", 150) + `
global_defs {
    lvs_dataplane nftables
}
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.0.2.50 80 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
`
	a.startPlain(t, conf)
	files := map[string]string{}
	for _, f := range []string{"keepalived", "vrrp", "checkers"} {
		files[f] = "/run/keepalived/" + f + "_" + name + ".pid"
		t.Cleanup(func() {
			os.Remove(files[f])
			os.Remove(strings.TrimSuffix(files[f], ".pid") + ".ctl")
			os.Remove("/run/keepalived") // only when empty
		})
	}
	parent := pidFrom(t, files["keepalived"])
	if !a.out.contains("Changing syslog ident to Keepalived_" + name) {
		t.Errorf("no keepalived line for the syslog ident of instance %s", name)
	}
	if parent != a.cmd.Process.Pid {
		t.Fatalf("%s holds %d, want the parent %d", files["keepalived"], parent, a.cmd.Process.Pid)
	}
	vrrp, checker := pidFrom(t, files["vrrp"]), pidFrom(t, files["checkers"])
	cl := control.Client{Path: "/run/keepalived/keepalived_" + name + ".ctl"}
	waitFor(t, 10*time.Second, "the parent's control socket with both children", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := cl.Status(ctx)
		return err == nil && len(st.Processes) == 3 && len(st.Instances) == 1 && len(st.VirtualServers) == 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	st, _ := cl.Status(ctx)
	cancel()
	pids := map[string]int{}
	for _, p := range st.Processes {
		pids[p.Role] = p.PID
	}
	if pids["parent"] != parent || pids["vrrp"] != vrrp || pids["check"] != checker {
		t.Errorf("status lists %v, the pid files %d %d %d", pids, parent, vrrp, checker)
	}

	// A checker child that does not stop (SIGSTOP holds its SIGTERM) is
	// killed after child_wait_time (1 s), not the default 5 s.
	if err := syscall.Kill(checker, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(4 * time.Second):
		_ = syscall.Kill(checker, syscall.SIGCONT)
		t.Fatalf("the parent did not stop within 4 s with child_wait_time 1")
	}
	a.cmd = nil
	took := time.Since(began)
	t.Logf("the parent stopped in %v", took.Round(time.Millisecond))
	if took < time.Second {
		t.Errorf("the parent stopped in %v, before child_wait_time", took)
	}
	if !a.out.contains("Keepalived_healthcheckers process failed to die - forcing termination") {
		t.Errorf("no keepalived line for the killed checker child")
	}
	for _, f := range []string{"keepalived", "vrrp", "checkers"} { // the parent removes the killed child's
		if path := files[f]; fileExists(path) {
			t.Errorf("the %s pid file %s is left after stop", f, path)
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestFatalChildStopsDaemon: a child that exits with keepalived's fatal
// status (here the checker child, asked for kernel IPVS on a kernel
// without it) stops the whole daemon, with keepalived's line, instead of
// being respawned.
func TestFatalChildStopsDaemon(t *testing.T) {
	if _, err := os.Stat("/proc/net/ip_vs"); err == nil {
		t.Skip("this kernel has IPVS: the checker child would start")
	}
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	a.parentMode = true
	a.start(ourBinary(t), fmt.Sprintf(confV2PASS, "a", "MASTER", 150)+`
global_defs {
    lvs_dataplane ipvs
}
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.0.2.50 80 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
`)
	done := make(chan error, 1)
	go func() { done <- a.cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the daemon still runs 15 s after its checker child failed fatally")
	}
	a.cmd = nil
	if err == nil {
		t.Error("the daemon exited 0 after a fatal child error")
	}
	if !a.out.contains("Keepalived_healthcheckers exited with permanent error FATAL. Terminating") {
		t.Error("no keepalived line for the fatal child exit")
	}
	if n := strings.Count(a.out.String(), "Starting Healthcheck child process"); n != 1 {
		t.Errorf("the checker child was started %d times, want once", n)
	}
	if a.hasAddr("192.0.2.100") {
		t.Error("the VIP is left after the daemon stopped")
	}
}
