package lvs

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/keepalived-go/keepalived/internal/config"
)

// parse builds a config from src, failing on errors.
func parse(t testing.TB, src string) *config.Config {
	t.Helper()
	cfg, diags := config.Parse("test.conf", []byte(src), config.Options{})
	for _, d := range diags {
		if d.Severity >= config.Error && !strings.Contains(d.Msg, "SECURITY") {
			t.Fatalf("config: %s", d)
		}
	}
	return cfg
}

func msgs(ev []Event) []string {
	var out []string
	for _, e := range ev {
		if e.Kind == Log {
			out = append(out, e.Msg)
		}
	}
	return out
}

func key(s string) DestKey {
	ap := netip.MustParseAddrPort(s)
	return DestKey{Addr: ap.Addr(), Port: ap.Port()}
}

const twoRS = `
virtual_server 192.0.2.100 80 {
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  %s
  real_server 192.0.2.11 80 {
    weight 1
    %s
    TCP_CHECK { connect_timeout 1 }
  }
  real_server 192.0.2.12 80 {
    weight 2
    %s
    TCP_CHECK { connect_timeout 1 }
  }
}
`

func cfgTwo(t *testing.T, vsExtra, rsExtra string) *config.Config {
	t.Helper()
	s := strings.Replace(twoRS, "%s", vsExtra, 1)
	return parse(t, strings.ReplaceAll(s, "%s", rsExtra))
}

func vsID(m *Model) VSID { return m.vss[0].id }

