package exec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// Security is the verdict of CheckSecurity on a script path.
type Security struct {
	// NotFound: the script or a directory on its path is missing.
	NotFound bool
	// Insecure: a path element is not root's or is writable by a
	// non-root group or by everyone (keepalived's SC_INSECURE).
	Insecure bool
	// Inhibit: the script must not run (keepalived's SC_INHIBIT): wrong
	// file type, or insecure with enable_script_security.
	Inhibit bool
	// Log is keepalived's log line, "" when the script is fine.
	Log string
}

// ResolveScript finds the file a script's argv[0] runs: looked up in
// PATH when it has no slash, and with symbolic links resolved unless
// keepSymlinks (global_defs use_symlink_paths).
func ResolveScript(arg0 string, keepSymlinks bool) (string, error) {
	p, err := osexec.LookPath(arg0)
	if err != nil {
		return "", fmt.Errorf("script %s: %w", arg0, err)
	}
	if p, err = filepath.Abs(p); err != nil {
		return "", fmt.Errorf("script %s: %w", arg0, err)
	}
	if keepSymlinks {
		return p, nil
	}
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("script %s: %w", arg0, err)
	}
	return r, nil
}

// CheckSecurity is keepalived's check_security (core/notify.c): every
// directory from / down to the script, and the script itself, must be
// owned by root and not writable by a non-root group or by others
// (directories with the sticky bit, such as /tmp, may be). enforce is
// enable_script_security.
func CheckSecurity(filename string, enforce bool) Security {
	if !strings.HasPrefix(filename, "/") {
		return Security{NotFound: true, Log: fmt.Sprintf("check_script_secure could not find script '%s' - disabling", filename)}
	}
	prefixes := []string{"/"}
	for i := 1; i < len(filename); i++ {
		if filename[i] == '/' {
			prefixes = append(prefixes, filename[:i])
		}
	}
	prefixes = append(prefixes, filename)
	for i, p := range prefixes {
		last := i == len(prefixes)-1
		fi, err := os.Lstat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ELOOP) {
				return Security{NotFound: true, Log: fmt.Sprintf("check_script_secure could not find script '%s' - disabling", filename)}
			}
			return Security{NotFound: true, Log: fmt.Sprintf("check_script_secure('%s') returned error %v - disabling", filename, err)}
		}
		mode := fi.Mode()
		if (!last && !mode.IsDir()) || (last && !mode.IsRegular() && mode&fs.ModeSymlink == 0) {
			return Security{Inhibit: true, Log: fmt.Sprintf("Wrong file type found in script path '%s'.", filename)}
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			continue
		}
		checked := (mode.IsDir() && mode&fs.ModeSticky == 0) || mode.IsRegular()
		writable := (st.Gid != 0 && st.Mode&syscall.S_IWGRP != 0) || st.Mode&syscall.S_IWOTH != 0
		if st.Uid != 0 || (checked && writable) {
			suffix := ""
			if enforce {
				suffix = " - disabling"
			}
			return Security{Insecure: true, Inhibit: enforce,
				Log: fmt.Sprintf("Unsafe permissions found for script '%s'%s.", filename, suffix)}
		}
	}
	return Security{}
}

// SecurityViolation is keepalived's warning when scripts run without
// enable_script_security.
const SecurityViolation = "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
