// Package proc is the daemon's interface to its own process: signals,
// pid files and liveness checks. It holds the system calls the daemon
// package may not make itself (DESIGN.md: only internal/sys touches the
// OS).
package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Signal is a request the daemon receives as a Unix signal, named after
// keepalived's --signum names.
type Signal int

// Signals the daemon handles (keepalived's numbers on Linux/glibc: STOP
// 15 and 2, RELOAD 1, DATA 10, STATS 12, STATS_CLEAR 63, JSON 36).
const (
	Stop Signal = iota + 1
	Reload
	Data
	Stats
	StatsClear
	JSON
)

func (s Signal) String() string {
	switch s {
	case Stop:
		return "STOP"
	case Reload:
		return "RELOAD"
	case Data:
		return "DATA"
	case Stats:
		return "STATS"
	case StatsClear:
		return "STATS_CLEAR"
	case JSON:
		return "JSON"
	}
	return "Signal(" + strconv.Itoa(int(s)) + ")"
}

var sigmap = map[os.Signal]Signal{
	syscall.SIGTERM:    Stop,
	syscall.SIGINT:     Stop,
	syscall.SIGHUP:     Reload,
	syscall.SIGUSR1:    Data,
	syscall.SIGUSR2:    Stats,
	syscall.Signal(63): StatsClear, // SIGRTMAX-1 on glibc
	syscall.Signal(36): JSON,       // SIGRTMIN+2 on glibc
}

// Notify delivers the daemon's signals on the returned channel until ctx
// is done. The channel is buffered so that a burst is not lost. After
// ctx is done the signals stay caught (and dropped): a stopping process
// must not die half-way through its cleanup of a second SIGTERM, which
// it gets when the whole process group or cgroup is signalled (the test
// harness, systemd's KillMode=control-group) and then its parent signals
// it again.
func Notify(ctx context.Context) <-chan Signal {
	in := make(chan os.Signal, 8)
	var sigs []os.Signal
	for s := range sigmap {
		sigs = append(sigs, s)
	}
	signal.Notify(in, sigs...)
	out := make(chan Signal, 8)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-in:
				select {
				case out <- sigmap[s]:
				default:
				}
			}
		}
	}()
	return out
}

// Alive says whether a process with the pid exists.
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// PIDFile is a pid file the daemon owns.
type PIDFile struct{ path string }

// WritePIDFile writes our pid to path, refusing when it names another
// live process (a second daemon on the same pid files), as keepalived
// does: "daemon is already running".
func WritePIDFile(path string) (*PIDFile, error) {
	if b, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid != os.Getpid() && Alive(pid) {
			return nil, fmt.Errorf("daemon is already running (pid %d in %s)", pid, path)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("cannot write pid file: %w", err)
	}
	return &PIDFile{path: path}, nil
}

// RemovePIDFileOf deletes the pid file at path if it holds pid: the
// parent cleans up after a child it had to kill.
func RemovePIDFileOf(path string, pid int) {
	if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(pid) {
		_ = os.Remove(path)
	}
}

// Remove deletes the pid file if it still holds our pid.
func (p *PIDFile) Remove() {
	if p == nil {
		return
	}
	if b, err := os.ReadFile(p.path); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
		_ = os.Remove(p.path)
	}
}
