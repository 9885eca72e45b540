package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/keepalived-go/keepalived/internal/demo"
	"github.com/spf13/pflag"
)

// exitInterrupted is the demo's status after SIGINT or SIGTERM (as a
// shell reports a program stopped by SIGINT).
const exitInterrupted = 130

var demoVerb = ctlVerb{
	name:    "",
	summary: "build a lab of network namespaces and watch keepalived-go fail over (root)",
	flags: func(fs *pflag.FlagSet) func(context.Context, ctlIO, []string) int {
		asJSON := fs.Bool("json", false, "print the story as JSON events")
		keep := fs.Bool("keep", false, "leave the lab running at the end, until Ctrl-C")
		nopreempt := fs.Bool("nopreempt", false, "configure the directors with nopreempt")
		dataplane := fs.String("dataplane", "nftables", "the directors' lvs_dataplane: `nftables`, ipvs (kernel IPVS) or auto")
		// Every run checks each step and exits 1 when one fails; --ci
		// says so explicitly for CI scripts.
		_ = fs.Bool("ci", false, "non-interactive run for CI: exit 1 if any step does not happen as expected")
		return func(ctx context.Context, cio ctlIO, _ []string) int {
			self, err := os.Executable()
			if err != nil {
				fmt.Fprintf(cio.stderr, "keepalivedctl: demo: %v\n", err)
				return exitFatal
			}
			err = demo.Run(ctx, demo.Options{
				Out: cio.stdout, JSON: *asJSON, Keep: *keep, NoPreempt: *nopreempt, Dataplane: *dataplane,
				// keepalivedctl runs as keepalived when argv[0] says so.
				Keepalived: []string{self},
			})
			if errors.Is(err, demo.ErrInterrupted) {
				fmt.Fprintf(cio.stderr, "keepalivedctl: demo: %v\n", err)
				return exitInterrupted
			}
			if err != nil {
				fmt.Fprintf(cio.stderr, "keepalivedctl: demo: %v\n", err)
				return exitFatal
			}
			return 0
		}
	},
}

// RunCtlProgram runs keepalivedctl given its whole argv; argv[0]
// "keepalived" makes it the daemon (the demo starts it that way, so one
// binary is enough).
func RunCtlProgram(ctx context.Context, argv []string, stdout, stderr *os.File) int {
	if len(argv) > 0 && argv[0] == "keepalived" {
		return RunKeepalived(ctx, argv[1:], stdout, stderr)
	}
	return RunKeepalivedctl(ctx, argv[1:], stdout, stderr)
}
