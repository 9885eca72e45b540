package config

import (
	"strings"
	"testing"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// vrrpParseString parses src with the golden tests' options.
func vrrpParseString(t *testing.T, src string) (*Config, Diagnostics) {
	t.Helper()
	return Parse("t.conf", []byte(src), goldenOptions())
}

// vrrpInstanceConf is a minimal valid instance with extra lines.
func vrrpInstanceConf(extra string) string {
	return "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.100/24\n }\n" + extra + "\n}\n"
}

func vrrpHasMessage(ds Diagnostics, msg string) bool {
	for _, d := range ds {
		if strings.Contains(d.Msg, msg) {
			return true
		}
	}
	return false
}

func TestVRRPAdvertInt(t *testing.T) {
	for _, c := range []struct {
		extra string
		want  Duration
		msg   string
	}{
		{"", Second, ""},
		{"advert_int 3", 3 * Second, ""},
		{"advert_int 1.5", 2 * Second, "(VI_1) VRRPv2 advertisement interval 1.500000s must be an integer. rounding"},
		{"advert_int 1.4", Second, "must be an integer. rounding"},
		{"advert_int 0.3", Second, "must be an integer. rounding"},
		{"version 3\n advert_int 0.015", 20 * Millisecond, "(VI_1) VRRPv3 advertisement interval 0.015000s must be in units of 10ms - rounding"},
		{"version 3\n advert_int 0.014", 10 * Millisecond, "must be in units of 10ms - rounding"},
		{"version 3\n advert_int 0.25", 250 * Millisecond, ""},
		{"version 3\n advert_int 50", 40950 * Millisecond, "(VI_1) VRRPv3 advertisement interval 50.00s is out of range. Must be less than 40.96s. Setting to 40.95s"},
		{"advert_int 0", Second, "(VI_1) Advert interval (0) not valid! Must be > 0 - ignoring"},
		{"advert_int 256", Second, "number '256' outside range [0.010000, 255.000000]"},
	} {
		cfg, ds := vrrpParseString(t, vrrpInstanceConf(c.extra))
		v := cfg.Instances[0]
		if v.AdvertInt != c.want {
			t.Errorf("%q: advert_int %v, want %v", c.extra, v.AdvertInt, c.want)
		}
		if c.msg != "" && !vrrpHasMessage(ds, c.msg) {
			t.Errorf("%q: no problem %q in %v", c.extra, c.msg, ds)
		}
		if c.msg == "" && len(ds) > 0 {
			t.Errorf("%q: unexpected problems %v", c.extra, ds)
		}
	}
}

func TestVRRPTrackWeights(t *testing.T) {
	scripts := `vrrp_script chk { script "/bin/true"
 weight -20 reverse
}
vrrp_script chk2 { script "/bin/true"
}
`
	for _, c := range []struct {
		entry string
		want  string // track_script entry after parsing, "" = dropped
		msg   string
	}{
		{"chk", "chk weight -20 reverse", ""},
		{"chk weight 10", "chk weight 10 reverse", ""},
		{"chk weight 10 noreverse", "chk weight 10", ""},
		{"chk2 weight -10 reverse", "chk2 weight -10 reverse", ""},
		{"chk weight 254", "chk weight 253 reverse", "(VI_1) weight for chk cannot be +/-254. Setting to +/-253"},
		{"chk weight -254", "chk weight -253 reverse", "cannot be +/-254"},
		{"chk weight 300", "chk weight -20 reverse", "(VI_1) track script chk: weight must be between [-253..253] inclusive, ignoring..."},
		{"chk weight", "", "(VI_1) weight without value specified for track script chk - ignoring"},
		{"chk wait 3", "", "(VI_1) unknown track script option wait - ignoring"},
		{"chk weight 3 sideways", "chk weight 3 reverse", "(VI_1) unknown track_script chk weight option sideways - ignoring"},
		{"nope", "", "(VI_1) track script nope not found, ignoring..."},
	} {
		cfg, ds := vrrpParseString(t, scripts+vrrpInstanceConf("track_script {\n "+c.entry+"\n}"))
		got := ""
		if ts := cfg.Instances[0].TrackScripts; len(ts) > 0 {
			got = ts[0].String()
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.entry, got, c.want)
		}
		if c.msg != "" && !vrrpHasMessage(ds, c.msg) {
			t.Errorf("%q: no problem %q in %v", c.entry, c.msg, ds)
		}
	}
}

