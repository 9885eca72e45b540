package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// parser holds the state of one parse: the model being built and the
// problems found. Section parsers are functions of *parser.
type parser struct {
	opts  Options
	cfg   *Config
	diags Diagnostics
}

func (p *parser) report(pos syntax.Pos, sev Severity, kind Kind, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{Pos: pos, Severity: sev, Kind: kind, Msg: fmt.Sprintf(format, args...)})
}

// errorf reports a rejected or corrected setting at n (exit status 5).
func (p *parser) errorf(n *syntax.Node, kind Kind, format string, args ...any) {
	p.report(n.Pos, Error, kind, format, args...)
}

// warnf reports a questionable setting at n (exit status 5, as keepalived).
func (p *parser) warnf(n *syntax.Node, kind Kind, format string, args ...any) {
	p.report(n.Pos, Warning, kind, format, args...)
}

// infof reports something keepalived only logs (exit status unchanged).
func (p *parser) infof(n *syntax.Node, kind Kind, format string, args ...any) {
	p.report(n.Pos, Info, kind, format, args...)
}

// deprecated reports an old keyword spelling that still works.
func (p *parser) deprecated(n *syntax.Node, use string) {
	p.report(n.Pos, Warning, KindDeprecated, "%s is deprecated - please use %s", n.Keyword(), use)
}

// unsupported reports a keyword that is parsed and kept in the model but
// that keepalived-go does not act on.
func (p *parser) unsupported(n *syntax.Node) {
	p.report(n.Pos, Info, KindUnsupported, "%s is not supported by keepalived-go - ignored", n.Keyword())
}

// entry is a keyword of a block: its handler, and whether it takes a
// "{ ... }" block of its own.
type entry[T any] struct {
	fn    func(p *parser, n *syntax.Node, obj *T)
	block bool
}

// table maps the keywords of one kind of block to their handlers.
type table[T any] map[string]entry[T]

// kw is a keyword that takes arguments on its line.
func kw[T any](fn func(p *parser, n *syntax.Node, obj *T)) entry[T] {
	return entry[T]{fn: fn}
}

// blk is a keyword that opens a block.
func blk[T any](fn func(p *parser, n *syntax.Node, obj *T)) entry[T] {
	return entry[T]{fn: fn, block: true}
}

// parseBlock dispatches each line of a block to its keyword's handler.
// Unknown keywords are reported with their position and skipped, block
// and all; a keyword given a block it does not take is reported and the
// block skipped; a block keyword without its block is reported.
func parseBlock[T any](p *parser, nodes []*syntax.Node, obj *T, t table[T]) {
	for _, n := range nodes {
		e, ok := t[n.Keyword()]
		switch {
		case !ok:
			p.errorf(n, KindUnknown, "Unknown keyword '%s'", n.Keyword())
		case e.block && !n.Block:
			p.errorf(n, KindSyntax, "Missing '{' at beginning of configuration block for '%s'", n.Keyword())
		case !e.block && n.Block:
			p.errorf(n, KindSyntax, "Unexpected '{' - ignoring the block after '%s'", n.Keyword())
			e.fn(p, n, obj)
		default:
			e.fn(p, n, obj)
		}
	}
}

// Argument helpers. Each reports its own problem and returns ok=false when
// the value cannot be used; the caller then keeps its default.

// nargs checks the number of arguments; max < 0 means no maximum.
func (p *parser) nargs(n *syntax.Node, min, max int) bool {
	got := len(n.Words) - 1
	if got < min {
		p.errorf(n, KindMissing, "Configuration line starting `%s` is missing a parameter after keyword `%s` at word position %d", n.Keyword(), n.Words[len(n.Words)-1], len(n.Words)+1)
		return false
	}
	if max >= 0 && got > max {
		p.infof(n, KindValue, "%s: ignoring extra arguments '%s'", n.Keyword(), strings.Join(n.Words[1+max:], " "))
	}
	return true
}

// uint reads word i of n as keepalived's read_unsigned() does: a decimal
// unsigned integer of at most 32 bits, in [lo, hi].
func (p *parser) uint(n *syntax.Node, i int, lo, hi uint64) (uint64, bool) {
	if !p.nargs(n, i, -1) {
		return 0, false
	}
	return p.uintWord(n, n.Words[i], lo, hi)
}

// int reads word i of n as keepalived's read_int() does: a decimal signed
// integer of at most 32 bits, in [lo, hi].
func (p *parser) int(n *syntax.Node, i int, lo, hi int64) (int64, bool) {
	if !p.nargs(n, i, -1) {
		return 0, false
	}
	return p.intWord(n, n.Words[i], lo, hi)
}

// uintWord reads s as keepalived's read_unsigned() does (decimal, at most
// 32 bits), reporting its problems at n.
func (p *parser) uintWord(n *syntax.Node, s string, lo, hi uint64) (uint64, bool) {
	t := strings.TrimLeft(s, " \t")
	if strings.HasPrefix(t, "-") {
		p.errorf(n, KindValue, "negative number '%s'", s)
		return 0, false
	}
	v, err := strconv.ParseUint(t, 10, 64)
	switch {
	case err != nil && !isRangeErr(err):
		p.errorf(n, KindValue, "invalid number '%s'", s)
		return 0, false
	case err != nil || v > 0xFFFFFFFF:
		p.errorf(n, KindValue, "number '%s' outside unsigned integer range", s)
		return 0, false
	case v < lo || v > hi:
		p.errorf(n, KindValue, "number '%s' outside range [%d, %d]", s, lo, hi)
		return 0, false
	}
	return v, true
}

