package cli

import (
	"fmt"
	"io"
	"strings"
)

// genhashOption is one option of genhash's command line (getopt string
// ":hvSs:V:p:u:m:P:t:I" and the long forms of check_genhash.c, 2.2.7).
type genhashOption struct {
	long  string
	short byte
	value bool
}

// genhashOptions are in keepalived's long_options order.
var genhashOptions = []genhashOption{
	{"help", 'h', false}, {"verbose", 'v', false}, {"use-ssl", 'S', false}, {"use-sni", 'I', false},
	{"server", 's', true}, {"use-virtualhost", 'V', true}, {"port", 'p', true}, {"url", 'u', true},
	{"fwmark", 'm', true}, {"protocol", 'P', true}, {"timeout", 't', true},
}

// genhashParser reads genhash's arguments as getopt_long does (options
// and operands mixed, long options abbreviated, "--" ends the options),
// with genhash's messages.
type genhashParser struct {
	o          *genhashOpts
	stderr     io.Writer
	args       []string
	i          int
	bad        bool     // an unknown option or -h: usage after the parse
	failed     bool     // a bad value: usage at once
	positional []string // operands, which genhash refuses
}

// parseGenhash reads genhash's command line. argc is keepalived's (see
// runGenhash). ok is false when the usage must be printed and genhash
// exit 1; the reason, if any, is already on stderr.
func parseGenhash(argc int, args []string, stderr io.Writer) (o *genhashOpts, ok bool) {
	if argc <= 2 {
		return nil, false
	}
	p := &genhashParser{o: &genhashOpts{timeout: genhashDefaultTimeout}, stderr: stderr, args: args}
	for ; p.i < len(args) && !p.failed; p.i++ {
		a := args[p.i]
		switch {
		case a == "--":
			p.positional = append(p.positional, args[p.i+1:]...)
			p.i = len(args)
		case strings.HasPrefix(a, "--"):
			p.long(a)
		case len(a) > 1 && a[0] == '-':
			p.cluster(a)
		default:
			p.positional = append(p.positional, a)
		}
	}
	switch {
	case p.failed || p.bad:
		return nil, false
	case len(p.positional) > 0:
		fmt.Fprintf(stderr, "Unexpected argument(s): %s\n", strings.Join(p.positional, " "))
		return nil, false
	}
	o = p.o
	return o, o.hasServer && o.hasPort && o.hasURL
}

// long reads "--name", "--name=value" or "--name value".
func (p *genhashParser) long(a string) {
	name, value, hasValue := strings.Cut(a[2:], "=")
	opt := findGenhashLong(name)
	switch {
	case opt == nil, !opt.value && hasValue:
		p.badf("Unknown option %s", a)
		return
	case opt.value && !hasValue:
		if p.i+1 >= len(p.args) {
			// keepalived 2.2.7 crashes here (long_options[-1]).
			p.badf("Missing parameter for option --%s", opt.long)
			return
		}
		p.i++
		value = p.args[p.i]
	}
	p.apply(opt, value)
}

// cluster reads "-vS", "-s1.2.3.4" or "-s 1.2.3.4".
func (p *genhashParser) cluster(a string) {
	for j := 1; j < len(a); j++ {
		opt := findGenhashShort(a[j])
		switch {
		case opt == nil:
			p.badf("Unknown option -%c", a[j])
			continue
		case !opt.value:
			p.apply(opt, "")
			continue
		case j+1 < len(a):
			p.apply(opt, a[j+1:])
		case p.i+1 < len(p.args):
			p.i++
			p.apply(opt, p.args[p.i])
		default:
			p.badf("Missing parameter for option -%c", a[j])
		}
		return
	}
}

func (p *genhashParser) apply(opt *genhashOption, value string) {
	if opt.short == 'h' {
		p.bad = true
		return
	}
	if !genhashSetters[opt.short](p.o, value, p.stderr) {
		p.failed = true
	}
}

func (p *genhashParser) badf(format string, args ...any) {
	fmt.Fprintf(p.stderr, format+"\n", args...)
	p.bad = true
}

func findGenhashShort(c byte) *genhashOption {
	for i := range genhashOptions {
		if genhashOptions[i].short == c {
			return &genhashOptions[i]
		}
	}
	return nil
}

// findGenhashLong finds a long option by its name or an unambiguous
// prefix of it.
func findGenhashLong(name string) *genhashOption {
	var match *genhashOption
	for i := range genhashOptions {
		o := &genhashOptions[i]
		switch {
		case o.long == name:
			return o
		case name != "" && strings.HasPrefix(o.long, name):
			if match != nil {
				return nil
			}
			match = o
		}
	}
	return match
}

// genhashMode finds keepalived's -T (--genhash), which hands the rest of
// the command line to genhash: rest is what follows it, opt how keepalived
// names it in its warning when it was not the first option.
func genhashMode(args []string) (rest []string, opt string, first, ok bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		var parts []string
		var next bool
		switch {
		case a == "--":
			return nil, "", false, false
		case strings.HasPrefix(a, "--"):
			parts, next = kaExpandLong(a)
			if parts[0] == "--genhash" {
				return args[i+1:], "genhash", i == 0, true
			}
		case len(a) > 1 && a[0] == '-':
			parts, next = kaSplitShort(a)
			if j := strings.IndexByte(parts[0], 'T'); j > 0 && !strings.HasPrefix(parts[0], "--") {
				return args[i+1:], "-T", i == 0 && j == 1, true
			}
		}
		if next {
			i++
		}
	}
	return nil, "", false, false
}
