// Package internal_test enforces the dependency rules of DESIGN.md.
package internal_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/keepalived-go/keepalived"

// allowed maps each package (directory relative to the module root) to
// the module packages it may import, as DESIGN.md's package table says. A
// package missing from this table fails the test: add it here, and to
// DESIGN.md, on purpose.
var allowed = map[string][]string{
	"cmd/keepalived":    {"internal/cli"},
	"cmd/keepalivedctl": {"internal/cli"},
	"cmd/genhash":       {"internal/cli"},

	// cli runs genhash itself: the HTTP_GET exchange from check, the
	// dialer with SO_MARK from sys/netdial (see docs/design-notes.md).
	"internal/cli": {"internal/daemon", "internal/config", "internal/control", "internal/check", "internal/sys/netdial", "internal/demo",
		// realserver up/down: the decisions in realserver, the host
		// through sys/netlink (a command, not a daemon role).
		"internal/realserver", "internal/sys/netlink"},
	// demo builds its lab with sys/lab and reads the directors' status.
	"internal/demo":   {"internal/sys/lab", "internal/control"},
	"internal/daemon": belowDaemon,

	"internal/config/syntax": {},
	"internal/config":        {"internal/config/syntax"},
	"internal/vrrp/packet":   {},
	"internal/vrrp":          {"internal/vrrp/packet", "internal/config"},
	"internal/track":         {"internal/config"},
	"internal/check":         {"internal/config"},
	"internal/lvs":           {"internal/config"},
	"internal/notify":        {"internal/config"},
	"internal/control":       {},
	"internal/realserver":    {},

	// Adapters import the package declaring the interface they implement.
	// sys/netlink takes config types (IPAddress, IPRoute, IPRule) through vrrp.Addrs.
	"internal/sys/netlink": {"internal/vrrp", "internal/track", "internal/config"},
	// sys/vrrpsock builds and parses IPv4 headers with vrrp/packet.
	"internal/sys/vrrpsock": {"internal/vrrp", "internal/vrrp/packet"},
	"internal/sys/ipvs":     {"internal/lvs"},
	"internal/sys/nft":      {"internal/lvs"},
	"internal/sys/exec":     {"internal/notify", "internal/track", "internal/check"},
	// sys/netdial's Engine is check's Connector and Exchanger.
	"internal/sys/netdial": {"internal/check"},
	"internal/sys/proc":    {},
	"internal/sys/lab":     {},
	"internal/sys/vrrpfw":  {},
	"internal/sys/ping":    {"internal/check"},

	"internal/testutil/golden":    {},
	"internal/testutil/netnstest": {},
	"internal/testutil/vmrun":     {"internal/sys/lab"},

	// bench/failover and bench/checkers build their labs with sys/lab
	// (benchmark tools, not part of the daemon).
	"bench/failover": {"internal/sys/lab"},
	// bench/dataplane and bench/checkers too; bench/ipvsprog boots the VM runner.
	"bench/checkers":  {"internal/sys/lab"},
	"bench/dataplane": {"internal/sys/lab"},
	"bench/ipvsprog":  {"internal/testutil/vmrun"},
}

// belowDaemon is every package daemon may join.
var belowDaemon = []string{
	"internal/config", "internal/config/syntax", "internal/vrrp", "internal/vrrp/packet",
	"internal/track", "internal/check", "internal/lvs", "internal/notify", "internal/control",
	"internal/sys/netlink", "internal/sys/vrrpsock", "internal/sys/ipvs", "internal/sys/nft",
	"internal/sys/exec", "internal/sys/netdial", "internal/sys/proc", "internal/sys/lab", "internal/sys/vrrpfw", "internal/sys/ping",
}

// osImports touch the operating system directly (netlink, nftables, IPVS,
// raw sockets, processes, system calls). Only the adapters in internal/sys
// (and test helpers in internal/testutil) may import them.
var osImports = []string{
	"os/exec",
	"syscall",
	"golang.org/x/sys/unix",
	"golang.org/x/net/ipv4",
	"golang.org/x/net/ipv6",
	"github.com/vishvananda/netlink",
	"github.com/vishvananda/netns",
	"github.com/google/nftables",
	"github.com/cloudflare/ipvs",
	"github.com/mdlayher/",
	"github.com/prometheus-community/pro-bing",
}

// mayTouchOS says whether a package may import osImports.
func mayTouchOS(pkg string) bool {
	// Benchmark tools under bench/ drive whole daemons, as tests do.
	return strings.HasPrefix(pkg, "internal/sys/") || strings.HasPrefix(pkg, "internal/testutil/") || strings.HasPrefix(pkg, "bench/")
}

func isOSImport(path string) bool {
	for _, p := range osImports {
		if path == p || strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}

// TestDependencies checks the imports of every package of the module
// (test files excepted) against the allowed table and the OS rule.
func TestDependencies(t *testing.T) {
	pkgs := modulePackages(t, "..")
	if len(pkgs) == 0 {
		t.Fatal("no packages found")
	}
	for _, pkg := range slices.Sorted(maps.Keys(pkgs)) {
		imports := pkgs[pkg]
		allow, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not in the dependency table: add it to internal/deps_test.go and DESIGN.md", pkg)
			continue
		}
		for _, imp := range imports {
			checkImport(t, pkg, imp, allow)
		}
	}
}

func checkImport(t *testing.T, pkg, imp string, allow []string) {
	t.Helper()
	if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
		if !slices.Contains(allow, rel) {
			t.Errorf("%s imports %s: not allowed (may import %v)", pkg, rel, allow)
		}
		return
	}
	if isOSImport(imp) && !mayTouchOS(pkg) {
		t.Errorf("%s imports %s: only internal/sys/* may touch the OS", pkg, imp)
	}
	if strings.HasPrefix(pkg, "cmd/") && !isStdlib(imp) {
		t.Errorf("%s imports %s: commands import only internal/cli", pkg, imp)
	}
}

// isStdlib says whether an import path is in the standard library (its
// first element has no dot).
func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// modulePackages maps each directory holding non-test Go files (relative
// to root, slash-separated) to the imports of those files.
func modulePackages(t *testing.T, root string) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if _, ok := pkgs[rel]; !ok {
			pkgs[rel] = nil
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			pkgs[rel] = append(pkgs[rel], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// skipDir says whether the go tool ignores a directory.
func skipDir(name string) bool {
	return name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// TestDependencyRulesSeeTheTree checks that the walk finds the packages
// it should: a package the test cannot see is a package nobody checks.
func TestDependencyRulesSeeTheTree(t *testing.T) {
	if _, err := os.Stat("../go.mod"); err != nil {
		t.Fatalf("the module root is not the parent directory: %v", err)
	}
	pkgs := modulePackages(t, "..")
	for _, want := range []string{"internal/config", "internal/cli", "cmd/keepalived"} {
		if _, ok := pkgs[want]; !ok {
			t.Errorf("package %s not found: the walk misses packages", want)
		}
	}
}
