package config

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// maxFuzzInput caps the fuzzed configuration size.
const maxFuzzInput = 64 << 10

// fuzzFS holds include targets for the fuzzed /etc/keepalived/keepalived.conf.
func fuzzFS() fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }
	return fstest.MapFS{
		"etc/keepalived/global.conf": file("global_defs {\n  router_id fuzz\n  enable_script_security\n}\n"),
		"etc/keepalived/vrrp.conf":   file("vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    192.0.2.1/24\n  }\n}\n"),
		"etc/keepalived/lvs.conf":    file("virtual_server 192.0.2.1 80 {\n  real_server 192.0.2.2 80 {\n    TCP_CHECK {\n    }\n  }\n}\n"),
		"etc/keepalived/open.conf":   file("vrrp_instance VI_2 {\n"),
	}
}

// FuzzParse parses arbitrary bytes as a configuration with all sections:
// it must not panic, must give one of keepalived's -t exit statuses, and
// the model must dump. Inputs with ~SEQ/~LST or many multi-line
// expansions are left to FuzzLex (syntax package), which bounds them: here
// they would only slow the fuzzer down.
func FuzzParse(f *testing.F) {
	var files []string
	for _, pattern := range []string{"testdata/corpus/*", "testdata/corpus/*/*", "testdata/golden/*.conf", "testdata/diff/*.conf"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		files = append(files, m...)
	}
	for _, name := range files {
		if st, err := os.Stat(name); err != nil || !st.Mode().IsRegular() || strings.HasSuffix(name, ".md") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("include {global,vrrp,lvs,open}.conf\n}\n"))
	fsys := fuzzFS()
	opts := Options{
		ConfigID:        "node1",
		FS:              fsys,
		Getenv:          func(name string) string { return "env-" + name },
		InterfaceExists: func(name string) bool { return name == "lo" || name == "eth0" },
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput || bytes.Contains(data, []byte("~SEQ")) || bytes.Contains(data, []byte("~LST")) ||
			bytes.Count(data, []byte("\\\n"))*bytes.Count(data, []byte("$")) > 1<<16 {
			return
		}
		timer := time.AfterFunc(30*time.Second, func() {
			panic(fmt.Sprintf("input of %d bytes took more than 30s", len(data)))
		})
		defer timer.Stop()
		cfg, diags := Parse("/etc/keepalived/keepalived.conf", data, opts)
		switch rc := diags.ExitCode(); rc {
		case 0, 4, 5, 6:
		default:
			t.Fatalf("exit status %d", rc)
		}
		for _, d := range diags {
			if d.Msg == "" || d.Kind == "" || d.Severity < Info || d.Severity > NoConfig || d.Pos.Line < 0 {
				t.Fatalf("malformed diagnostic %+v", d)
			}
		}
		if cfg == nil {
			t.Fatal("nil configuration")
		}
		if err := Dump(io.Discard, cfg); err != nil {
			t.Fatalf("dump: %v", err)
		}
	})
}