func TestVRRPTrackInterfaceWeights(t *testing.T) {
	cfg, ds := vrrpParseString(t, vrrpInstanceConf("track_interface {\n eth1 weight 254\n eth2 weight x\n eth3 weight -5 reverse\n eth1\n eth0\n}"))
	var got []string
	for _, tr := range cfg.Instances[0].TrackInterfaces {
		got = append(got, tr.String())
	}
	want := "eth1 weight 253|eth2 weight 0|eth3 weight -5 reverse"
	if strings.Join(got, "|") != want {
		t.Errorf("got %q, want %q", strings.Join(got, "|"), want)
	}
	for _, m := range []string{
		"(VI_1) weight x for eth2 must be between [-253..253] inclusive. Ignoring...",
		"(VI_1) duplicate track_interface eth1 - ignoring",
		"(VI_1) Ignoring track_interface eth0 since own interface",
	} {
		if !vrrpHasMessage(ds, m) {
			t.Errorf("no problem %q in %v", m, ds)
		}
	}
}

// TestVRRPTrackOrder checks keepalived's ordering rule: a tracked object
// must be defined before the instance that tracks it.
func TestVRRPTrackOrder(t *testing.T) {
	src := vrrpInstanceConf("track_script {\n late\n}\n track_file {\n tf\n}") + `
vrrp_script late {
 script "/bin/true"
}
track_file tf {
 file /tmp/x
}
`
	cfg, ds := vrrpParseString(t, src)
	if n := len(cfg.Instances[0].TrackScripts); n != 0 {
		t.Errorf("%d track scripts, want 0", n)
	}
	for _, m := range []string{"(VI_1) track script late not found, ignoring...", "(VI_1) track file tf not found, ignoring..."} {
		if !vrrpHasMessage(ds, m) {
			t.Errorf("no problem %q in %v", m, ds)
		}
	}
}

func TestVRRPStateAndPriority(t *testing.T) {
	for _, c := range []struct {
		extra, state string
		prio         int
	}{
		{"", "BACKUP", 100},
		{"state MASTER", "MASTER", 255},
		{"state MASTER\n priority 150", "MASTER", 150},
		{"priority 255", "MASTER", 255},
		{"state BACKUP\n priority 255", "BACKUP", 255},
		{"state FOO", "BACKUP", 100},
		{"state MASTER\n state BACKUP", "MASTER", 255},
	} {
		cfg, _ := vrrpParseString(t, vrrpInstanceConf(c.extra))
		v := cfg.Instances[0]
		if v.State != c.state || v.Priority != c.prio {
			t.Errorf("%q: state %s priority %d, want %s %d", c.extra, v.State, v.Priority, c.state, c.prio)
		}
	}
}

func TestVRRPStrictCorrections(t *testing.T) {
	cfg, ds := vrrpParseString(t, vrrpInstanceConf(`strict_mode
 state MASTER
 priority 100
 nopreempt
 preempt_delay 10
 down_timer_adverts 5
 garp_lower_prio_repeat 3
 higher_prio_send_advert
 lower_prio_no_advert false
 accept
 authentication {
  auth_type PASS
  auth_pass secret
 }`))
	v := cfg.Instances[0]
	for _, m := range []string{
		"(VI_1) State MASTER must match being address owner",
		"(VI_1) Strict mode does not support authentication. Ignoring.",
		"(VI_1) preempt_delay is incompatible with strict mode - resetting",
		"(VI_1) preempt_delay is incompatible with nopreempt mode - resetting",
		"(VI_1) down_timer_adverts is incompatible with strict mode - resetting",
		"(VI_1) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting",
		"(VI_1) Strict mode requires no repeat garps. resetting",
		"(VI_1) Strict mode requires no lower priority advert. resetting",
		"(VI_1) strict mode requires higher_prio_send_advert to be clear. resetting",
	} {
		if !vrrpHasMessage(ds, m) {
			t.Errorf("no problem %q", m)
		}
	}
	if v.State != "BACKUP" || v.Auth != nil || v.PreemptDelay != 0 || v.DownTimerAdverts != 3 || v.Accept ||
		v.GarpLowerPrioRepeat != 0 || v.GarpLowerPrioDelay != 0 || !v.LowerPrioNoAdvert || v.HigherPrioSendAdvert {
		t.Errorf("strict corrections not applied: %+v", v)
	}
	if !v.NoPreempt {
		t.Error("nopreempt cleared")
	}
}

func TestVRRPStrictOwner(t *testing.T) {
	cfg, ds := vrrpParseString(t, vrrpInstanceConf("strict_mode\n priority 255"))
	v := cfg.Instances[0]
	if len(ds) != 0 || v.State != "MASTER" || !v.Accept || !v.OwnerIgnoreAdverts {
		t.Errorf("owner in strict mode: %v %+v", ds, v)
	}
}

