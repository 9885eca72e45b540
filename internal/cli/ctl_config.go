package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/spf13/pflag"
)

// configCheckVerb is "keepalivedctl config check": keepalived -t with a
// choice of output. A missing configuration file is an error here (exit
// 4), where keepalived -t only logs it.
var configCheckVerb = ctlVerb{
	name:    "check",
	args:    "FILE",
	summary: "check a configuration as keepalived -t does",
	flags: func(fs *pflag.FlagSet) func(context.Context, ctlIO, []string) int {
		asJSON := fs.Bool("json", false, `print {"exit": N, "problems": [...]} as JSON`)
		configID := fs.StringP("config-id", "i", "", "use `ID` as config-id for @ID lines (default: the host name up to its first '.')")
		return func(_ context.Context, cio ctlIO, args []string) int {
			file, ok := oneFile(cio, "config check", args)
			if !ok {
				return exitUsage
			}
			_, diags, _ := loadConf(file, loadOptions(*configID, false), true)
			if *asJSON {
				return writeCheckJSON(cio, diags)
			}
			for _, d := range diags {
				fmt.Fprintln(cio.stdout, d)
			}
			return diags.ExitCode()
		}
	},
}

// configDumpVerb is "keepalivedctl config dump": the parsed configuration
// with every default filled in. Problems go to stderr; the exit status is
// config check's.
var configDumpVerb = ctlVerb{
	name:    "dump",
	args:    "FILE",
	summary: "print a configuration with every default filled in",
	flags: func(fs *pflag.FlagSet) func(context.Context, ctlIO, []string) int {
		asJSON := fs.Bool("json", false, "print the configuration as JSON")
		changed := fs.Bool("changed", false, "leave out global settings that have their default value")
		configID := fs.StringP("config-id", "i", "", "use `ID` as config-id for @ID lines (default: the host name up to its first '.')")
		return func(_ context.Context, cio ctlIO, args []string) int {
			file, ok := oneFile(cio, "config dump", args)
			if !ok {
				return exitUsage
			}
			if *asJSON && *changed {
				return cio.usageErrorf("config dump: --changed cannot be used with --json")
			}
			cfg, diags, ok := loadConf(file, loadOptions(*configID, false), true)
			for _, d := range diags {
				fmt.Fprintln(cio.stderr, d)
			}
			if !ok {
				return diags.ExitCode()
			}
			if err := dumpAs(cio.stdout, cfg, *asJSON, *changed); err != nil {
				fmt.Fprintf(cio.stderr, "keepalivedctl: config dump: %v\n", err)
				return exitFatal
			}
			return diags.ExitCode()
		}
	},
}

func dumpAs(w io.Writer, cfg *config.Config, asJSON, changed bool) error {
	switch {
	case asJSON:
		return config.JSON(w, cfg)
	case changed:
		return config.DumpChanged(w, cfg)
	}
	return config.Dump(w, cfg)
}

// oneFile checks that a verb was given exactly one file.
func oneFile(cio ctlIO, cmd string, args []string) (string, bool) {
	if len(args) != 1 {
		cio.usageErrorf("%s: want exactly one configuration file, got %d arguments", cmd, len(args))
		return "", false
	}
	return args[0], true
}

// checkReport is config check's JSON output. Its fields are stable: new
// ones may be added, none renamed.
type checkReport struct {
	Exit     int            `json:"exit"`
	Problems []checkProblem `json:"problems"`
}

// checkProblem is one problem in checkReport. File is "" and Line 0 for
// problems that are not at a line of a file.
type checkProblem struct {
	File     string          `json:"file"`
	Line     int             `json:"line"`
	Severity config.Severity `json:"severity"`
	Kind     config.Kind     `json:"kind"`
	Message  string          `json:"message"`
}

func writeCheckJSON(cio ctlIO, diags config.Diagnostics) int {
	rep := checkReport{Exit: diags.ExitCode(), Problems: []checkProblem{}}
	for _, d := range diags {
		rep.Problems = append(rep.Problems, checkProblem{
			File: d.Pos.File, Line: d.Pos.Line, Severity: d.Severity, Kind: d.Kind, Message: d.Msg,
		})
	}
	enc := json.NewEncoder(cio.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintf(cio.stderr, "keepalivedctl: config check: %v\n", err)
		return exitFatal
	}
	return rep.Exit
}
