package proc

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
)

// Child is a role process (VRRP, checkers) the parent started by
// re-executing itself.
type Child struct {
	cmd  *exec.Cmd
	done chan struct{}
	code int
}

// StartChild runs this program again with the same arguments plus the
// extra environment. The child gets SIGTERM if the parent dies: the fork
// happens on an OS thread that stays locked until the child exits, since
// Linux sends the parent-death signal when the forking thread ends.
func StartChild(env []string, stdout, stderr io.Writer) (*Child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find our own executable: %w", err)
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	c := &Child{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		c.code = 0
		if err != nil {
			c.code = -1
			if ee, ok := err.(*exec.ExitError); ok {
				c.code = ee.ExitCode()
			}
		}
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return c, nil
}

// Pid is the child's process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Done is closed when the child has exited.
func (c *Child) Done() <-chan struct{} { return c.done }

// ExitCode is the child's exit status once Done (-1 when killed by a
// signal).
func (c *Child) ExitCode() int { return c.code }

var sigOf = map[Signal]syscall.Signal{
	Stop: syscall.SIGTERM, Reload: syscall.SIGHUP, Data: syscall.SIGUSR1,
	Stats: syscall.SIGUSR2, StatsClear: syscall.Signal(63), JSON: syscall.Signal(36),
}

// Signal sends the child the Unix signal for s.
func (c *Child) Signal(s Signal) error {
	sig, ok := sigOf[s]
	if !ok {
		return fmt.Errorf("no signal for %s", s)
	}
	return c.cmd.Process.Signal(sig)
}

// Kill sends SIGKILL.
func (c *Child) Kill() { _ = c.cmd.Process.Kill() }
