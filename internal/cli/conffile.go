package cli

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config"
)

// confFiles finds the configuration files a -f pattern names, as
// keepalived's check_conf_file: the pattern is a glob with {a,b}
// alternatives; every match is read, in order. Problems with the files are
// returned with keepalived's wording; they stop the run only when strict
// (keepalived -e) or when a file cannot be read. ok is false when there is
// nothing to read.
func confFiles(pattern string, strict bool) (files []string, diags config.Diagnostics, ok bool) {
	fileProblem := config.Info // keepalived only logs these without -e
	if strict {
		fileProblem = config.Fatal
	}
	report := func(sev config.Severity, format string, args ...any) {
		diags = append(diags, cliDiag(sev, config.KindInclude, format, args...))
	}
	matches, missing, wildcard := globConf(pattern)
	switch {
	case len(matches) == 0 && missing:
		report(fileProblem, "Config files missing '%s'.", pattern)
		return nil, diags, false
	case len(matches) == 0:
		if wildcard && strict {
			report(fileProblem, "No config files matched '%s'.", pattern)
		}
		return nil, diags, false
	case missing:
		report(fileProblem, "Some config files missing: \"%s\".", pattern)
		if strict {
			return nil, diags, false
		}
	}
	ok = true
	for _, m := range matches {
		if msg := confFileProblem(m); msg != "" {
			report(fileProblem, "%s", msg)
			ok = false
			continue
		}
		if !readable(m) {
			report(config.Fatal, "Unable to read configuration file %s", m)
			return nil, diags, false
		}
		files = append(files, m)
	}
	if !ok {
		return nil, diags, false
	}
	if len(files) > 1 {
		report(config.Warning, "WARNING, multiple configuration file matches of %s, starting with %s", pattern, files[0])
	}
	return files, diags, true
}

// confFileProblem says why a match cannot be a configuration file.
func confFileProblem(name string) string {
	st, err := os.Stat(name)
	switch {
	case err == nil && st.IsDir():
		return "Configuration file '" + strings.TrimSuffix(name, "/") + "/' is a directory - skipping"
	case err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 != 0:
		return "Configuration file '" + name + "' is not a regular non-executable file - skipping"
	}
	return ""
}

// globConf expands pattern as glob(3) with GLOB_BRACE does. missing says
// whether a named file or a directory to search was absent; wildcard
// whether the pattern had wildcards to match.
func globConf(pattern string) (matches []string, missing, wildcard bool) {
	for _, alt := range expandBraces(pattern) {
		if !hasGlobMeta(alt) {
			if _, err := os.Lstat(alt); err != nil {
				missing = true
				continue
			}
			matches = append(matches, alt)
			continue
		}
		wildcard = true
		m, err := filepath.Glob(alt)
		if err != nil {
			continue
		}
		if len(m) == 0 && !dirExists(globBase(alt)) {
			missing = true
		}
		matches = append(matches, m...)
	}
	return matches, missing, wildcard
}

func readable(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

func hasGlobMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// globBase is the directory part of pattern before its first wildcard.
func globBase(pattern string) string {
	i := strings.IndexAny(pattern, "*?[")
	return filepath.Dir(pattern[:i+1])
}

func dirExists(name string) bool {
	st, err := os.Stat(name)
	return err == nil && st.IsDir()
}

// expandBraces expands the first {a,b,...} of s, recursively, as
// GLOB_BRACE does: "x{a,b}y" gives "xay" and "xby". Unbalanced braces are
// left as they are.
func expandBraces(s string) []string {
	open := strings.IndexByte(s, '{')
	if open < 0 {
		return []string{s}
	}
	depth, start := 0, open+1
	var alts []string
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case ',':
			if depth == 1 {
				alts = append(alts, s[start:i])
				start = i + 1
			}
		case '}':
			depth--
			if depth == 0 {
				alts = append(alts, s[start:i])
				var out []string
				for _, a := range alts {
					out = append(out, expandBraces(s[:open]+a+s[i+1:])...)
				}
				return out
			}
		}
	}
	return []string{s}
}
