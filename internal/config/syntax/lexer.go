package syntax

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// Options control the preprocessor.
type Options struct {
	// ConfigID is matched by "@ID" lines (keepalived's -i, default the host
	// name up to the first dot). Empty: no "@ID" line matches.
	ConfigID string
	// Instance is the value of ${_INSTANCE}; empty means ConfigID, as
	// keepalived's ${_INSTANCE} is its config id.
	Instance string
	// FS reads files; names are absolute paths without the leading '/'.
	// Nil means the host file system.
	FS fs.FS
	// Getenv gives ${_ENV NAME}; nil means os.Getenv.
	Getenv func(string) string
	// Rand drives ${_RANDOM}; nil means a generator seeded from the clock.
	Rand *rand.Rand
	// IncludeCheck makes include problems errors rather than warnings
	// (keepalived's -e sets IncludeAll).
	IncludeCheck IncludeCheck
}

// IncludeCheck is a set of include problems treated as errors.
type IncludeCheck uint8

// The include problems, as keepalived's include_check names them.
const (
	IncludeReadable      IncludeCheck = 1 << iota // a match is not a readable regular file
	IncludeMatch                                  // a named file is missing
	IncludeWildcardMatch                          // a wildcard matches nothing
	IncludeBraceMatch                             // a brace alternative is missing
	IncludeAll           = IncludeReadable | IncludeMatch | IncludeWildcardMatch | IncludeBraceMatch
)

// maxIncludeDepth bounds include nesting (a cycle is reported earlier).
const maxIncludeDepth = 32

// maxExpandedLines bounds the lines one configuration may expand to
// (physical lines, and the lines ~SEQ, ~LST, multi-line definitions and
// brace splitting make), so that nested loops cannot multiply without end.
// It is a variable so that the fuzz test can lower it.
var maxExpandedLines = 1 << 21

// maxFeedDepth bounds the recursion of generated lines (~SEQ nesting,
// brace residues, multi-line values).
const maxFeedDepth = 512

type lexer struct {
	opts     Options
	fsys     fs.FS
	rand     *rand.Rand
	getenv   func(string) string
	defs     map[string]*definition
	check    IncludeCheck
	files    []string // include stack: the file being read is last
	pending  *definition
	tree     tree
	errs     []Error
	reported map[Error]bool
	fed      int // lines read, see maxExpandedLines
}

// ParseFile reads the configuration file name (an absolute path, or one
// relative to the working directory) with its includes and returns the
// tree of its lines. Errors are returned in the order they were found; the
// tree holds everything that could be read.
func ParseFile(name string, opts Options) ([]*Node, []Error) {
	l := newLexer(opts)
	if !path.IsAbs(name) {
		if wd, err := os.Getwd(); err == nil {
			name = path.Join(wd, name)
		}
	}
	data, err := fs.ReadFile(l.fsys, fsName(name))
	if err != nil {
		l.errs = append(l.errs, Error{Msg: fmt.Sprintf("Unable to read configuration file %s: %v", name, unwrapPath(err))})
		return nil, l.errs
	}
	l.readText(path.Clean(name), data)
	return l.finish()
}

// ParseBytes reads src as the contents of the file name. Includes are read
// from opts.FS.
func ParseBytes(name string, src []byte, opts Options) ([]*Node, []Error) {
	l := newLexer(opts)
	l.readText(name, src)
	return l.finish()
}

func newLexer(opts Options) *lexer {
	l := &lexer{opts: opts, fsys: opts.FS, rand: opts.Rand, getenv: opts.Getenv, check: opts.IncludeCheck}
	if l.fsys == nil {
		l.fsys = os.DirFS("/")
	}
	if l.rand == nil {
		seed := uint64(time.Now().UnixNano())
		l.rand = rand.New(rand.NewPCG(seed, seed>>32))
	}
	if l.getenv == nil {
		l.getenv = os.Getenv
	}
	l.predefine()
	return l
}

