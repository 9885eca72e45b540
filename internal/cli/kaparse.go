package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// errStop ends option parsing early: an option such as -v has decided
// the exit status.
var errStop = errors.New("stop parsing")

// newKaFlagSet declares keepalived's options to pflag. Values are not
// stored by pflag: ParseAll hands each option to kaRun.option in order.
func newKaFlagSet() *pflag.FlagSet {
	fs := pflag.NewFlagSet("keepalived", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.ParseErrorsAllowlist.UnknownFlagsHandling = pflag.PassUnknownFlagToArgs
	for _, o := range kaOptions {
		short := ""
		if o.short != 0 {
			short = string(o.short)
		}
		f := fs.VarPF(new(discardValue), o.long, short, "")
		if o.arg != requiredArg {
			f.NoOptDefVal = noValue
		}
	}
	return fs
}

// discardValue is a pflag.Value that keeps nothing: keepalived's options
// are applied by kaRun.option as they come.
type discardValue struct{}

func (*discardValue) String() string   { return "" }
func (*discardValue) Set(string) error { return nil }
func (*discardValue) Type() string     { return "string" }

// parse reads keepalived's command line as getopt_long would. It returns
// done with an exit status when the command line alone decides it (-v,
// -h, --signum, a bad option).
func (r *kaRun) parse(args []string) (code int, done bool) {
	fs := newKaFlagSet()
	err := fs.ParseAll(kaNormalize(args), r.option)
	positional, unknown := splitUnknown(fs)
	for _, u := range unknown {
		r.reportUnknown(u)
	}
	var req *pflag.ValueRequiredError
	var syn *pflag.InvalidSyntaxError
	switch {
	case errors.As(err, &req) && req.GetSpecifiedShortnames() != "":
		r.badf("Missing parameter for option -%s", req.GetSpecifiedName())
	case errors.As(err, &req):
		r.badf("Missing parameter for option --%s", req.GetSpecifiedName())
	case errors.As(err, &syn):
		r.badf("Unknown option %s", syn.GetSpecifiedFlag())
	case err != nil && !errors.Is(err, errStop):
		r.badf("%v", err)
	}
	if r.stop != nil {
		return r.stop(), true
	}
	if len(positional) > 0 {
		fmt.Fprintf(r.stdout, "Unexpected argument(s): %s \n", strings.Join(positional, " "))
	}
	if r.bad {
		return 1, true
	}
	return 0, false
}

// option applies one option, checking its value as keepalived does.
func (r *kaRun) option(f *pflag.Flag, value string) error {
	o := kaByLong[f.Name]
	switch {
	case o.arg == noArg && value != noValue:
		r.badf("Unknown option --%s=%s", o.long, value)
		return nil
	case o.arg == requiredArg && value == "":
		r.badf("Missing parameter for option --%s", o.long)
		return nil
	case value == noValue:
		value = ""
	}
	o.apply(r, value)
	if r.stop != nil {
		return errStop
	}
	return nil
}

// splitUnknown separates the non-option arguments pflag left from the
// unknown options it passed through (those start with '-' and come before
// any "--").
func splitUnknown(fs *pflag.FlagSet) (positional, unknown []string) {
	dash := fs.ArgsLenAtDash()
	for i, a := range fs.Args() {
		if (dash < 0 || i < dash) && len(a) > 1 && a[0] == '-' {
			unknown = append(unknown, a)
			continue
		}
		positional = append(positional, a)
	}
	return positional, unknown
}

// reportUnknown reports an option keepalived does not know: each letter
// of a short cluster on its own, as getopt returns them.
func (r *kaRun) reportUnknown(arg string) {
	if strings.HasPrefix(arg, "--") {
		r.badf("Unknown option %s", arg)
		return
	}
	for _, c := range []byte(arg[1:]) {
		r.badf("Unknown option -%c", c)
	}
}

func (r *kaRun) badf(format string, args ...any) {
	fmt.Fprintf(r.stderr, format+"\n", args...)
	r.bad = true
}

// kaNormalize rewrites the arguments where getopt_long and pflag differ:
// a long option may be abbreviated to any unambiguous prefix, and a short
// option with an optional value takes the rest of its cluster as the value
// (-t/tmp/log, -nlDtLOG). Values of options are left alone.
func kaNormalize(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		var parts []string
		var next bool // the next argument is this option's value
		switch {
		case a == "--":
			return append(out, args[i:]...)
		case strings.HasPrefix(a, "--"):
			parts, next = kaExpandLong(a)
		case len(a) > 1 && a[0] == '-':
			parts, next = kaSplitShort(a)
		default:
			parts = []string{a}
		}
		out = append(out, parts...)
		if next && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
	}
	return out
}

// kaExpandLong completes an abbreviated long option.
func kaExpandLong(a string) (parts []string, next bool) {
	name, value, hasValue := strings.Cut(a[2:], "=")
	o := kaByLong[name]
	if o == nil {
		var match []*kaOption
		for i := range kaOptions {
			if name != "" && strings.HasPrefix(kaOptions[i].long, name) {
				match = append(match, &kaOptions[i])
			}
		}
		if len(match) != 1 {
			return []string{a}, false
		}
		o = match[0]
		a = "--" + o.long
		if hasValue {
			a += "=" + value
		}
	}
	return []string{a}, o.arg == requiredArg && !hasValue
}

// kaSplitShort gives a cluster of short options a getopt reading: an
// option taking a value ends the cluster, and the rest of the word (if
// any, "=" included) is its value.
func kaSplitShort(a string) (parts []string, next bool) {
	for j := 1; j < len(a); j++ {
		o := kaByShort[a[j]]
		switch {
		case o == nil || o.arg == noArg:
			continue
		case j == len(a)-1:
			return []string{a}, o.arg == requiredArg
		}
		if j > 1 {
			parts = append(parts, a[:j])
		}
		return append(parts, "--"+o.long+"="+a[j+1:]), false
	}
	return []string{a}, false
}
