package check

import (
	"context"
	"errors"
	"strconv"

	"github.com/keepalived-go/keepalived/internal/config"
)

// miscProber is MISC_CHECK: the script's exit status is the result: 0 up,
// 1 down; with misc_dynamic, 2..255 up with weight status-2. A script
// killed at misc_timeout fails ("timed out").
func (m *Manager) miscProber(c *config.MiscCheck) Prober {
	run := m.opts.Run
	var argv []string
	var user, group string
	if c.Path != nil {
		argv, user, group = c.Path.Args, c.Path.User, c.Path.Group
	}
	return ProberFunc(func(ctx context.Context) Result {
		if run == nil {
			return Result{Reason: "no script runner", Status: 1}
		}
		status, signaled, err := run(ctx, argv, user, group)
		return miscResult(status, signaled, err, c.Dynamic)
	})
}

// miscResult judges a script's end.
func miscResult(status int, signaled bool, err error, dynamic bool) Result {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return Result{Reason: "timeout", Status: -1}
	case err != nil && !signaled:
		return Result{Reason: Reason(err), Status: 1}
	case signaled:
		return Result{Reason: "signal " + strconv.Itoa(status), Status: status, Signaled: true}
	case status == 0 || (dynamic && status >= 2 && status <= 255):
		return Result{OK: true, Status: status}
	}
	return Result{Reason: "exit status " + strconv.Itoa(status), Status: status}
}
