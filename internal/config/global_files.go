package config

import (
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// globalFilesTable: files, reloads and process-wide odds and ends.
var globalFilesTable = table[Global]{
	"umask":       kw(parseUmask),
	"random_seed": kw(parseRandomSeed),
	"reload_check_config": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.ReloadCheckConfig = "/dev/null"
		if len(n.Words) >= 2 {
			g.ReloadCheckConfig = n.Words[1]
		}
	}),
	"reload_time_file": kw(func(p *parser, n *syntax.Node, g *Global) {
		if len(n.Words) != 2 {
			p.errorf(n, KindValue, "reload_time_file invalid")
			return
		}
		g.ReloadTimeFile = n.Words[1]
	}),
	"reload_repeat": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.ReloadRepeat = true
	}),
	"reload_file":   kw(parseReloadFile),
	"include_check": kw(parseIncludeCheck),
	"config_save_dir": kw(func(p *parser, n *syntax.Node, g *Global) {
		if p.nargs(n, 1, -1) {
			g.ConfigSaveDir = globalTrimSlash(n.Words[1])
		}
	}),
	"tmp_config_directory": kw(parseTmpConfigDirectory),
	"data_use_instance": kw(func(p *parser, n *syntax.Node, g *Global) {
		if v, ok := p.globalBool(n, "Invalid value '%[1]s' for global date_use_instance specified"); ok {
			g.DataUseInstance = v
		}
	}),
	"json_version": kw(func(p *parser, n *syntax.Node, g *Global) {
		if !p.globalNeed(n, 1, "%[2]s requires version") {
			return
		}
		if v, ok := p.globalUint(n, 1, 1, 2, "Invalid JSON version"); ok {
			g.JSONVersion = int(v)
		}
	}),
	"iproute_usr_dir": kw(globalPathKeyword(func(g *Global) *string { return &g.IprouteUsrDir }, "%[2]s requires path")),
	"iproute_etc_dir": kw(globalPathKeyword(func(g *Global) *string { return &g.IprouteEtcDir }, "%[2]s requires path")),
	"state_dump_file": kw(globalPathKeyword(func(g *Global) *string { return &g.StateDumpFile }, globalDumpFileFormat)),
	"stats_dump_file": kw(globalPathKeyword(func(g *Global) *string { return &g.StatsDumpFile }, globalDumpFileFormat)),
	"json_dump_file":  kw(globalPathKeyword(func(g *Global) *string { return &g.JSONDumpFile }, globalDumpFileFormat)),
}

const globalDumpFileFormat = "%[2]s requires a non-empty path"

// globalPathKeyword is the handler of a keyword taking exactly one
// non-empty path; anything else is reported with format.
//
// Syntax:
//
//	KEYWORD PATH
func globalPathKeyword(field func(*Global) *string, format string) func(*parser, *syntax.Node, *Global) {
	return func(p *parser, n *syntax.Node, g *Global) {
		if len(n.Words) != 2 || n.Words[1] == "" {
			p.globalErr(n, KindValue, format, globalArg(n, 1))
			return
		}
		*field(g) = n.Words[1]
	}
}

// globalTrimSlash removes one trailing '/'.
func globalTrimSlash(dir string) string { return strings.TrimSuffix(dir, "/") }

// globalUmaskBits are umask's symbolic bit names.
var globalUmaskBits = map[string]Umask{
	"IRUSR": 0o400, "IWUSR": 0o200, "IXUSR": 0o100, "IRWXU": 0o700,
	"IRGRP": 0o040, "IWGRP": 0o020, "IXGRP": 0o010, "IRWXG": 0o070,
	"IROTH": 0o004, "IWOTH": 0o002, "IXOTH": 0o001, "IRWXO": 0o007,
}

// parseUmask reads the file creation mask: a number (C notation: 0NNN
// octal, 0xNN hex, else decimal) or bit names joined by '|'. The -u
// command line option wins over it.
//
// Syntax:
//
//	umask NUMBER
//	umask BIT[|BIT...]
func parseUmask(p *parser, n *syntax.Node, g *Global) {
	if !p.nargs(n, 1, -1) {
		return
	}
	mask := n.Words[1]
	if mask != "" && mask[0] >= '0' && mask[0] <= '9' {
		if len(n.Words) != 2 {
			p.errorf(n, KindValue, "Extra parameter(s) to umask option")
			return
		}
		v, ok := globalCNumber(mask)
		if !ok || v&^0o777 != 0 {
			p.errorf(n, KindValue, "invalid umask value %s", mask)
			return
		}
		g.Umask = Umask(v)
		return
	}
	if bits, ok := p.umaskBits(n); ok {
		g.Umask = bits
	}
}

