package cli

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config"
)

// interfaceExists tells the configuration which network interfaces exist
// (keepalived warns about the missing ones). Tests replace it.
var interfaceExists = func(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}

// hostname gives the default config-id. Tests replace it.
var hostname = os.Hostname

// defaultConfigID is keepalived's default config-id: the node name up to
// its first '.'.
func defaultConfigID() string {
	h, err := hostname()
	if err != nil {
		return ""
	}
	id, _, _ := strings.Cut(h, ".")
	return id
}

// loadOptions are the parse options for a config-id ("" = the default)
// and keepalived's -e.
func loadOptions(configID string, allIncludes bool) config.Options {
	if configID == "" {
		configID = defaultConfigID()
	}
	return config.Options{ConfigID: configID, AllIncludes: allIncludes, InterfaceExists: interfaceExists, ScriptFound: config.HostScriptFound}
}

// loadConf reads the configuration files the pattern names (see
// confFiles). The problems with the files come first, then those of the
// configuration. ok is false when no configuration could be read.
func loadConf(pattern string, opts config.Options, strict bool) (cfg *config.Config, diags config.Diagnostics, ok bool) {
	files, diags, ok := confFiles(pattern, strict)
	if !ok {
		return nil, diags, false
	}
	var more config.Diagnostics
	if len(files) == 1 {
		cfg, more = config.Load(files[0], opts)
	} else {
		cfg, more = config.Parse(pattern, includeAll(files), opts)
	}
	return cfg, append(diags, more...), true
}

// includeAll is a configuration that includes each file in turn:
// keepalived reads every file a -f pattern matches, one after another.
func includeAll(files []string) []byte {
	var b strings.Builder
	for _, f := range files {
		if abs, err := filepath.Abs(f); err == nil {
			f = abs
		}
		fmt.Fprintf(&b, "include %s\n", f)
	}
	return []byte(b.String())
}

// cliDiag is a problem found by the command line itself (no position).
func cliDiag(sev config.Severity, kind config.Kind, format string, args ...any) config.Diagnostic {
	return config.Diagnostic{Severity: sev, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}