// intWord reads s as keepalived's read_int() does, reporting its problems
// at n.
func (p *parser) intWord(n *syntax.Node, s string, lo, hi int64) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil && !isRangeErr(err):
		p.errorf(n, KindValue, "invalid number '%s'", s)
		return 0, false
	case err != nil || v < -1<<31 || v > 1<<31-1:
		p.errorf(n, KindValue, "number '%s' outside integer range", s)
		return 0, false
	case v < lo || v > hi:
		p.errorf(n, KindValue, "number '%s' outside range [%d, %d]", s, lo, hi)
		return 0, false
	}
	return v, true
}

// isRangeErr reports whether strconv failed because the number is too
// large for its type.
func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// decimal reads word i of n as a non-negative decimal with up to places
// decimal places, scaled by 10^places, in [lo, hi] (scaled units). More
// places are rounded and reported, as keepalived does.
func (p *parser) decimal(n *syntax.Node, i int, places int, lo, hi uint64) (uint64, bool) {
	if !p.nargs(n, i, -1) {
		return 0, false
	}
	s := n.Words[i]
	if strings.HasPrefix(s, "-") {
		p.errorf(n, KindValue, "negative number '%s'", s)
		return 0, false
	}
	v, rounded, ok := parseDecimal(s, places)
	if !ok {
		p.errorf(n, KindValue, "invalid number '%s'", s)
		return 0, false
	}
	if rounded {
		p.errorf(n, KindValue, "number '%s' has too many decimal places", s)
	}
	if v < lo || v > hi {
		p.errorf(n, KindValue, "number '%s' outside range [%s, %s]", s, formatDecimal(lo, places), formatDecimal(hi, places))
		return 0, false
	}
	return v, true
}

// parseDecimal parses "12", "12.5", ".5" into an integer scaled by
// 10^places, rounding half up past places decimals.
func parseDecimal(s string, places int) (v uint64, rounded, ok bool) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, false, false
	}
	if len(frac) > places {
		rounded = true
		up := frac[places] >= '5'
		frac = frac[:places]
		defer func() {
			if ok && up {
				v++
			}
		}()
	}
	digits := whole + frac + strings.Repeat("0", places-len(frac))
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false, false
		}
	}
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, false, false
	}
	return v, rounded, true
}

// formatDecimal renders a scaled integer with places decimals ("0.000001").
func formatDecimal(v uint64, places int) string {
	scale := uint64(math.Pow10(places))
	if places == 0 {
		return strconv.FormatUint(v, 10)
	}
	return fmt.Sprintf("%d.%0*d", v/scale, places, v%scale)
}

// timer reads word i of n as seconds with microsecond resolution in
// [lo, hi] (hi 0 means keepalived's TIMER_MAXIMUM).
func (p *parser) timer(n *syntax.Node, i int, lo, hi Duration) (Duration, bool) {
	if hi == 0 {
		hi = TimerMaximum
	}
	v, ok := p.decimal(n, i, 6, uint64(lo/Microsecond), uint64(hi/Microsecond))
	return Duration(v) * Microsecond, ok
}

// boolean reads keepalived's true/false words.
func parseBool(s string) (value, ok bool) {
	switch s {
	case "true", "on", "yes":
		return true, true
	case "false", "off", "no":
		return false, true
	}
	return false, false
}

// optBool reads an optional boolean argument: no argument means true.
func (p *parser) optBool(n *syntax.Node) (bool, bool) {
	if len(n.Words) == 1 {
		return true, true
	}
	p.nargs(n, 1, 1)
	v, ok := parseBool(n.Words[1])
	if !ok {
		p.errorf(n, KindValue, "invalid boolean value '%s' for %s - use true/false, yes/no or on/off", n.Words[1], n.Keyword())
	}
	return v, ok
}

// oneOf reads word i of n as one of the given words.
func (p *parser) oneOf(n *syntax.Node, i int, words ...string) (string, bool) {
	if !p.nargs(n, i, -1) {
		return "", false
	}
	for _, w := range words {
		if n.Words[i] == w {
			return w, true
		}
	}
	p.errorf(n, KindValue, "invalid value '%s' for %s - must be one of %s", n.Words[i], n.Keyword(), strings.Join(words, ", "))
	return "", false
}

// script reads a script keyword's value (argv, user, group).
func (p *parser) script(n *syntax.Node) (*Script, bool) {
	c, err := syntax.ParseCommand(n.Text)
	if err != nil {
		p.errorf(n, KindValue, "Unable to parse script for %s: %v", n.Keyword(), err)
		return nil, false
	}
	sc := &Script{Args: c.Args, User: c.User, Group: c.Group, Pos: n.Pos}
	p.cfg.scripts = append(p.cfg.scripts, sc)
	return sc, true
}

// values returns the entries of a value block, one line each ("{ a b }"
// lines hold several words; each line is one entry).
func values(n *syntax.Node) []*syntax.Node { return n.Children }

// blockEnd is the position of the '}' closing block n, where keepalived
// reports the problems it finds when a block ends (the block's own line if
// it was never closed).
func blockEnd(n *syntax.Node) syntax.Pos {
	if n.End != (syntax.Pos{}) {
		return n.End
	}
	return n.Pos
}
