package exec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckSecurity(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to own files as root")
	}
	dir, err := os.MkdirTemp("/tmp", "kago-sec") // /tmp is sticky, root-owned
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	good := filepath.Join(dir, "good.sh")
	os.WriteFile(good, []byte("#!/bin/sh\n"), 0o755)
	worldw := filepath.Join(dir, "world.sh")
	os.WriteFile(worldw, []byte("#!/bin/sh\n"), 0o755)
	os.Chmod(worldw, 0o757)
	notRoot := filepath.Join(dir, "nobody.sh")
	os.WriteFile(notRoot, []byte("#!/bin/sh\n"), 0o755)
	os.Chown(notRoot, 65534, 65534)
	openDir := filepath.Join(dir, "open")
	os.Mkdir(openDir, 0o755)
	os.Chmod(openDir, 0o777)
	inOpen := filepath.Join(openDir, "x.sh")
	os.WriteFile(inOpen, []byte("#!/bin/sh\n"), 0o755)

	tests := []struct {
		path    string
		enforce bool
		want    Security
	}{
		{good, true, Security{}},
		{worldw, true, Security{Insecure: true, Inhibit: true, Log: "Unsafe permissions found for script '" + worldw + "' - disabling."}},
		{worldw, false, Security{Insecure: true, Log: "Unsafe permissions found for script '" + worldw + "'."}},
		{notRoot, true, Security{Insecure: true, Inhibit: true, Log: "Unsafe permissions found for script '" + notRoot + "' - disabling."}},
		{inOpen, true, Security{Insecure: true, Inhibit: true, Log: "Unsafe permissions found for script '" + inOpen + "' - disabling."}},
		{filepath.Join(dir, "missing"), true, Security{NotFound: true, Log: "check_script_secure could not find script '" + filepath.Join(dir, "missing") + "' - disabling"}},
		{dir, true, Security{Inhibit: true, Log: "Wrong file type found in script path '" + dir + "'."}},
	}
	for _, tt := range tests {
		if got := CheckSecurity(tt.path, tt.enforce); got != tt.want {
			t.Errorf("CheckSecurity(%s, %v) = %+v, want %+v", tt.path, tt.enforce, got, tt.want)
		}
	}
}

func TestResolveScript(t *testing.T) {
	p, err := ResolveScript("sh", false)
	if err != nil || !strings.HasPrefix(p, "/") {
		t.Errorf("ResolveScript(sh) = %q, %v", p, err)
	}
	if _, err := ResolveScript("no-such-cmd-kago", false); err == nil || !strings.Contains(err.Error(), "no-such-cmd-kago") {
		t.Errorf("ResolveScript of a missing command: %v", err)
	}
}

// TestRunHugeOutput: megabytes of output go to /dev/null, not to us.
func TestRunHugeOutput(t *testing.T) {
	r := Run(t.Context(), Cmd{Args: []string{"sh", "-c", "head -c 20000000 /dev/zero"}})
	if !r.OK() {
		t.Fatalf("Run = %+v", r)
	}
}
