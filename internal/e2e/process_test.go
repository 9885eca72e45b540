package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func pidFrom(t *testing.T, path string) int {
	t.Helper()
	var pid int
	waitFor(t, 10*time.Second, "pid file "+path, func() bool {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	})
	return pid
}

// TestParentAndChildren: without -P/-C the daemon is a parent with a VRRP
// child. A child killed with SIGKILL is respawned and the VIP comes back;
// a parent killed with SIGKILL takes its child down gracefully (the VIP
// is released), as keepalived's children do.
func TestParentAndChildren(t *testing.T) {
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	a.parentMode = true
	logFile := filepath.Join(a.dir, "k.log")
	a.start(ourBinary(t), `global_defs {
    router_id a
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 255
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`, "-g"+logFile)
	waitFor(t, 10*time.Second, "the VIP", func() bool { return a.hasAddr("192.0.2.100") })
	if !a.out.contains("Starting VRRP child process, pid=") {
		t.Fatalf("the parent did not log its child")
	}
	// -g: the parent's log file and the VRRP child's (keepalived_vrrp
	// style name beside it).
	if !fileContains(logFile, "Starting VRRP child process") || !fileContains(filepath.Join(a.dir, "k_vrrp.log"), "(VI_1) Entering MASTER STATE") {
		t.Errorf("-g log files: parent %q, child %q", readFile(logFile), readFile(filepath.Join(a.dir, "k_vrrp.log")))
	}
	child := pidFrom(t, a.dir+"/vrrp.pid")
	if child == a.cmd.Process.Pid {
		t.Fatal("vrrp.pid holds the parent's pid")
	}
	if err := syscall.Kill(child, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The parent removes the dead child's VIP at once (keepalived leaves
	// it until the new child starts).
	waitFor(t, 2*time.Second, "the parent to remove the dead child's VIP", func() bool {
		return !a.hasAddr("192.0.2.100") || a.out.contains("left by the dead VRRP child")
	})
	if !a.out.contains("(VI_1) removed 192.0.2.100/24 left by the dead VRRP child") {
		t.Errorf("the parent did not remove the VIP of its dead child")
	}
	waitFor(t, 10*time.Second, "the respawn", func() bool {
		return a.out.contains("VRRP child process(" + strconv.Itoa(child) + ") died: Respawning")
	})
	waitFor(t, 10*time.Second, "a new child", func() bool {
		b, _ := os.ReadFile(a.dir + "/vrrp.pid")
		p, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return p > 0 && p != child
	})
	waitFor(t, 10*time.Second, "the VIP again", func() bool { return a.hasAddr("192.0.2.100") })

	// The parent dies: the child stops gracefully and releases the VIP.
	newChild := pidFrom(t, a.dir+"/vrrp.pid")
	if err := syscall.Kill(a.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the child to stop and release the VIP", func() bool {
		return !a.hasAddr("192.0.2.100") && syscall.Kill(newChild, 0) != nil
	})
}

