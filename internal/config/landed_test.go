package config

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// The keyword tables of global_defs, VRRP and LVS are written in parallel
// branches. Tests that need a section skip while its keywords are still
// unknown to the parser, so that they run as soon as the section is merged
// (and fail then if the section disagrees with keepalived).

// sectionProbes are minimal configurations made of one section's keywords.
var sectionProbes = map[string]string{
	"global_defs": "global_defs {\n  notification_email_from a@example.com\n  vrrp_garp_interval 1\n  lvs_flush\n}\n",
	"vrrp":        "vrrp_script s {\n  script /bin/true\n}\nvrrp_instance VI_1 {\n  virtual_router_id 1\n}\n",
	"lvs":         "virtual_server 192.0.2.1 80 {\n  real_server 192.0.2.2 80 {\n    TCP_CHECK {\n    }\n  }\n}\n",
}

// sectionOfRoot maps root keywords to the section that parses them; the
// keywords of global_defs itself are checked one by one (router_id and a
// few others exist before the global_defs section is merged).
var sectionOfRoot = map[string]string{
	"net_namespace": "global_defs", "net_namespace_ipvs": "global_defs", "namespace_with_ipsets": "global_defs",
	"use_pid_dir": "global_defs", "instance": "global_defs", "child_wait_time": "global_defs",
	"linkbeat_use_polling": "global_defs",

	"linkbeat_interfaces": "vrrp", "interface_up_down_delays": "vrrp", "track_group": "vrrp",
	"static_ipaddress": "vrrp", "static_routes": "vrrp", "static_rules": "vrrp", "track_file": "vrrp",
	"vrrp_track_file": "vrrp", "vrrp_track_process": "vrrp", "bfd_instance": "vrrp", "vrrp_script": "vrrp",
	"vrrp_sync_group": "vrrp", "garp_group": "vrrp", "vrrp_instance": "vrrp",

	"SSL": "lvs", "virtual_server_group": "lvs", "virtual_server": "lvs",
}

var landed = map[string]bool{}

// sectionLanded reports whether the keywords of section are known.
func sectionLanded(section string) bool {
	if v, ok := landed[section]; ok {
		return v
	}
	_, diags := Parse("/probe.conf", []byte(sectionProbes[section]), Options{})
	ok := true
	for _, d := range diags {
		ok = ok && d.Kind != KindUnknown
	}
	landed[section] = ok
	return ok
}

var knownGlobal = map[string]bool{}

// globalKeywordKnown reports whether global_defs has the keyword kw.
func globalKeywordKnown(kw string) bool {
	if v, ok := knownGlobal[kw]; ok {
		return v
	}
	_, diags := Parse("/probe.conf", []byte("global_defs {\n  \""+kw+"\"\n}\n"), Options{})
	ok := true
	for _, d := range diags {
		ok = ok && d.Kind != KindUnknown
	}
	knownGlobal[kw] = ok
	return ok
}

// sectionsUsed returns the sections a configuration file needs, read with
// the same config id as the test.
func sectionsUsed(t *testing.T, path, configID string) []string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	nodes, _ := syntax.ParseFile(abs, syntax.Options{ConfigID: configID})
	set := map[string]bool{}
	for _, n := range nodes {
		if s, ok := sectionOfRoot[n.Keyword()]; ok {
			set[s] = true
		}
		if n.Keyword() != "global_defs" {
			continue
		}
		for _, c := range n.Children {
			if !globalKeywordKnown(c.Keyword()) {
				set["global_defs"] = true
			}
		}
	}
	var out []string
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// skipUnlessLanded skips the test while a section the file uses is not
// merged. KEEPALIVED_TEST_ALL=1 in the environment runs it anyway.
func skipUnlessLanded(t *testing.T, path, configID string) {
	t.Helper()
	if os.Getenv("KEEPALIVED_TEST_ALL") != "" {
		return
	}
	var missing []string
	for _, s := range sectionsUsed(t, path, configID) {
		if !sectionLanded(s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		t.Skipf("needs the %s section(s), not merged in this branch", strings.Join(missing, ", "))
	}
}
