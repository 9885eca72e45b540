package proc

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// daemonEnv marks the re-executed copy as already detached.
const daemonEnv = "KEEPALIVED_GO_DAEMONIZED"

// Detached says whether this process is the background copy Daemonize
// started.
func Detached() bool { return os.Getenv(daemonEnv) == "1" }

// Daemonize starts this program again with the same arguments in a new
// session, detached from the terminal, with stdin, stdout and stderr on
// /dev/null, and returns its pid: Go cannot fork, so keepalived's
// fork-and-exit is a re-execution. The caller exits afterwards.
func Daemonize() (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("cannot find our own executable: %w", err)
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("cannot start the daemon: %w", err)
	}
	pid := cmd.Process.Pid
	_ = cmd.Process.Release()
	return pid, nil
}
