package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// realserverSysctls are what realserver up sets for dev lo.
var realserverSysctls = []string{
	"net.ipv4.conf.all.arp_ignore", "net.ipv4.conf.all.arp_announce",
	"net.ipv4.conf.lo.arp_ignore", "net.ipv4.conf.lo.arp_announce",
	"net.ipv4.conf.eth0.arp_ignore",
}

// hostView is what the namespace has: its sysctls and lo's addresses, as
// sysctl(8) and ip(8) show them.
func hostView(t *testing.T, ns *netnstest.NS) (sysctls map[string]string, addrs []string) {
	t.Helper()
	sysctls = map[string]string{}
	for _, name := range realserverSysctls {
		path := "/proc/sys/" + strings.ReplaceAll(name, ".", "/")
		sysctls[name] = strings.TrimSpace(ns.Exec("cat", path))
	}
	var links []struct {
		AddrInfo []struct {
			Local     string `json:"local"`
			PrefixLen int    `json:"prefixlen"`
		} `json:"addr_info"`
	}
	if err := json.Unmarshal([]byte(ns.IP("-j", "addr", "show", "dev", "lo")), &links); err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		for _, a := range l.AddrInfo {
			addrs = append(addrs, a.Local+"/"+strconv.Itoa(a.PrefixLen))
		}
	}
	return sysctls, addrs
}

// ctlIn runs keepalivedctl ARGS inside ns and returns its exit status and
// output.
func ctlIn(t *testing.T, ns *netnstest.NS, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	var code int
	if err := ns.Do(func() error {
		code = RunKeepalivedctl(context.Background(), args, &stdout, &stderr)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// TestIntegrationRealServer runs realserver up, up, down in a namespace
// and checks the sysctls and addresses after each step: up sets them,
// the second up changes nothing, down puts back what was there before.
func TestIntegrationRealServer(t *testing.T) {
	ns := netnstest.New(t, "rs")
	ns.IP("link", "add", "eth0", "type", "veth", "peer", "name", "eth1")
	// Not the kernel's default, so that down is seen to restore rather
	// than write 0 as lvs_dr_rs.sh does.
	ns.Exec("sh", "-c", "echo 1 > /proc/sys/net/ipv4/conf/lo/arp_announce")
	state := t.TempDir()
	stateFile := filepath.Join(state, "realserver-lo.json")
	beforeSys, beforeAddrs := hostView(t, ns)
	if beforeSys["net.ipv4.conf.lo.arp_announce"] != "1" {
		t.Fatalf("setup: lo.arp_announce = %s", beforeSys["net.ipv4.conf.lo.arp_announce"])
	}

	up := []string{"realserver", "up", "--vip", "192.0.2.100", "--state-dir", state}
	code, out, errOut := ctlIn(t, ns, up...)
	if code != 0 {
		t.Fatalf("up: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "add 192.0.2.100/32 to lo") || !strings.Contains(out, "set net.ipv4.conf.all.arp_ignore = 1") {
		t.Errorf("up printed:\n%s", out)
	}
	sys, addrs := hostView(t, ns)
	want := map[string]string{
		"net.ipv4.conf.all.arp_ignore": "1", "net.ipv4.conf.all.arp_announce": "2",
		"net.ipv4.conf.lo.arp_ignore": "1", "net.ipv4.conf.lo.arp_announce": "2",
		// Another interface is left alone.
		"net.ipv4.conf.eth0.arp_ignore": beforeSys["net.ipv4.conf.eth0.arp_ignore"],
	}
	for k, v := range want {
		if sys[k] != v {
			t.Errorf("after up: %s = %s, want %s", k, sys[k], v)
		}
	}
	if !slices.Contains(addrs, "192.0.2.100/32") {
		t.Errorf("after up: lo has %v, want 192.0.2.100/32", addrs)
	}
	saved, err := os.ReadFile(stateFile)
	if err != nil {
		t.Fatalf("no state file after up: %v", err)
	}

	code, out, errOut = ctlIn(t, ns, append(up, "--json")...)
	if code != 0 {
		t.Fatalf("second up: exit %d: %s", code, errOut)
	}
	var rep realserverReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Changes) != 0 || rep.Dev != "lo" || rep.VIP.String() != "192.0.2.100/32" {
		t.Errorf("second up: %v: %s", err, out)
	}
	sys2, addrs2 := hostView(t, ns)
	if !maps.Equal(sys, sys2) || strings.Join(addrs, " ") != strings.Join(addrs2, " ") {
		t.Errorf("second up changed the host: %v %v, was %v %v", sys2, addrs2, sys, addrs)
	}
	if again, _ := os.ReadFile(stateFile); !bytes.Equal(again, saved) {
		t.Errorf("second up changed the state file:\n%s\nwas\n%s", again, saved)
	}

	code, out, errOut = ctlIn(t, ns, "realserver", "down", "--vip", "192.0.2.100/32", "--state-dir", state)
	if code != 0 {
		t.Fatalf("down: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "remove 192.0.2.100/32 from lo") || !strings.Contains(out, "set net.ipv4.conf.lo.arp_announce = 1 (was 2)") {
		t.Errorf("down printed:\n%s", out)
	}
	afterSys, afterAddrs := hostView(t, ns)
	if !maps.Equal(beforeSys, afterSys) {
		t.Errorf("after down sysctls are %v, want %v as before up", afterSys, beforeSys)
	}
	if strings.Join(beforeAddrs, " ") != strings.Join(afterAddrs, " ") {
		t.Errorf("after down lo has %v, want %v as before up", afterAddrs, beforeAddrs)
	}
	if _, err := os.Stat(stateFile); !os.IsNotExist(err) {
		t.Errorf("state file still there after down: %v", err)
	}

	// An IPv6 VIP needs no ARP settings; a missing device is named.
	code, out, errOut = ctlIn(t, ns, "realserver", "up", "--vip", "2001:db8::100", "--state-dir", state)
	if code != 0 || strings.TrimSpace(out) != "add 2001:db8::100/128 to lo" {
		t.Errorf("up IPv6: exit %d: %s%s", code, out, errOut)
	}
	if a := ns.IP("-6", "addr", "show", "dev", "lo"); !strings.Contains(a, "2001:db8::100/128") {
		t.Errorf("after up IPv6: lo has\n%s", a)
	}
	if code, _, errOut = ctlIn(t, ns, "realserver", "down", "--vip", "2001:db8::100", "--state-dir", state); code != 0 {
		t.Errorf("down IPv6: exit %d: %s", code, errOut)
	}
	if a := ns.IP("-6", "addr", "show", "dev", "lo"); strings.Contains(a, "2001:db8::100") {
		t.Errorf("after down IPv6: lo has\n%s", a)
	}
	code, _, errOut = ctlIn(t, ns, "realserver", "up", "--vip", "192.0.2.100", "--dev", "eth9", "--state-dir", state)
	if code != 1 || !strings.Contains(errOut, "interface eth9: no such interface") {
		t.Errorf("missing device: exit %d: %s", code, errOut)
	}
}
