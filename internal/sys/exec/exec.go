// Package exec runs scripts as keepalived does (keepalived/core/notify.c,
// system_call_script): the configured argv without a shell, as a chosen
// user and group, in a process group of its own, with stdin, stdout and
// stderr on /dev/null, SIGTERM when keepalived dies, and on timeout
// SIGTERM to the whole group then SIGKILL after a grace period. A script
// is always reaped.
//
// Core packages never import this package: they declare a runner func
// with plain types (track.Runner, notify.Runner) and the daemon passes
// the adapters in adapt.go.
package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultGrace is the time between SIGTERM and SIGKILL after a timeout
// (keepalived waits 2 s before killing a timed out vrrp_script).
const DefaultGrace = 2 * time.Second

// Cmd is one script run.
type Cmd struct {
	// Args is the argv; Args[0] is the program, looked up in PATH when
	// it has no slash, as execvp does.
	Args []string
	// User and Group are names or numeric ids ("" = unchanged). A Group
	// written ":GROUP" also gives the user's supplementary groups. With a
	// User and no Group, the user's primary group is used.
	User, Group string
	// SupplementaryGroups gives the process User's supplementary groups;
	// otherwise they are cleared when User is set (keepalived's
	// set_supplementary_groups / script_user USER :GROUP).
	SupplementaryGroups bool
	// Timeout bounds the run (0 = no limit but ctx). On expiry the group
	// gets SIGTERM, then SIGKILL after Grace.
	Timeout time.Duration
	// Grace is the delay between SIGTERM and SIGKILL (0 = DefaultGrace).
	Grace time.Duration
	// Env is the environment; nil means the daemon's own without IFS,
	// LD_PRELOAD and LD_LIBRARY_PATH, as keepalived.
	Env []string
	// Output receives stdout and stderr (nil = /dev/null). Output is
	// copied only while the script's group holds it open, at most Grace
	// after the script exits.
	Output io.Writer
}

// Result is how a run ended.
type Result struct {
	// Status is the exit status; -1 when the script was killed by a
	// signal or did not start.
	Status int
	// Signal is the signal that killed the script (0 when it exited).
	Signal int
	// TimedOut reports that the timeout (or ctx) ended the run.
	TimedOut bool
	// Err is set when the script could not be started (no such file,
	// no such user, permission denied).
	Err error
	// Pid is the process id the script ran as (0 when it did not start).
	Pid int
}

// OK reports an exit status 0.
func (r Result) OK() bool { return r.Err == nil && !r.TimedOut && r.Status == 0 }

// String describes the end of a run as keepalived's logs do.
func (r Result) String() string {
	switch {
	case r.Err != nil:
		return "failed to start: " + r.Err.Error()
	case r.TimedOut:
		return "timed out"
	case r.Signal != 0:
		return "due to signal " + strconv.Itoa(r.Signal)
	default:
		return "exited with status " + strconv.Itoa(r.Status)
	}
}

// Run starts c, waits for it (and, after a timeout, for the kill) and
// returns how it ended. Cancelling ctx acts as the timeout.
func Run(ctx context.Context, c Cmd) Result {
	if len(c.Args) == 0 || c.Args[0] == "" {
		return Result{Status: -1, Err: errors.New("empty command")}
	}
	cmd, err := command(c)
	if err != nil {
		return Result{Status: -1, Err: err}
	}
	if err := cmd.Start(); err != nil {
		return Result{Status: -1, Err: fmt.Errorf("start %s: %w", c.Args[0], err)}
	}
	res := Result{Pid: cmd.Process.Pid}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	var expire <-chan time.Time
	if c.Timeout > 0 {
		t := time.NewTimer(c.Timeout)
		defer t.Stop()
		expire = t.C
	}
	var werr error
	select {
	case werr = <-done:
	case <-expire:
		res.TimedOut = true
		werr = terminate(res.Pid, grace(c), done)
	case <-ctx.Done():
		res.TimedOut = true
		werr = terminate(res.Pid, grace(c), done)
	}
	fill(&res, cmd, werr)
	return res
}

