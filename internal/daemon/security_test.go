package daemon

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keepalived-go/keepalived/internal/config"
)

// TestMiscCheckScriptSecurity: with enable_script_security, a MISC_CHECK
// whose script is writable by everyone, or cannot be found, is removed
// with keepalived's lines; a safe one stays (checked as root only: as
// another user every script is insecure).
func TestMiscCheckScriptSecurity(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	safe, unsafe := filepath.Join(dir, "safe.sh"), filepath.Join(dir, "unsafe.sh")
	missing := filepath.Join(dir, "missing.sh")
	for _, p := range []string{safe, unsafe} {
		if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(unsafe, 0o777); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`global_defs {
    enable_script_security
}
virtual_server 192.0.2.100 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.0.2.11 80 {
        MISC_CHECK {
            misc_path "%s arg"
        }
        MISC_CHECK {
            misc_path %s
        }
        MISC_CHECK {
            misc_path %s
        }
    }
}
`, safe, unsafe, missing)
	c, _ := config.Parse("keepalived.conf", []byte(src), config.Options{})
	var out bytes.Buffer
	secureScripts(c, slog.New(slog.NewTextHandler(&out, nil)))
	log := out.String()
	for _, want := range []string{
		"Unsafe permissions found for script '" + unsafe + "' - disabling.",
		"Disabling misc script " + unsafe + " due to insecure",
		"check_script_secure could not find script '" + missing + "' - disabling",
		"Disabling misc script " + missing + " since not found/accessible",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	var kept []string
	for _, mc := range c.VirtualServers[0].RealServers[0].MiscCheck {
		kept = append(kept, mc.Path.Args[0])
	}
	if os.Geteuid() != 0 {
		if len(kept) != 0 {
			t.Errorf("as a non-root user every script is insecure; kept %v", kept)
		}
		return
	}
	if len(kept) != 1 || kept[0] != safe {
		t.Errorf("kept %v, want only %s", kept, safe)
	}
}
