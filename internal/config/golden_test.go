package config

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keepalived-go/keepalived/internal/testutil/golden"
)

// testInterfaces are the interfaces golden configurations may name; any
// other interface is reported missing.
var testInterfaces = map[string]bool{"lo": true, "eth0": true, "eth1": true, "eth2": true, "eth3": true}

// goldenOptions are the options every golden test parses with.
func goldenOptions() Options {
	return Options{
		ConfigID:        "node1",
		InterfaceExists: func(name string) bool { return testInterfaces[name] },
		Getenv:          func(name string) string { return "env-" + name },
	}
}

// render gives what a golden file holds: the exit status, the problems
// (one "file:line: message" each, file names relative to testdata/golden)
// and the dump, with global_defs reduced to the settings the file changed
// so that each golden file shows what its configuration is about.
func render(t *testing.T, path string) []byte {
	t.Helper()
	cfg, diags := Load(path, goldenOptions())
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# exit %d\n", diags.ExitCode())
	for _, d := range diags {
		fmt.Fprintf(&b, "%s\n", strings.ReplaceAll(d.String(), abs+"/", ""))
	}
	b.WriteString("-- dump (global_defs: changed settings only) --\n")
	if err := DumpChanged(&b, cfg); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGolden parses every testdata/golden/*.conf and compares the exit
// status, problems and dump with the .golden file beside it. Run
// "go test ./internal/config -run TestGolden -update" to rewrite them.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.conf")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden configurations")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".conf")
		t.Run(name, func(t *testing.T) {
			golden.Check(t, strings.TrimSuffix(f, ".conf")+".golden", string(render(t, f)))
		})
	}
}
