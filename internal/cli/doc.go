// Package cli holds keepalived-go's command lines: keepalived's own (the
// daemon and its -t configuration test) and keepalivedctl, the operator's
// tool. Each command is a function Run*(ctx, args, stdout, stderr) that
// returns the process exit status, so that main stays a few lines and the
// commands are tested in-process.
//
// cli parses flags, chooses output formats and exit statuses; everything
// else is done by the packages it calls (config now, daemon and control
// later).
package cli
