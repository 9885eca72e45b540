package config

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpusVerdicts is keepalived 2.2.7's "keepalived -t -f FILE" exit status
// for each file of testdata/corpus (its README.md), run without -i on a
// host with the interfaces lo and eth0 only.
var corpusVerdicts = map[string]int{
	"keepalived.conf":                          5,
	"keepalived.conf.HTTP_GET.port":            0,
	"keepalived.conf.IPv6":                     0,
	"keepalived.conf.PING_CHECK":               0,
	"keepalived.conf.SMTP_CHECK":               0,
	"keepalived.conf.SSL_GET":                  5,
	"keepalived.conf.UDP_CHECK":                0,
	"keepalived.conf.conditional_conf":         5,
	"keepalived.conf.fwmark":                   5,
	"keepalived.conf.inhibit":                  0,
	"keepalived.conf.misc_check":               0,
	"keepalived.conf.misc_check_arg":           0,
	"keepalived.conf.quorum":                   0,
	"keepalived.conf.sample":                   0,
	"keepalived.conf.status_code":              0,
	"keepalived.conf.track_interface":          5,
	"keepalived.conf.virtual_server_group":     0,
	"keepalived.conf.virtualhost":              0,
	"keepalived.conf.vrrp":                     5,
	"keepalived.conf.vrrp.localcheck":          5,
	"keepalived.conf.vrrp.lvs_syncd":           5,
	"keepalived.conf.vrrp.routes":              5,
	"keepalived.conf.vrrp.rules":               5,
	"keepalived.conf.vrrp.scripts":             0,
	"keepalived.conf.vrrp.static_ipaddress":    5,
	"keepalived.conf.vrrp.sync":                5,
	filepath.Join("docker", "keepalived.conf"): 0,
}

// corpusKnownDifferences lists corpus files whose verdict may differ from
// keepalived's, with the reason. Keep it empty unless a difference is
// deliberate.
var corpusKnownDifferences = map[string]string{}

// corpusUnknownKeywords are the lines at which keepalived reports an
// unknown keyword in the corpus: lvs_syncd lists sync group members
// without a "group { }" block.
var corpusUnknownKeywords = map[string][]int{
	"keepalived.conf.vrrp.lvs_syncd": {4, 5},
}

// corpusOptions parse as keepalived on a host named differently from the
// @ids of the corpus, with the interfaces lo and eth0.
func corpusOptions() Options {
	return Options{
		ConfigID:        "",
		InterfaceExists: func(name string) bool { return name == "lo" || name == "eth0" },
		ScriptFound:     HostScriptFound,
	}
}

// TestCorpus parses keepalived's sample configurations: each must give
// exit status 0 exactly when keepalived 2.2.7's is 0, and report no unknown
// keyword keepalived does not report.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	for _, name := range files {
		if _, ok := corpusVerdicts[name]; !ok {
			t.Errorf("%s has no verdict in corpusVerdicts", name)
		}
	}
	for name := range corpusVerdicts {
		if !slices.Contains(files, name) {
			t.Errorf("corpusVerdicts names %s, which is not in testdata/corpus", name)
		}
	}
	for _, name := range files {
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			path := filepath.Join("testdata", "corpus", name)
			skipUnlessLanded(t, path, corpusOptions().ConfigID)
			cfg, diags := Load(path, corpusOptions())
			if err := Dump(io.Discard, cfg); err != nil {
				t.Errorf("dump: %v", err)
			}
			got, want := diags.ExitCode(), corpusVerdicts[name]
			if (got == 0) != (want == 0) {
				if reason, ok := corpusKnownDifferences[name]; ok {
					t.Logf("exit %d, keepalived %d: known difference: %s", got, want, reason)
				} else {
					t.Errorf("exit %d, keepalived 2.2.7 exits %d; problems:\n%s", got, want, listDiagnostics(diags))
				}
			} else if got != want {
				t.Logf("exit %d, keepalived 2.2.7 exits %d", got, want)
			}
			var unknown []int
			for _, d := range diags {
				if d.Kind == KindUnknown {
					unknown = append(unknown, d.Pos.Line)
				}
			}
			if want := corpusUnknownKeywords[name]; !slices.Equal(unknown, want) {
				t.Errorf("unknown keywords at lines %v, keepalived reports them at %v; problems:\n%s", unknown, want, listDiagnostics(diags))
			}
		})
	}
}

// corpusFiles lists the configurations of testdata/corpus, relative to it.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"keepalived.conf*", filepath.Join("*", "keepalived.conf*")} {
		m, err := filepath.Glob(filepath.Join("testdata", "corpus", pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			rel, _ := filepath.Rel(filepath.Join("testdata", "corpus"), f)
			files = append(files, rel)
		}
	}
	if len(files) == 0 {
		t.Fatal("no corpus files")
	}
	return files
}

// listDiagnostics renders problems one a line with severity and kind.
func listDiagnostics(diags Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "  %-8s %-11s %s\n", d.Severity, d.Kind, d)
	}
	return b.String()
}
