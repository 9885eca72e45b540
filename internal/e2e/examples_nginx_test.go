package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startInPIDNS runs our daemon (-P) for n with conf inside a PID
// namespace of its own, with its own /proc: "pidof nginx" in its
// vrrp_script then sees only this director's nginx, as on a real host,
// although all the lab's namespaces share the host's processes. It
// returns the daemon's pid as the host sees it (for nsenter).
func startInPIDNS(t *testing.T, n *node, bin, conf string) int {
	t.Helper()
	file := filepath.Join(n.dir, "keepalived.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	n.cmd = n.ns.Command("unshare", "--pid", "--fork", "--mount-proc",
		bin, "-P", "-n", "-l", "-D", "-f", file,
		"-p", filepath.Join(n.dir, "keepalived.pid"),
		"-r", filepath.Join(n.dir, "vrrp.pid"),
		"-c", filepath.Join(n.dir, "checkers.pid"))
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	waitFor(t, 5*time.Second, n.name+"'s daemon in its PID namespace", func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", n.cmd.Process.Pid, n.cmd.Process.Pid))
		if err != nil {
			return false
		}
		_, err = fmt.Sscan(string(b), &pid)
		return err == nil
	})
	return pid
}

// nginxIn runs argv (an nginx command) inside the PID, mount and
// network namespaces of the process pid.
func nginxIn(t *testing.T, pid int, argv ...string) {
	t.Helper()
	full := append([]string{"nsenter", "-t", fmt.Sprint(pid), "-p", "-m", "-n"}, argv...)
	if out, err := exec.Command(full[0], full[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(full, " "), err, out)
	}
}

// nginxConf is a minimal nginx serving a page naming the director on
// port 80, with every file under dir.
func nginxConf(t *testing.T, dir, name string) string {
	t.Helper()
	conf := filepath.Join(dir, "nginx.conf")
	body := fmt.Sprintf(`daemon on;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen 80;
        location / { return 200 "%[2]s\n"; }
    }
}
`, dir, name)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

// TestVRRPNginxExample runs examples/vrrp-nginx with a real nginx on
// each director: the client reaches lb1's nginx through the VIP; killing
// lb1's nginx makes "pidof nginx" fail there, lb1's priority drops below
// lb2's and the VIP (and the client) moves to lb2; nginx started again
// brings it back.
func TestVRRPNginxExample(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/nginx"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nginx is not installed (apt-get install nginx)")
		}
		t.Skip("nginx is not installed")
	}
	bin := ourBinary(t)
	l := newLab(t)
	a := l.node("lb1", "192.0.2.1", "")
	b := l.node("lb2", "192.0.2.2", "")
	client := l.node("client", "192.0.2.10", "")
	pids := map[*node]int{}
	for _, n := range []*node{a, b} {
		conf, err := os.ReadFile(filepath.Join("../../examples/vrrp-nginx", n.name+".conf"))
		if err != nil {
			t.Fatal(err)
		}
		pids[n] = startInPIDNS(t, n, bin, string(conf))
		nginxIn(t, pids[n], "/usr/sbin/nginx", "-c", nginxConf(t, n.dir, n.name))
	}
	page := func() string {
		out, err := client.ns.Command("curl", "-s", "--max-time", "2", "http://192.0.2.100/").Output()
		if err != nil {
			return "-"
		}
		return strings.TrimSpace(string(out))
	}
	waitHolder(t, 15*time.Second, "192.0.2.100", a, a, b)
	waitFor(t, 5*time.Second, "lb1's nginx through the VIP", func() bool { return page() == "lb1" })

	// kill -9 of every nginx process of lb1 (master and worker).
	nginxIn(t, pids[a], "/usr/bin/killall", "-9", "nginx")
	waitHolder(t, 15*time.Second, "192.0.2.100", b, a, b)
	waitFor(t, 5*time.Second, "lb2's nginx through the VIP", func() bool { return page() == "lb2" })
	if !a.out.contains("Changing effective priority from 150 to 90") {
		t.Errorf("lb1 did not log its priority change")
	}

	// nginx back on lb1 (its pid file is stale after the kill): lb1
	// returns to 150 and preempts.
	if err := os.Remove(filepath.Join(a.dir, "nginx.pid")); err != nil {
		t.Fatal(err)
	}
	nginxIn(t, pids[a], "/usr/sbin/nginx", "-c", filepath.Join(a.dir, "nginx.conf"))
	waitHolder(t, 15*time.Second, "192.0.2.100", a, a, b)
	waitFor(t, 5*time.Second, "lb1's nginx through the VIP again", func() bool { return page() == "lb1" })
}