func TestVRRPAuthAHMaster(t *testing.T) {
	cfg, ds := vrrpParseString(t, vrrpInstanceConf("state MASTER\n priority 150\n authentication {\n auth_type AH\n auth_pass 123456789\n }"))
	v := cfg.Instances[0]
	if !vrrpHasMessage(ds, "(VI_1) Initial state master is incompatible with AH authentication - clearing") || v.State != "BACKUP" {
		t.Errorf("AH with MASTER: %v state %s", ds, v.State)
	}
	if !vrrpHasMessage(ds, "Truncating auth_pass to 8 characters") || v.Auth.Pass != "12345678" {
		t.Errorf("auth_pass not truncated: %v %q", ds, v.Auth.Pass)
	}
}

func TestVRRPIPv6Version(t *testing.T) {
	cfg, ds := vrrpParseString(t, `vrrp_instance VI_6 {
 interface eth0
 virtual_router_id 6
 virtual_ipaddress {
  2001:db8::1/64
  10.0.0.1
 }
}`)
	v := cfg.Instances[0]
	if v.Family != 6 || v.Version != 3 || len(v.VIPs) != 1 || v.MulticastDstIP.String() != "ff02::12" {
		t.Errorf("IPv6 instance: family %d version %d vips %v group %v", v.Family, v.Version, v.VIPs, v.MulticastDstIP)
	}
	if !vrrpHasMessage(ds, "(VI_6): address family must match VRRP instance [10.0.0.1] - ignoring") {
		t.Errorf("missing family problem: %v", ds)
	}
}

// TestVRRPGarpFromGlobal checks that an instance copies the GARP
// settings of global_defs as they are when it is parsed.
func TestVRRPGarpFromGlobal(t *testing.T) {
	p := vrrpTestParser()
	p.cfg.Global.GarpMasterDelay = 7 * Second
	p.cfg.Global.GarpMasterRepeat = 2
	v := p.vrrpNewInstance("VI_1", syntax.Pos{})
	p.cfg.Global.GarpMasterDelay = 9 * Second
	if v.GarpMasterDelay != 7*Second || v.GarpMasterRepeat != 2 || v.DownTimerAdverts != 3 {
		t.Errorf("instance GARP settings %v %d %d", v.GarpMasterDelay, v.GarpMasterRepeat, v.DownTimerAdverts)
	}
}

func TestVRRPSyncGroups(t *testing.T) {
	src := `vrrp_sync_group G1 {
 group {
  VI_1
  VI_X
 }
}
vrrp_sync_group G2 {
 group {
  VI_1 VI_2
 }
}
vrrp_sync_group G3 {
}
` + vrrpInstanceConf("track_interface {\n eth1 weight 5\n}") + `vrrp_instance VI_2 {
 interface eth1
 virtual_router_id 52
 virtual_ipaddress {
  10.0.1.1
 }
}`
	cfg, ds := vrrpParseString(t, src)
	for _, m := range []string{
		"Virtual router VI_X specified in sync group G1 doesn't exist - ignoring",
		"Sync group G1 has only 1 virtual router(s) - this probably isn't what you want",
		"Virtual router VI_1 cannot exist in more than one sync group; ignoring G2",
		"Sync group G3 has no virtual router(s). removing",
		"(VI_1) ignoring eth1 tracked interface weight due to SYNC group",
	} {
		if !vrrpHasMessage(ds, m) {
			t.Errorf("no problem %q in %v", m, ds)
		}
	}
	if len(cfg.SyncGroups) != 2 || cfg.Instances[0].SyncGroup != "G1" || cfg.Instances[0].TrackInterfaces[0].Weight != 0 {
		t.Errorf("sync groups %v", cfg.SyncGroups)
	}
}

func TestVRRPMinimalChecksStop(t *testing.T) {
	_, ds := vrrpParseString(t, `vrrp_instance VI_1 {
 interface eth0
}
vrrp_instance VI_2 {
 interface eth0
 virtual_router_id 5
}`)
	if !vrrpHasMessage(ds, "(VI_1) the virtual router id must be set") || vrrpHasMessage(ds, "VI_2") {
		t.Errorf("problems %v", ds)
	}
}

func TestVRRPMissingInterface(t *testing.T) {
	_, ds := vrrpParseString(t, `vrrp_instance VI_1 {
 interface eth9
 virtual_router_id 5
}`)
	if !vrrpHasMessage(ds, "WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist") ||
		!vrrpHasMessage(ds, "Non-existent interface specified in configuration") ||
		vrrpHasMessage(ds, "No VIP") {
		t.Errorf("problems %v", ds)
	}
	if ds.ExitCode() != 5 {
		t.Errorf("exit %d, want 5", ds.ExitCode())
	}
}