func (l *lexer) finish() ([]*Node, []Error) {
	nodes := l.tree.close(func(pos Pos, msg string) { l.add(Error{Pos: pos, Msg: msg}) })
	return nodes, l.errs
}

func (l *lexer) errorf(pos Pos, format string, args ...any) {
	l.add(Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (l *lexer) warnf(pos Pos, format string, args ...any) {
	l.add(Error{Pos: pos, Warning: true, Msg: fmt.Sprintf(format, args...)})
}

// add records an error once: a line read several times (by ~SEQ, or
// again after substitution) reports each problem once.
func (l *lexer) add(e Error) {
	if l.reported[e] {
		return
	}
	if l.reported == nil {
		l.reported = map[Error]bool{}
	}
	l.reported[e] = true
	l.errs = append(l.errs, e)
}

// dir is the directory of the file being read (${_PWD}).
func (l *lexer) dir() string {
	if len(l.files) == 0 {
		return "/"
	}
	return path.Dir(l.files[len(l.files)-1])
}

// readText runs the per-physical-line pipeline over one file's contents.
func (l *lexer) readText(name string, data []byte) {
	l.files = append(l.files, name)
	defer func() { l.files = l.files[:len(l.files)-1] }()
	src := string(data) // lines and words are substrings of this copy
	lineNo := 0
	for len(src) > 0 {
		var raw string
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			raw, src = src[:i], src[i+1:]
		} else {
			raw, src = src, ""
		}
		lineNo++
		pos := Pos{File: name, Line: lineNo}
		switch {
		case len(raw) >= maxLine-1: // keepalived's fgets() buffer is full
			l.errorf(pos, "line too long - ignoring")
			continue
		case strings.IndexByte(raw, 0) >= 0:
			l.errorf(pos, "configuration appears to have embedded NULs - ignoring line")
			continue
		}
		raw = strings.TrimRight(raw, "\r\n")
		if len(raw) == 0 {
			l.pending = nil
			continue
		}
		text, unterminated := decomment(raw)
		if unterminated {
			l.errorf(pos, "Unterminated quote '%s'", text)
		}
		if text == "" {
			continue
		}
		if l.pending != nil {
			l.continueDefinition(text)
			continue
		}
		l.feed(text, pos, 0)
	}
	l.pending = nil
}

// continueDefinition appends a line to a multi-line $NAME= definition.
func (l *lexer) continueDefinition(text string) {
	d := l.pending
	if strings.HasSuffix(text, `\`) {
		text = strings.TrimRight(strings.TrimSuffix(text, `\`), " \t")
		if text != "" {
			d.value += text + "\n"
		}
		return
	}
	d.value += text
	l.pending = nil
}

// feed processes one decommented line: conditionals, definitions, loops,
// substitution, include and brace splitting.
func (l *lexer) feed(text string, pos Pos, depth int) {
	if text == "" {
		return
	}
	if l.fed++; l.fed > maxExpandedLines {
		if l.fed == maxExpandedLines+1 {
			l.errorf(pos, "configuration expands to more than %d lines - ignoring the rest", maxExpandedLines)
		}
		return
	}
	if depth > maxFeedDepth {
		l.errorf(pos, "line generates too deep a recursion - ignoring")
		return
	}
	if text[0] == '@' {
		var ok bool
		if text, ok = l.conditional(text); !ok {
			return
		}
	}
	if name, value, multi, ok := parseDefinition(text); ok {
		d := &definition{value: value, multiline: multi}
		l.defs[name] = d
		if multi {
			l.pending = d
		}
		return
	}
	if strings.HasPrefix(text, "~SEQ") || strings.HasPrefix(text, "~LST") {
		l.runLoop(text, pos, depth)
		return
	}
	var more []string
	if text[0] != '~' && strings.IndexByte(text, '$') >= 0 {
		out, extra, changed, err := l.substitute(text, pos)
		if err != nil {
			l.errorf(pos, "%v", err)
			return
		}
		if changed {
			out, _ = decomment(out)
			if out != "" && (out[0] == '@' || strings.IndexByte(out, '$') >= 0) {
				// keepalived 2.2.7 reads a changed line again from the
				// start: it may now be a conditional line, a definition,
				// a ~SEQ or hold more references.
				l.feed(out, pos, depth+1)
				for _, m := range extra {
					l.feed(m, pos, depth+1)
				}
				return
			}
		}
		text, more = out, extra
	}
	if kind, arg, ok := isInclude(text); ok {
		l.include(kind, arg, pos)
	} else if text != "" {
		head, rest := splitBrace(text)
		l.emit(head, pos)
		l.feed(rest, pos, depth+1)
	}
	for _, m := range more {
		l.feed(m, pos, depth+1)
	}
}

// conditional applies "@ID rest" / "@^ID rest" and returns rest when the
// line is for this config id.
func (l *lexer) conditional(text string) (string, bool) {
	inverse := strings.HasPrefix(text, "@^")
	id := text[1:]
	if inverse {
		id = text[2:]
	}
	sp := strings.IndexAny(id, " \t")
	if sp < 0 {
		return "", false
	}
	match := l.opts.ConfigID != "" && id[:sp] == l.opts.ConfigID
	if match == inverse {
		return "", false
	}
	return strings.TrimLeft(id[sp:], " \t"), true
}

// runLoop expands a ~SEQ or ~LST line.
func (l *lexer) runLoop(text string, pos Pos, depth int) {
	var lp loop
	var err error
	if strings.HasPrefix(text, "~SEQ") {
		lp, err = l.parseSeq(text, pos)
	} else {
		lp, err = parseLst(text)
	}
	if err != nil {
		l.errorf(pos, "%v", err)
		return
	}
	for k := range lp.count {
		for i, v := range lp.value(k) {
			l.defs[lp.vars[i]] = &definition{value: v}
		}
		l.feed(lp.text, pos, depth+1)
		if l.fed > maxExpandedLines {
			return
		}
	}
}

// emit records a logical line; include_check is applied at once, as
// keepalived applies it to the includes that follow it.
func (l *lexer) emit(text string, pos Pos) {
	if text == "" {
		return
	}
	w, problem := l.tree.add(text, pos)
	if problem != "" {
		l.errs = append(l.errs, Error{Pos: pos, Msg: problem})
	}
	if len(w) > 0 && problem == "" {
		switch w[0] {
		case "include_check":
			l.check = parseIncludeCheck(l.check, w[1:])
		case "random_seed":
			// keepalived seeds ${_RANDOM} when it reads random_seed, so
			// the lines after it see the new sequence.
			if len(w) == 2 {
				if seed, err := strconv.ParseUint(w[1], 10, 32); err == nil {
					l.rand = rand.New(rand.NewPCG(seed, 0))
				}
			}
		}
	}
}

// parseIncludeCheck reads include_check's arguments; no argument means all.
func parseIncludeCheck(cur IncludeCheck, args []string) IncludeCheck {
	if len(args) == 0 {
		return IncludeAll
	}
	names := map[string]IncludeCheck{
		"read": IncludeReadable, "match": IncludeMatch,
		"wildcard_match": IncludeWildcardMatch, "brace_match": IncludeBraceMatch,
	}
	for i, a := range args {
		op, name := byte(0), a
		if a != "" && (a[0] == '+' || a[0] == '-') {
			op, name = a[0], a[1:]
		} else if i > 0 {
			continue // keepalived: duplicate, ignored
		}
		bit, ok := names[name]
		switch {
		case !ok:
		case op == 0:
			cur = IncludeReadable | bit
		case op == '+':
			cur |= bit
		default:
			cur &^= bit
		}
	}
	return cur
}

// fsName turns an absolute path into an fs.FS name.
func fsName(name string) string {
	name = strings.TrimPrefix(path.Clean(name), "/")
	if name == "" {
		return "."
	}
	return name
}

// unwrapPath drops the *fs.PathError wrapper, whose path is relative.
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