// TestSystemdNotify: with NOTIFY_SOCKET (Type=notify) the daemon says
// READY=1 once started, RELOADING=1 then READY=1 around a reload, and
// STOPPING=1 at stop.
func TestSystemdNotify(t *testing.T) {
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	a.parentMode = true
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msgs := make(chan string, 16)
	go func() {
		b := make([]byte, 512)
		for {
			n, err := conn.Read(b)
			if err != nil {
				return
			}
			msgs <- string(b[:n])
		}
	}()
	next := func(want string) {
		t.Helper()
		select {
		case m := <-msgs:
			if m != want {
				t.Fatalf("systemd got %q, want %q", m, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("systemd never got %q", want)
		}
	}
	a.env = []string{"NOTIFY_SOCKET=" + sock}
	a.start(ourBinary(t), fmt.Sprintf(confV2PASS, "a", "MASTER", 150))
	next("READY=1")
	if err := a.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	next("RELOADING=1")
	next("READY=1")
	a.stop()
	next("STOPPING=1")
}

// TestReload: keepalivedctl reload with an unchanged configuration moves
// nothing; a broken one is refused, logged with FILE:LINE, and the old
// one keeps running; a lower priority takes effect in place.
func TestReload(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	ctl := filepath.Join(t.TempDir(), "keepalivedctl")
	if out, err := exec.Command("go", "build", "-o", ctl, "../../cmd/keepalivedctl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	checkLog := filepath.Join(a.dir, "reload-check.log")
	confA := fmt.Sprintf(confV2PASS, "a", "MASTER", 150) + "global_defs {\n    reload_check_config " + checkLog + "\n}\n"
	a.start(bin, confA)
	b.start(bin, fmt.Sprintf(confV2PASS, "b", "BACKUP", 100))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)
	reload := func(conf string) (string, error) {
		if err := os.WriteFile(filepath.Join(a.dir, "keepalived.conf"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ctl, "reload", "--socket", filepath.Join(a.dir, "keepalived.ctl")).CombinedOutput()
		return string(out), err
	}
	entries := strings.Count(a.out.String(), "Entering")
	garps := strings.Count(a.out.String(), "Sending/queueing gratuitous")
	if out, err := reload(confA); err != nil || !strings.Contains(out, "reloaded") {
		t.Fatalf("reload of the same configuration: %v\n%s", err, out)
	}
	time.Sleep(2 * time.Second)
	if n := strings.Count(a.out.String(), "Entering"); n != entries {
		t.Errorf("an unchanged reload made %d transitions", n-entries)
	}
	if n := strings.Count(a.out.String(), "Sending/queueing gratuitous"); n != garps {
		t.Errorf("an unchanged reload sent gratuitous ARPs")
	}

	broken := strings.Replace(confA, "virtual_router_id 51", "virtual_router_id 999", 1)
	out, err := reload(broken)
	if err == nil {
		t.Fatalf("a broken configuration was accepted:\n%s", out)
	}
	if !strings.Contains(out, "the running configuration is kept") {
		t.Errorf("keepalivedctl reload did not say why:\n%s", out)
	}
	problem := filepath.Join(a.dir, "keepalived.conf") + ":8: number '999' outside range [1, 255]"
	if !a.out.contains(problem) {
		t.Errorf("the daemon did not log the problem with FILE:LINE")
	}
	// reload_check_config LOGFILE holds the refused reload's check.
	if got := readFile(checkLog); !strings.Contains(got, problem) || !strings.Contains(got, "Reload refused") {
		t.Errorf("reload_check_config's file:\n%s", got)
	}
	time.Sleep(2 * time.Second)
	if h := holders("192.0.2.100", a, b); len(h) != 1 || h[0] != "a" {
		t.Fatalf("after a refused reload the VIP is held by %v, want [a]", h)
	}

	if out, err := reload(strings.Replace(confA, "priority 150", "priority 90", 1)); err != nil {
		t.Fatalf("reload with priority 90: %v\n%s", err, out)
	}
	waitHolder(t, 10*time.Second, "192.0.2.100", b, a, b)
}

// TestCheckerChildCrashLeavesVRRPAlone: kill -9 of the checker child is
// respawned by the parent while the VRRP child keeps the VIP with no
// transition: a bug in a checker never moves a VIP.
func TestCheckerChildCrashLeavesVRRPAlone(t *testing.T) {
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	a.parentMode = true
	a.start(ourBinary(t), fmt.Sprintf(confV2PASS, "a", "MASTER", 150)+`
global_defs {
    lvs_dataplane nftables
    state_dump_file `+a.dir+`/k.data
    stats_dump_file `+a.dir+`/k.stats
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
	waitFor(t, 10*time.Second, "the VIP", func() bool { return a.hasAddr("192.0.2.100") })
	// SIGUSR1 to the parent: each process writes its own data file, as
	// keepalived's (k.data, k_check.data, k_parent.data); SIGUSR2's stats
	// come from the VRRP child alone (the checker does not overwrite
	// them with an empty file).
	for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR2} {
		if err := a.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 5*time.Second, "the dump files of every process", func() bool {
		return fileContains(a.dir+"/k.data", "VRRP Instance = VI_1") &&
			fileContains(a.dir+"/k_check.data", "VIP = [192.0.2.100]:tcp:80") &&
			fileContains(a.dir+"/k_check.data", "RIP = [192.0.2.50]:tcp:80") &&
			fileContains(a.dir+"/k_parent.data", "VRRP child pid = ") &&
			fileContains(a.dir+"/k.stats", "VRRP Instance: VI_1")
	})
	time.Sleep(500 * time.Millisecond)
	if !fileContains(a.dir+"/k.stats", "VRRP Instance: VI_1") {
		t.Errorf("keepalived.stats lost VI_1 after the dump:\n%s", readFile(a.dir+"/k.stats"))
	}
	checker := pidFrom(t, a.dir+"/checkers.pid")
	entries := strings.Count(a.out.String(), "Entering")
	if err := syscall.Kill(checker, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the checker's respawn", func() bool {
		return a.out.contains("Healthcheck child process(" + strconv.Itoa(checker) + ") died: Respawning")
	})
	waitFor(t, 10*time.Second, "a new checker child", func() bool {
		b, _ := os.ReadFile(a.dir + "/checkers.pid")
		p, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return p > 0 && p != checker
	})
	for range 20 {
		if !a.hasAddr("192.0.2.100") {
			t.Fatal("the VIP left while the checker child restarted")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := strings.Count(a.out.String(), "Entering"); n != entries {
		t.Errorf("VRRP made %d transitions while the checker child restarted", n-entries)
	}
}

// TestScriptSecurityAndStartup: with enable_script_security a notify
// script in a world-writable directory is refused with keepalived's
// line and never runs; startup_script and shutdown_script run around the
// daemon's life.
func TestScriptSecurityAndStartup(t *testing.T) {
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	unsafe := filepath.Join(a.dir, "unsafe")
	if err := os.Mkdir(unsafe, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(unsafe, 0o777); err != nil {
		t.Fatal(err)
	}
	writeScript(t, unsafe+"/notify", "#!/bin/sh\ntouch "+a.dir+"/unsafe-ran\n")
	writeScript(t, a.dir+"/up", "#!/bin/sh\ntouch "+a.dir+"/started\n")
	writeScript(t, a.dir+"/down", "#!/bin/sh\ntouch "+a.dir+"/stopped\n")
	conf := fmt.Sprintf(`global_defs {
    enable_script_security
    script_user root
    startup_script %[1]s/up
    shutdown_script %[1]s/down
}
`, a.dir) + strings.Replace(fmt.Sprintf(confV2PASS, "a", "MASTER", 150), "    advert_int 1\n", "    advert_int 1\n    notify "+unsafe+"/notify\n", 1)
	a.start(ourBinary(t), conf)
	waitFor(t, 10*time.Second, "the VIP", func() bool { return a.hasAddr("192.0.2.100") })
	if !a.out.contains("Unsafe permissions found for script '" + unsafe + "/notify' - disabling.") {
		t.Errorf("the insecure script was not refused with keepalived's line")
	}
	if _, err := os.Stat(a.dir + "/started"); err != nil {
		t.Errorf("startup_script did not run: %v", err)
	}
	a.stop()
	if _, err := os.Stat(a.dir + "/stopped"); err != nil {
		t.Errorf("shutdown_script did not run: %v", err)
	}
	if _, err := os.Stat(a.dir + "/unsafe-ran"); err == nil {
		t.Errorf("the insecure notify script ran")
	}
}

// TestReloadStartsMissingChild: a parent started with no VRRP instance
// starts its VRRP child when a reload brings one.
func TestReloadStartsMissingChild(t *testing.T) {
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	a.parentMode = true
	a.start(ourBinary(t), "global_defs {\n    router_id a\n}\n")
	waitFor(t, 10*time.Second, "the parent", func() bool { return a.out.contains("Startup complete") })
	if err := os.WriteFile(filepath.Join(a.dir, "keepalived.conf"), []byte(fmt.Sprintf(confV2PASS, "a", "MASTER", 150)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := a.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the VRRP child and the VIP", func() bool {
		return a.out.contains("Starting VRRP child process, pid=") && a.hasAddr("192.0.2.100")
	})
}