// umaskBits reads umask's symbolic form, which may be spread over words
// ("IWGRP | IWOTH").
func (p *parser) umaskBits(n *syntax.Node) (Umask, bool) {
	var bits Umask
	needOr := false
	for _, w := range n.Words[1:] {
		for s := w; s != ""; {
			if needOr {
				if s[0] != '|' {
					p.errorf(n, KindValue, "Invalid umask syntax %s", w)
					return 0, false
				}
				needOr, s = false, s[1:]
				continue
			}
			b, ok := globalUmaskBits[s[:min(5, len(s))]]
			if !ok {
				p.errorf(n, KindValue, "Unknown umask bit %s", s)
				return 0, false
			}
			bits |= b
			needOr, s = true, s[5:]
		}
	}
	if !needOr {
		p.errorf(n, KindValue, "umask missing bit value")
		return 0, false
	}
	return bits, true
}

// globalCNumber reads a non-negative integer as C's strtol(s, &end, 0)
// does, requiring the whole word: 0x hex, leading 0 octal, else decimal.
func globalCNumber(s string) (int64, bool) {
	base, digits := 10, s
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, digits = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, digits = 8, s[1:]
	}
	if digits == "" || digits[0] == '+' || digits[0] == '-' || strings.Contains(digits, "_") {
		return 0, false
	}
	v, err := strconv.ParseInt(digits, base, 64)
	return v, err == nil
}

// parseRandomSeed seeds ${_RANDOM} (keepalived applies it to the lines
// that follow).
//
// Syntax:
//
//	random_seed N
func parseRandomSeed(p *parser, n *syntax.Node, g *Global) {
	if v, ok := p.globalUint(n, 1, 0, globalMaxUint, "random_seed %[1]s invalid"); ok {
		seed := uint32(v)
		g.RandomSeed = &seed
	}
}

// parseReloadFile names the file that exists while a reload reads the
// configuration; without a path, keepalived's default in the pid file
// directory (resolved once the file is read).
//
// Syntax:
//
//	reload_file [PATH]
func parseReloadFile(p *parser, n *syntax.Node, g *Global) {
	g.ReloadFile = globalArg(n, 1)
	if g.ReloadFile == "" {
		g.once("reload_file_default")
	} else if g.seen != nil {
		delete(g.seen, "reload_file_default")
	}
}

// reloadFileDefault is keepalived's default reload file.
func reloadFileDefault(s *GlobalSection) string {
	switch {
	case s.Instance != "":
		return "/run/keepalived/keepalived_" + s.Instance + ".reload"
	case s.UsePidDir:
		return "/run/keepalived/keepalived.reload"
	}
	return "/run/keepalived.reload"
}

// parseIncludeCheck sets which include problems are errors for the
// include lines that follow: a plain word sets read and that check, "+x"
// adds and "-x" removes a check; no word means all of them.
//
// Syntax:
//
//	include_check [read|match|wildcard_match|brace_match] [+|-CHECK ...]
func parseIncludeCheck(p *parser, n *syntax.Node, g *Global) {
	if !g.given("include_check") && p.opts.AllIncludes {
		g.IncludeCheck = IncludeCheckAll
	}
	g.once("include_check")
	if len(n.Words) < 2 {
		g.IncludeCheck = IncludeCheckAll
		return
	}
	for i, w := range n.Words[1:] {
		op, name := byte(0), w
		if w != "" && (w[0] == '-' || w[0] == '+') {
			op, name = w[0], w[1:]
		} else if i > 0 {
			p.errorf(n, KindDuplicate, "Duplicate include_check '%s' specified - ignoring", w)
			continue
		} else {
			g.IncludeCheck = 0
		}
		var bit IncludeChecks
		for j, known := range includeCheckNames {
			if name == known {
				bit = 1 << j
			}
		}
		switch {
		case bit == 0:
			p.errorf(n, KindValue, "Unknown include_check type '%s' - ignoring", name)
		case op == 0:
			g.IncludeCheck = IncludeCheckRead | bit
		case op == '+':
			g.IncludeCheck |= bit
		default:
			g.IncludeCheck &^= bit
		}
	}
}

// parseTmpConfigDirectory names where the parent writes the copy of the
// configuration its children read; it may be given once.
//
// Syntax:
//
//	tmp_config_directory DIR
func parseTmpConfigDirectory(p *parser, n *syntax.Node, g *Global) {
	switch {
	case g.TmpConfigDirectory != "":
		p.errorf(n, KindDuplicate, "%s already specified - ignoring", n.Keyword())
	case len(n.Words) < 2:
		p.errorf(n, KindMissing, "%s missing directory name", n.Keyword())
	default:
		g.TmpConfigDirectory = n.Words[1]
	}
}
