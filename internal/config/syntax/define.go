package syntax

import (
	"fmt"
	"strconv"
	"strings"
)

// maxLine is keepalived's MAXBUF: a line, before or after substitution,
// must be shorter than this.
const maxLine = 1024

// maxSubstitutions bounds the replacements on one line, so a definition
// that refers to itself ($A=$A) is reported instead of looping.
const maxSubstitutions = 256

// definition is a $NAME=VALUE parameter or a predefined one.
type definition struct {
	value     string
	multiline bool
	// fn computes the value of a predefined parameter from its arguments;
	// it may report problems at pos.
	fn               func(args []string, pos Pos) string
	minArgs, maxArgs int
	numericArgs      bool
}

// parseDefinition recognises "$NAME=VALUE" (no blank before '='). It
// returns the name, the value with blanks after '=' skipped and, for a
// value ending in '\', multiline set and the '\' (and blanks before it)
// replaced by a line end.
func parseDefinition(line string) (name, value string, multiline, ok bool) {
	if len(line) < 2 || line[0] != '$' || !isNameStart(line[1]) {
		return "", "", false, false
	}
	eq := strings.IndexByte(line, '=')
	if eq < 0 {
		return "", "", false, false
	}
	name = line[1:eq]
	for i := 1; i < len(name); i++ {
		if !isNameChar(name[i]) {
			return "", "", false, false
		}
	}
	value = strings.TrimLeft(line[eq+1:], " \t")
	if strings.HasSuffix(value, `\`) {
		value = strings.TrimRight(strings.TrimSuffix(value, `\`), " \t")
		if value != "" {
			value += "\n"
		}
		return name, value, true, true
	}
	return name, value, false, true
}

func isNameStart(c byte) bool { return c == '_' || isAlpha(c) }
func isNameChar(c byte) bool  { return c == '_' || isAlpha(c) || c >= '0' && c <= '9' }
func isAlpha(c byte) bool     { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// reference is a parsed use of a parameter at some '$'.
type reference struct {
	name   string
	args   []string
	length int  // bytes of the line the reference spans, '$' included
	atEnd  bool // nothing follows it on the line (multi-line values allowed)
}

// parseReference reads "$NAME" or "${NAME ARGS}" at s[0] == '$'. A bare
// $NAME must be followed by a blank, ',', ')' or the end of the line.
func parseReference(s string) (reference, bool) {
	if len(s) < 2 {
		return reference{}, false
	}
	braces := s[1] == '{'
	i := 1
	if braces {
		i = 2
	}
	if i >= len(s) || !isNameStart(s[i]) {
		return reference{}, false
	}
	start := i
	for i < len(s) && isNameChar(s[i]) {
		i++
	}
	r := reference{name: s[start:i]}
	if !braces {
		if i < len(s) && !isBlank(s[i]) && s[i] != ',' && s[i] != ')' {
			return reference{}, false
		}
		r.length, r.atEnd = i, i == len(s)
		return r, true
	}
	end := strings.IndexByte(s[i:], '}')
	if end < 0 {
		return reference{}, false
	}
	params := s[i : i+end]
	for j := 0; j < len(params); j++ {
		if !isBlank(params[j]) && !isNameChar(params[j]) {
			return reference{}, false
		}
	}
	if params != "" && (!isBlank(params[0]) || isBlank(params[len(params)-1])) {
		return reference{}, false
	}
	r.args = strings.Fields(params)
	r.length = i + end + 1
	r.atEnd = r.length == len(s)
	return r, true
}

// substitute replaces parameter references in line, left to right; a
// replacement is scanned again, so definitions may refer to others. Only
// the first line of a multi-line value replaces the reference; the others
// are returned in more, to be read as the following lines. A reference
// with arguments its parameter does not take is left as it is (reported
// at pos for the predefined parameters that take arguments).
func (l *lexer) substitute(line string, pos Pos) (out string, more []string, changed bool, err error) {
	count := 0
	for i := 0; i < len(line); {
		j := strings.IndexByte(line[i:], '$')
		if j < 0 {
			break
		}
		i += j
		ref, ok := parseReference(line[i:])
		if !ok {
			i++
			continue
		}
		def, ok := l.defs[ref.name]
		if !ok || def.multiline && !ref.atEnd || len(ref.args) > 0 && def.maxArgs == 0 {
			i++
			continue
		}
		value, ok := l.expand(ref, def, pos)
		if !ok {
			i++
			continue
		}
		if count++; count > maxSubstitutions {
			return line, nil, changed, fmt.Errorf("parameter substitution on line '%s' does not terminate", line)
		}
		if def.multiline {
			var rest string
			value, rest, _ = strings.Cut(value, "\n")
			if rest != "" {
				more = append(strings.Split(rest, "\n"), more...)
			}
		}
		line = line[:i] + value + line[i+ref.length:]
		changed = true
		if len(line) >= maxLine {
			return line, nil, changed, fmt.Errorf("parameter substitution on line '%s' would exceed maximum line length", line)
		}
		if v := strings.TrimLeft(value, " \t"); strings.HasPrefix(v, "~") {
			break
		}
	}
	return line, more, changed, nil
}

// expand computes the value of a reference. Arguments a predefined
// parameter does not accept are reported and ok is false.
func (l *lexer) expand(ref reference, def *definition, pos Pos) (value string, ok bool) {
	if def.fn == nil {
		return def.value, true
	}
	if n := len(ref.args); n < def.minArgs || n > def.maxArgs {
		l.errorf(pos, "definition %s requires between %d and %d parameters, %d specified", ref.name, def.minArgs, def.maxArgs, n)
		return "", false
	}
	if def.numericArgs {
		for _, a := range ref.args {
			if _, err := strconv.ParseUint(a, 10, 31); err != nil {
				l.errorf(pos, "definition %s requires numeric parameters only", ref.name)
				return "", false
			}
		}
	}
	return def.fn(ref.args, pos), true
}

// predefine installs keepalived's standard definitions.
func (l *lexer) predefine() {
	l.defs = map[string]*definition{
		"_PWD": {fn: func([]string, Pos) string { return l.dir() }},
		"_INSTANCE": {fn: func([]string, Pos) string {
			if l.opts.Instance == "" {
				return l.opts.ConfigID
			}
			return l.opts.Instance
		}},
		"_RANDOM": {fn: l.random, maxArgs: 2, numericArgs: true},
		"_ENV": {fn: func(a []string, _ Pos) string {
			return l.getenv(a[0])
		}, minArgs: 1, maxArgs: 1},
		"_HASH": {value: "#"},
		"_BANG": {value: "!"},
	}
}

// random implements ${_RANDOM [MIN [MAX]]}: an integer in [MIN, MAX],
// default 0..32767. A MIN above MAX is reported and MIN is used, as
// keepalived does.
func (l *lexer) random(args []string, pos Pos) string {
	lo, hi := 0, 32767
	if len(args) == 1 {
		hi, _ = strconv.Atoi(args[0])
	} else if len(args) == 2 {
		lo, _ = strconv.Atoi(args[0])
		hi, _ = strconv.Atoi(args[1])
	}
	if lo > hi {
		l.errorf(pos, "${_RANDOM}: min %d exceeds max %d, using %d", lo, hi, lo)
		hi = lo
	}
	return strconv.Itoa(lo + l.rand.IntN(hi-lo+1))
}