func TestRemoveAndAddRealServer(t *testing.T) {
	m, ev := New(cfgTwo(t, "", ""), nil)
	if len(ev) != 0 {
		t.Fatalf("start events = %q, want none", msgs(ev))
	}
	want := `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.0.2.100:80 rr
  -> 192.0.2.11:80                Masq    1      0          0         
  -> 192.0.2.12:80                Masq    2      0          0         
`
	if got := RenderString(m.Desired(), Plain); got != want {
		t.Fatalf("desired:\n%s\nwant:\n%s", got, want)
	}
	ev, err := m.SetAlive(vsID(m), key("192.0.2.11:80"), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := msgs(ev); len(got) != 1 || got[0] != "Removing service [192.0.2.11]:tcp:80 from VS [192.0.2.100]:tcp:80" {
		t.Errorf("down: %q", got)
	}
	// The log line names its real server, for the structured fields.
	if vs, rs := m.Names(ev[0].VS, ev[0].RS); vs != "[192.0.2.100]:tcp:80" || rs != "[192.0.2.11]:tcp:80" {
		t.Errorf("the down line's names are %q %q", vs, rs)
	}
	if d := m.Desired()[0].Dests; len(d) != 1 || d[0].Key != key("192.0.2.12:80") {
		t.Errorf("after down: dests %v", d)
	}
	ev, _ = m.SetAlive(vsID(m), key("192.0.2.11:80"), true)
	if got := msgs(ev); len(got) != 1 || got[0] != "Adding service [192.0.2.11]:tcp:80 to VS [192.0.2.100]:tcp:80" {
		t.Errorf("up: %q", got)
	}
	if ev, _ := m.SetAlive(vsID(m), key("192.0.2.11:80"), true); len(ev) != 0 {
		t.Errorf("repeated up gave %q", msgs(ev))
	}
	if _, err := m.SetAlive(vsID(m), key("192.0.2.99:80"), true); err == nil {
		t.Error("unknown real server accepted")
	}
	if vs, rs := m.Names(vsID(m), key("192.0.2.99:80")); vs != "[192.0.2.100]:tcp:80" || rs != "" {
		t.Errorf("names of an unknown real server: %q %q", vs, rs)
	}
}

func TestInhibitOnFailureKeepsWeightZero(t *testing.T) {
	m, _ := New(cfgTwo(t, "", "inhibit_on_failure"), nil)
	ev, _ := m.SetAlive(vsID(m), key("192.0.2.11:80"), false)
	if got := msgs(ev); len(got) != 1 || got[0] != "Disabling service [192.0.2.11]:tcp:80 of VS [192.0.2.100]:tcp:80" {
		t.Errorf("down: %q", got)
	}
	d := m.Desired()[0].Dests
	if len(d) != 2 || d[0].Weight != 0 || d[1].Weight != 2 {
		t.Errorf("dests %+v, want .11 at 0 and .12 at 2", d)
	}
	ev, _ = m.SetAlive(vsID(m), key("192.0.2.11:80"), true)
	if got := msgs(ev); len(got) != 1 || got[0] != "Enabling service [192.0.2.11]:tcp:80 of VS [192.0.2.100]:tcp:80" {
		t.Errorf("up: %q", got)
	}
}

func TestAlphaStartsDown(t *testing.T) {
	m, _ := New(cfgTwo(t, "alpha", ""), nil)
	if d := m.Desired()[0].Dests; len(d) != 0 {
		t.Errorf("alpha: dests %v, want none until checks pass", d)
	}
	m.SetAlive(vsID(m), key("192.0.2.12:80"), true)
	if d := m.Desired()[0].Dests; len(d) != 1 {
		t.Errorf("after up: dests %v", d)
	}
}

func TestQuorumAndSorryServer(t *testing.T) {
	m, ev := New(cfgTwo(t, "quorum 2\n  sorry_server 192.0.2.50 80\n  quorum_up /bin/up\n  quorum_down /bin/down", ""), nil)
	if len(ev) != 0 {
		t.Fatalf("start: %q", msgs(ev))
	}
	id := vsID(m)
	ev, _ = m.SetAlive(id, key("192.0.2.12:80"), false) // 1 < 2
	wantMsgs := []string{
		"Removing service [192.0.2.12]:tcp:80 from VS [192.0.2.100]:tcp:80",
		"Lost quorum 2-0=2 > 1 for VS [192.0.2.100]:tcp:80",
		"Adding sorry server [192.0.2.50]:tcp:80 to VS [192.0.2.100]:tcp:80",
		"Removing alive servers from the pool for VS [192.0.2.100]:tcp:80",
	}
	if got := msgs(ev); strings.Join(got, "\n") != strings.Join(wantMsgs, "\n") {
		t.Errorf("lost quorum:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantMsgs, "\n"))
	}
	if k := ev[len(ev)-1]; k.Kind != QuorumDown || k.Script == nil || k.Script.Args[0] != "/bin/down" {
		t.Errorf("last event %+v, want quorum down with /bin/down", k)
	}
	d := m.Desired()[0].Dests
	if len(d) != 1 || d[0].Key != key("192.0.2.50:80") || d[0].Weight != 1 {
		t.Errorf("sorry: dests %+v", d)
	}
	ev, _ = m.SetAlive(id, key("192.0.2.12:80"), true)
	wantMsgs = []string{
		"Adding service [192.0.2.12]:tcp:80 to VS [192.0.2.100]:tcp:80",
		"Gained quorum 2+0=2 <= 3 for VS [192.0.2.100]:tcp:80",
		"Removing sorry server [192.0.2.50]:tcp:80 from VS [192.0.2.100]:tcp:80",
		"Adding alive servers to the pool for VS [192.0.2.100]:tcp:80",
	}
	if got := msgs(ev); strings.Join(got, "\n") != strings.Join(wantMsgs, "\n") {
		t.Errorf("gained quorum:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantMsgs, "\n"))
	}
	if d := m.Desired()[0].Dests; len(d) != 2 {
		t.Errorf("after gain: %v", d)
	}
}

func TestLostQuorumWording(t *testing.T) {
	m, _ := New(cfgTwo(t, "", ""), nil)
	id := vsID(m)
	m.SetAlive(id, key("192.0.2.11:80"), false)
	ev, _ := m.SetAlive(id, key("192.0.2.12:80"), false)
	got := msgs(ev)
	if len(got) != 2 || got[1] != "Lost quorum 1-0=1 > 0 for VS [192.0.2.100]:tcp:80" {
		t.Errorf("got %q", got)
	}
}

// TestHysteresis walks the live weight up and down and checks when the
// quorum flips: gained at quorum+hysteresis, lost below quorum-hysteresis.
func TestHysteresis(t *testing.T) {
	cfg := parse(t, `
virtual_server 192.0.2.100 80 {
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  quorum 3
  hysteresis 1
  real_server 192.0.2.11 80 { weight 1
    TCP_CHECK { } }
  real_server 192.0.2.12 80 { weight 1
    TCP_CHECK { } }
  real_server 192.0.2.13 80 { weight 1
    TCP_CHECK { } }
  real_server 192.0.2.14 80 { weight 1
    TCP_CHECK { } }
}`)
	m, _ := New(cfg, nil)
	id := vsID(m)
	if !m.vss[0].quorumUp {
		t.Fatal("4 >= 3+1: quorum should start up")
	}
	steps := []struct {
		rs   string
		up   bool
		want bool
	}{
		{"192.0.2.11:80", false, true},  // 3 >= 2
		{"192.0.2.12:80", false, true},  // 2 >= 2
		{"192.0.2.13:80", false, false}, // 1 < 2: lost
		{"192.0.2.13:80", true, false},  // 2 < 4
		{"192.0.2.12:80", true, false},  // 3 < 4
		{"192.0.2.11:80", true, true},   // 4 >= 4: gained
	}
	for i, s := range steps {
		if _, err := m.SetAlive(id, key(s.rs), s.up); err != nil {
			t.Fatal(err)
		}
		if got := m.Status()[0].QuorumUp; got != s.want {
			t.Errorf("step %d (%s up=%v): quorum up = %v, want %v", i, s.rs, s.up, got, s.want)
		}
	}
}

func TestWeightChange(t *testing.T) {
	m, _ := New(cfgTwo(t, "", ""), nil)
	id := vsID(m)
	ev, _ := m.SetWeight(id, key("192.0.2.12:80"), 7)
	if got := msgs(ev); len(got) != 1 || got[0] != "Changing weight from 2 to 7 for active service [192.0.2.12]:tcp:80 of VS [192.0.2.100]:tcp:80" {
		t.Errorf("got %q", got)
	}
	if w := m.Desired()[0].Dests[1].Weight; w != 7 {
		t.Errorf("weight %d, want 7", w)
	}
	if ev, _ := m.SetWeight(id, key("192.0.2.12:80"), 7); len(ev) != 0 {
		t.Errorf("same weight: %q", msgs(ev))
	}
}

func TestGroupAndFwmark(t *testing.T) {
	cfg := parse(t, `
virtual_server_group web {
  192.0.2.100-102 80
  fwmark 7
}
virtual_server group web {
  lvs_sched sh
  sh-port
  lvs_method DR
  protocol TCP
  persistence_timeout 60
  persistence_granularity 255.255.255.0
  real_server 198.51.100.11 80 { weight 3 }
}
virtual_server fwmark 9 {
  lvs_sched wrr
  lvs_method DR
  real_server 198.51.100.12 { weight 1 }
}`)
	m, _ := New(cfg, nil)
	want := `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.0.2.100:80 sh (sh-port) persistent 60 mask 255.255.255.0
  -> 198.51.100.11:80             Route   3      0          0         
TCP  192.0.2.101:80 sh (sh-port) persistent 60 mask 255.255.255.0
  -> 198.51.100.11:80             Route   3      0          0         
TCP  192.0.2.102:80 sh (sh-port) persistent 60 mask 255.255.255.0
  -> 198.51.100.11:80             Route   3      0          0         
FWM  7 sh (sh-port) persistent 60 mask 255.255.255.0
  -> 198.51.100.11:80             Route   3      0          0         
FWM  9 wrr
  -> 198.51.100.12:0              Route   1      0          0         
`
	if got := RenderString(m.Desired(), Plain); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	ids := IDs(cfg.VirtualServers)
	ev, _ := m.SetAlive(ids[0], key("198.51.100.11:80"), false)
	if got := msgs(ev); len(got) < 1 || got[0] != "Removing service [198.51.100.11]:tcp:80 from VS [web]:0" {
		t.Errorf("group message %q", got)
	}
	for _, s := range m.Desired()[:4] {
		if len(s.Dests) != 0 {
			t.Errorf("%s still has %v", s.Key, s.Dests)
		}
	}
}

func TestReloadKeepsState(t *testing.T) {
	cfg := cfgTwo(t, "", "")
	m, _ := New(cfg, nil)
	m.SetAlive(vsID(m), key("192.0.2.11:80"), false)
	m2, ev := New(cfgTwo(t, "", ""), m)
	if len(ev) != 0 {
		t.Errorf("reload events %q", msgs(ev))
	}
	if d := m2.Desired()[0].Dests; len(d) != 1 {
		t.Errorf("reload re-added a failed server: %v", d)
	}
}
