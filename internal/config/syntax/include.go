package syntax

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// isInclude recognises "include FILE" and its variants includer, includem,
// includew, includeb and includea.
func isInclude(text string) (kind byte, arg string, ok bool) {
	if !strings.HasPrefix(text, "include") || len(text) < 9 {
		return 0, "", false
	}
	switch c := text[7]; {
	case isBlank(c):
		return 0, strings.TrimLeft(text[8:], " \t"), true
	case strings.IndexByte("rmwba", c) >= 0 && isBlank(text[8]):
		return c, strings.TrimLeft(text[9:], " \t"), true
	}
	return 0, "", false
}

// includeChecks gives the problems an include variant treats as errors.
var includeChecks = map[byte]IncludeCheck{
	0:   0,
	'r': IncludeReadable,
	'm': IncludeReadable | IncludeMatch,
	'w': IncludeReadable | IncludeMatch | IncludeWildcardMatch,
	'b': IncludeReadable | IncludeBraceMatch,
	'a': IncludeAll,
}

// include reads the files an include line names. Patterns are relative to
// the including file's directory and may use *, ?, [...] and {a,b}.
func (l *lexer) include(kind byte, pattern string, pos Pos) {
	check := l.check | includeChecks[kind]
	report := func(problem IncludeCheck, format string, args ...any) {
		if check&problem != 0 {
			l.errs = append(l.errs, Error{Pos: pos, Include: true, Msg: fmt.Sprintf(format, args...)})
		} else {
			l.warnf(pos, format, args...)
		}
	}
	if pattern == "" {
		l.errorf(pos, "include without a file name")
		return
	}
	if !path.IsAbs(pattern) {
		pattern = path.Join(l.dir(), pattern)
	}
	alternatives := expandBraces(pattern)
	var matches []string
	missing := 0
	for _, alt := range alternatives {
		if !hasMeta(alt) {
			if _, err := fs.Stat(l.fsys, fsName(alt)); err != nil {
				missing++
				continue
			}
			matches = append(matches, alt)
			continue
		}
		if !l.dirExists(alt) {
			missing++
			continue
		}
		m, err := fs.Glob(l.fsys, fsName(alt))
		if err != nil {
			l.errorf(pos, "Error reading config file(s): bad pattern %q, skipping", alt)
			continue
		}
		for _, f := range m {
			matches = append(matches, "/"+f)
		}
	}
	switch {
	case len(matches) == 0 && missing > 0 && len(alternatives) > 1:
		report(IncludeBraceMatch, "Config files missing '%s'.", pattern)
		return
	case len(matches) == 0 && missing > 0:
		report(IncludeMatch, "Config files missing '%s'.", pattern)
		return
	case len(matches) == 0:
		report(IncludeWildcardMatch, "No config files matched '%s'.", pattern)
		return
	case missing > 0:
		report(IncludeBraceMatch, "Some config files missing: \"%s\".", pattern)
		if check&IncludeBraceMatch != 0 {
			return
		}
	}
	for _, name := range matches {
		l.includeFile(name, pos, report)
	}
}

// includeFile reads one matched file after keepalived's checks.
func (l *lexer) includeFile(name string, pos Pos, report func(IncludeCheck, string, ...any)) {
	st, err := fs.Stat(l.fsys, fsName(name))
	if err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 != 0 {
		report(IncludeReadable, "Configuration file '%s' is not a regular non-executable file - skipping", name)
		return
	}
	if slices.Contains(l.files, name) {
		l.errorf(pos, "include cycle: '%s' is already being read - skipping", name)
		return
	}
	if len(l.files) >= maxIncludeDepth {
		l.errorf(pos, "includes nested more than %d deep - skipping '%s'", maxIncludeDepth, name)
		return
	}
	data, err := fs.ReadFile(l.fsys, fsName(name))
	if err != nil {
		report(IncludeReadable, "Unable to read configuration file %s: %v", name, unwrapPath(err))
		return
	}
	saved := l.pending
	l.pending = nil
	l.readText(name, data)
	l.pending = saved
}

// dirExists reports whether the directory a glob pattern starts from (its
// part before the first component with metacharacters) exists: glob(3)
// counts a directory it cannot open as a missing file, which keepalived
// reports as "Config files missing" rather than as an unmatched wildcard.
func (l *lexer) dirExists(pattern string) bool {
	i := strings.IndexAny(pattern, `*?[\`)
	dir := pattern[:strings.LastIndexByte(pattern[:i], '/')+1]
	if dir == "" {
		return true
	}
	st, err := fs.Stat(l.fsys, fsName(dir))
	return err == nil && st.IsDir()
}

// hasMeta reports whether a pattern has glob metacharacters.
func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// maxBraceExpansion bounds the alternatives one pattern may expand to.
const maxBraceExpansion = 4096

// expandBraces expands csh-style {a,b} alternatives (nested allowed), left
// to right, as glob(3) with GLOB_BRACE does. A brace without a matching
// close brace or comma is kept literally.
func expandBraces(p string) []string {
	open := -1
	depth := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			if depth == 0 {
				open = i
			}
			depth++
		case '}':
			if depth == 0 {
				continue
			}
			depth--
			if depth > 0 {
				continue
			}
			var out []string
			for _, part := range splitTopLevel(p[open+1 : i]) {
				out = append(out, expandBraces(p[:open]+part+p[i+1:])...)
				if len(out) > maxBraceExpansion {
					return out[:maxBraceExpansion]
				}
			}
			return out
		}
	}
	return []string{p}
}

// splitTopLevel splits s on commas not nested in braces.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}
