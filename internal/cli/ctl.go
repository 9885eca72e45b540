package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// Exit statuses of keepalivedctl besides those of its commands.
const (
	exitUsage = 2 // unknown command, bad flag or missing argument
)

// ctlIO is where a keepalivedctl command writes: its intended output on
// stdout, everything else on stderr.
type ctlIO struct {
	stdout, stderr io.Writer
}

// ctlVerb is one "keepalivedctl NOUN VERB" command.
type ctlVerb struct {
	name    string
	args    string // the synopsis after the flags, e.g. "FILE"
	summary string
	// flags declares the verb's flags on fs and returns the function that
	// runs the command with the remaining arguments.
	flags func(fs *pflag.FlagSet) func(ctx context.Context, cio ctlIO, args []string) int
}

// ctlNoun groups the verbs acting on one thing.
type ctlNoun struct {
	name  string
	verbs []ctlVerb
}

// ctlNouns lists every keepalivedctl command that exists, in help order.
var ctlNouns = []ctlNoun{
	{name: "status", verbs: []ctlVerb{statusVerb}},
	{name: "vrrp", verbs: []ctlVerb{vrrpShowVerb}},
	{name: "lvs", verbs: []ctlVerb{lvsListVerb, lvsConnsVerb}},
	{name: "check", verbs: []ctlVerb{checkShowVerb}},
	{name: "reload", verbs: []ctlVerb{reloadVerb}},
	{name: "config", verbs: []ctlVerb{configCheckVerb, configDumpVerb}},
	{name: "demo", verbs: []ctlVerb{demoVerb}},
	{name: "realserver", verbs: []ctlVerb{realserverUpVerb, realserverDownVerb}},
}

// RunKeepalivedctl runs "keepalivedctl NOUN VERB [flags] [args]" (args
// without the program name) and returns the exit status.
func RunKeepalivedctl(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cio := ctlIO{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		writeCtlUsage(stderr)
		return exitUsage
	}
	if isHelp(args[0]) {
		writeCtlUsage(stdout)
		return 0
	}
	noun := findNoun(args[0])
	if noun == nil {
		return cio.usageErrorf("unknown command %q", args[0])
	}
	if len(noun.verbs) == 1 && noun.verbs[0].name == "" {
		// A command of one word: keepalivedctl status, reload.
		return runVerb(ctx, cio, noun, &noun.verbs[0], args[1:])
	}
	if len(args) < 2 || isHelp(args[1]) {
		w, code := stderr, exitUsage
		if len(args) >= 2 {
			w, code = stdout, 0
		}
		writeNounUsage(w, noun)
		return code
	}
	verb := noun.find(args[1])
	if verb == nil {
		return cio.usageErrorf("unknown command %q", args[0]+" "+args[1])
	}
	return runVerb(ctx, cio, noun, verb, args[2:])
}

// runVerb parses a verb's flags and runs it.
func runVerb(ctx context.Context, cio ctlIO, noun *ctlNoun, verb *ctlVerb, args []string) int {
	name := strings.TrimSpace(noun.name + " " + verb.name)
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(cio.stderr)
	fs.Usage = func() {}
	run := verb.flags(fs)
	help := fs.BoolP("help", "h", false, "show this help")
	if err := fs.Parse(args); err != nil {
		return cio.usageErrorf("%s: %v", name, err)
	}
	if *help {
		writeVerbUsage(cio.stdout, noun, verb, fs)
		return 0
	}
	return run(ctx, cio, fs.Args())
}

func (cio ctlIO) usageErrorf(format string, args ...any) int {
	fmt.Fprintf(cio.stderr, "keepalivedctl: "+format+"\n", args...)
	fmt.Fprintln(cio.stderr, `Run "keepalivedctl --help" for the commands.`)
	return exitUsage
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "help"
}

func findNoun(name string) *ctlNoun {
	for i := range ctlNouns {
		if ctlNouns[i].name == name {
			return &ctlNouns[i]
		}
	}
	return nil
}

func (n *ctlNoun) find(name string) *ctlVerb {
	for i := range n.verbs {
		if n.verbs[i].name == name {
			return &n.verbs[i]
		}
	}
	return nil
}

func writeCtlUsage(w io.Writer) {
	fmt.Fprint(w, "Usage: keepalivedctl <command> [flags] [arguments]\n\n")
	fmt.Fprint(w, "keepalivedctl is keepalived-go's operator tool.\n\nCommands:\n")
	for i := range ctlNouns {
		writeVerbList(w, &ctlNouns[i])
	}
	fmt.Fprint(w, "\nRun \"keepalivedctl <command> --help\" for a command's flags.\n")
}

func writeNounUsage(w io.Writer, n *ctlNoun) {
	fmt.Fprintf(w, "Usage: keepalivedctl %s <command> [flags] [arguments]\n\nCommands:\n", n.name)
	writeVerbList(w, n)
}

func writeVerbList(w io.Writer, n *ctlNoun) {
	for _, v := range n.verbs {
		fmt.Fprintf(w, "  %-28s %s\n", strings.Join(strings.Fields(n.name+" "+v.name+" "+v.args), " "), v.summary)
	}
}

func writeVerbUsage(w io.Writer, n *ctlNoun, v *ctlVerb, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "Usage: keepalivedctl %s [flags] %s\n\n%s.\n\nFlags:\n", strings.TrimSpace(n.name+" "+v.name), v.args, upperFirst(v.summary))
	fs.VisitAll(func(f *pflag.Flag) {
		name, usage := pflag.UnquoteUsage(f)
		if f.Value.Type() == "bool" {
			name = ""
		}
		head := "      --" + f.Name
		if f.Shorthand != "" {
			head = "  -" + f.Shorthand + ", --" + f.Name
		}
		fmt.Fprintf(w, "%-28s %s\n", strings.TrimRight(head+" "+name, " "), usage)
	})
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