func grace(c Cmd) time.Duration {
	if c.Grace > 0 {
		return c.Grace
	}
	return DefaultGrace
}

// terminate sends SIGTERM to the group of pid, SIGKILL after grace, and
// returns the leader's wait error. Once the leader is reaped, whatever is
// left of the group is killed: a timed out script leaves nothing behind.
func terminate(pid int, grace time.Duration, done <-chan error) error {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	var err error
	select {
	case err = <-done:
	case <-t.C:
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		err = <-done
	}
	// The group id cannot be reused while a member is alive.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	return err
}

func fill(res *Result, cmd *osexec.Cmd, werr error) {
	res.Status = -1
	ps := cmd.ProcessState
	if ps == nil {
		res.Err = werr
		return
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	switch {
	case ok && ws.Signaled():
		res.Signal = int(ws.Signal())
	case ok && ws.Exited():
		res.Status = ws.ExitStatus()
	}
}

// command builds the os/exec command for c.
func command(c Cmd) (*osexec.Cmd, error) {
	cmd := osexec.Command(c.Args[0], c.Args[1:]...)
	if cmd.Err != nil {
		return nil, fmt.Errorf("%s: %w", c.Args[0], cmd.Err)
	}
	cmd.Env = c.Env
	if cmd.Env == nil {
		cmd.Env = scriptEnv(os.Environ())
	}
	if c.Output != nil {
		cmd.Stdout, cmd.Stderr = c.Output, c.Output
		cmd.WaitDelay = grace(c)
	}
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cred, err := credential(c.User, c.Group, c.SupplementaryGroups)
	if err != nil {
		return nil, err
	}
	attr.Credential = cred
	cmd.SysProcAttr = attr
	return cmd, nil
}

// scriptEnv drops the variables keepalived unsets before exec.
func scriptEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "IFS", "LD_PRELOAD", "LD_LIBRARY_PATH":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// credential resolves user and group; nil when neither is set.
func credential(userName, group string, supp bool) (*syscall.Credential, error) {
	if strings.HasPrefix(group, ":") {
		group, supp = group[1:], true
	}
	if userName == "" && group == "" {
		return nil, nil
	}
	cred := &syscall.Credential{Uid: uint32(os.Getuid()), Gid: uint32(os.Getgid())}
	var u *user.User
	if userName != "" {
		var err error
		if u, err = lookupUser(userName); err != nil {
			return nil, err
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		cred.Uid, cred.Gid = uint32(uid), uint32(gid)
	}
	if group != "" {
		gid, err := lookupGroup(group)
		if err != nil {
			return nil, err
		}
		cred.Gid = gid
	}
	if supp && u != nil {
		ids, err := u.GroupIds()
		if err != nil {
			return nil, fmt.Errorf("supplementary groups of user %s: %w", userName, err)
		}
		for _, s := range ids {
			if g, err := strconv.ParseUint(s, 10, 32); err == nil {
				cred.Groups = append(cred.Groups, uint32(g))
			}
		}
	}
	return cred, nil
}

func lookupUser(name string) (*user.User, error) {
	if u, err := user.Lookup(name); err == nil {
		return u, nil
	}
	if _, err := strconv.ParseUint(name, 10, 32); err == nil {
		if u, err := user.LookupId(name); err == nil {
			return u, nil
		}
		return &user.User{Uid: name, Gid: name, Username: name}, nil
	}
	return nil, fmt.Errorf("script user %s does not exist", name)
}

func lookupGroup(name string) (uint32, error) {
	if g, err := user.LookupGroup(name); err == nil {
		id, _ := strconv.ParseUint(g.Gid, 10, 32)
		return uint32(id), nil
	}
	if id, err := strconv.ParseUint(name, 10, 32); err == nil {
		return uint32(id), nil
	}
	return 0, fmt.Errorf("script group %s does not exist", name)
}
