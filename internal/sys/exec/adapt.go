package exec

import (
	"context"
	"time"

	"github.com/keepalived-go/keepalived/internal/notify"
	"github.com/keepalived-go/keepalived/internal/track"
)

// Runner holds what every script run shares: the default user and group
// (global_defs script_user, "" = keepalived's own) and whether scripts
// get their user's supplementary groups. Its methods are the runners the
// core packages take.
type Runner struct {
	User, Group         string
	SupplementaryGroups bool
	// Grace is the delay between SIGTERM and SIGKILL (0 = DefaultGrace).
	Grace time.Duration
}

// cmd applies the defaults: a script with no user of its own runs as
// the default user; a user given without a group uses that user's group.
func (r Runner) cmd(args []string, userName, group string, timeout time.Duration) Cmd {
	c := Cmd{Args: args, User: userName, Group: group, Timeout: timeout, Grace: r.Grace,
		SupplementaryGroups: r.SupplementaryGroups}
	if c.User == "" {
		c.User, c.Group = r.User, r.Group
	}
	return c
}

// Track runs a vrrp_script for internal/track.
func (r Runner) Track(ctx context.Context, c track.Command) track.RunResult {
	res := Run(ctx, r.cmd(c.Args, c.User, c.Group, c.Timeout))
	return track.RunResult{Status: res.Status, Signal: res.Signal, TimedOut: res.TimedOut, Err: res.Err}
}

// Notify runs a notify script for internal/notify.
func (r Runner) Notify(ctx context.Context, c notify.Command) notify.Result {
	res := Run(ctx, r.cmd(c.Args, c.User, c.Group, c.Timeout))
	return notify.Result{Status: res.Status, Signal: res.Signal, TimedOut: res.TimedOut, Err: res.Err}
}

var (
	_ track.Runner  = Runner{}.Track
	_ notify.Runner = Runner{}.Notify
)
