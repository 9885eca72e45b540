package config

import (
	"os"
	"path/filepath"
	"strings"
)

// defaultPath is searched for bare script names when PATH is unset.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// HostScriptFound is the ScriptFound check against the host's file
// system: a name with a '/' must exist, a bare name is searched in PATH, as
// keepalived's check_script_secure() does before it counts a script.
func HostScriptFound(argv0 string) bool {
	if strings.Contains(argv0, "/") {
		_, err := os.Stat(argv0)
		return err == nil
	}
	path := os.Getenv("PATH")
	if path == "" {
		path = defaultPath
	}
	for _, dir := range filepath.SplitList(path) {
		if st, err := os.Stat(filepath.Join(dir, argv0)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}
