package config

import (
	"io/fs"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// Config is a parsed, defaulted and validated keepalived.conf. The three
// sections are owned by the files global.go, vrrp.go and lvs.go.
type Config struct {
	// Files are the configuration files read, the main one first.
	Files []string `json:"-"`

	GlobalSection
	VRRPSection
	LVSSection

	scripts []*Script // every script configured, for the script-security check
}

// Options are the inputs to parsing that do not come from the file.
type Options struct {
	// ConfigID selects "@ID" lines (keepalived -i); keepalived's default is
	// the host name up to the first dot.
	ConfigID string
	// FS reads the files (absolute paths without the leading '/'); nil
	// reads the host file system.
	FS fs.FS
	// Getenv gives ${_ENV NAME}; nil uses the process environment.
	Getenv func(string) string
	// AllIncludes makes a missing include file an error (keepalived -e).
	AllIncludes bool
	// InterfaceExists reports whether a network interface exists. Nil skips
	// the interface checks (keepalived reports missing interfaces).
	InterfaceExists func(name string) bool
	// ScriptFound reports whether a script's program (its argv[0], a path or
	// a name searched in PATH) exists. keepalived disables scripts it cannot
	// find, and only scripts it found count for the script-security check.
	// Nil means every script is found.
	ScriptFound func(argv0 string) bool
}

// Load reads the configuration file at path with its includes.
func Load(path string, opts Options) (*Config, Diagnostics) {
	nodes, errs := syntax.ParseFile(path, lexOptions(opts))
	return build(path, nodes, errs, opts)
}

// Parse reads src as the configuration file name (includes are read
// through opts.FS).
func Parse(name string, src []byte, opts Options) (*Config, Diagnostics) {
	nodes, errs := syntax.ParseBytes(name, src, lexOptions(opts))
	return build(name, nodes, errs, opts)
}

func lexOptions(opts Options) syntax.Options {
	lo := syntax.Options{ConfigID: opts.ConfigID, FS: opts.FS, Getenv: opts.Getenv}
	if opts.AllIncludes {
		lo.IncludeCheck = syntax.IncludeAll
	}
	return lo
}

func build(name string, nodes []*syntax.Node, errs []syntax.Error, opts Options) (*Config, Diagnostics) {
	p := &parser{opts: opts, cfg: newConfig()}
	p.cfg.Files = []string{name}
	for _, e := range errs {
		sev, kind := Error, KindSyntax
		switch {
		case e.Include:
			sev, kind = NoConfig, KindInclude
		case e.Warning:
			sev, kind = Info, KindInclude
		}
		p.report(e.Pos, sev, kind, "%s", e.Msg)
	}
	if len(nodes) == 0 && len(errs) > 0 && errs[0].Pos.File == "" {
		p.diags[0].Severity = Fatal
		return p.cfg, p.diags
	}
	parseBlock(p, nodes, p.cfg, rootTable())
	p.validateGlobal()
	p.validateVRRP()
	p.validateLVS()
	p.validateScripts()
	p.diags.Sort()
	return p.cfg, p.diags
}

func newConfig() *Config {
	c := &Config{}
	c.GlobalSection = newGlobalSection()
	return c
}

// rootTable gathers the top-level keywords of the three sections.
func rootTable() table[Config] {
	t := table[Config]{}
	for _, part := range []table[Config]{globalRoot, vrrpRoot, lvsRoot} {
		for k, v := range part {
			t[k] = v
		}
	}
	return t
}

// validateScripts applies keepalived's script-security rule: scripts
// configured without enable_script_security make -t exit 6.
func (p *parser) validateScripts() {
	if p.cfg.Global.EnableScriptSecurity {
		return
	}
	for _, s := range p.cfg.scripts {
		if p.scriptFound(s) {
			// keepalived names no script; we point at the first one.
			p.report(s.Pos, Security, KindSecurity, "SECURITY VIOLATION - scripts are being executed but script_security not enabled.")
			return
		}
	}
}

// scriptFound applies keepalived's check_script_secure() lookup: a
// "</path" test is not a script, and a program that cannot be found is
// disabled.
func (p *parser) scriptFound(s *Script) bool {
	if len(s.Args) == 0 || strings.HasPrefix(strings.TrimLeft(strings.TrimPrefix(s.Args[0], "<"), " \t"), "/") && strings.HasPrefix(s.Args[0], "<") {
		return false
	}
	return p.opts.ScriptFound == nil || p.opts.ScriptFound(s.Args[0])
}
