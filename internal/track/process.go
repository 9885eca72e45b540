package track

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// taskCommLen is the kernel's TASK_COMM_LEN: /proc/PID/stat holds at most
// 15 characters of the name.
const taskCommLen = 16

// CountProcesses counts the processes matching t in procfs, a file system
// rooted at /proc (the daemon passes os.DirFS("/proc")), as keepalived's
// read_procs does: by name in /proc/PID/stat (zombies excluded), or with
// full_command by argv[0] of /proc/PID/cmdline, and with parameters by
// param_match (exact, initial, partial).
func CountProcesses(procfs fs.FS, t *config.TrackProcess) int {
	ents, err := fs.ReadDir(procfs, ".")
	if err != nil {
		return 0
	}
	m := newProcMatcher(t)
	n := 0
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() || name == "" || name[0] <= '0' || name[0] > '9' {
			continue
		}
		if m.match(procfs, name) {
			n++
		}
	}
	return n
}

type procMatcher struct {
	name   string
	full   bool
	mode   string // "", exact, initial, partial
	params []byte // NUL-terminated parameters
}

func newProcMatcher(t *config.TrackProcess) procMatcher {
	m := procMatcher{full: t.FullCommand, mode: t.ParamMatch}
	if len(t.Process) > 0 {
		m.name = t.Process[0]
	}
	if !m.full && len(m.name) >= taskCommLen {
		m.name = m.name[:taskCommLen-1]
	}
	for _, p := range t.Process[min(1, len(t.Process)):] {
		m.params = append(append(m.params, p...), 0)
	}
	return m
}

func (m procMatcher) match(procfs fs.FS, pid string) bool {
	stat, err := fs.ReadFile(procfs, pid+"/stat")
	if err != nil {
		return false
	}
	comm, state, ok := parseStat(stat)
	if !ok || state == 'Z' {
		return false
	}
	if !m.full {
		return comm == m.name
	}
	cmdline, err := fs.ReadFile(procfs, pid+"/cmdline")
	if err != nil {
		return false
	}
	argv0, rest, _ := bytes.Cut(cmdline, []byte{0})
	if string(argv0) != m.name {
		return false
	}
	return m.mode == "" || checkParams(m.mode, m.params, rest)
}

// parseStat returns the name and state of /proc/PID/stat.
func parseStat(b []byte) (comm string, state byte, ok bool) {
	i := bytes.IndexByte(b, '(')
	j := bytes.LastIndexByte(b, ')')
	if i < 0 || j < i || j+2 >= len(b) {
		return "", 0, false
	}
	return string(b[i+1 : j]), b[j+2], true
}

// checkParams is keepalived's check_params: params and want are
// NUL-terminated parameter lists.
func checkParams(mode string, want, params []byte) bool {
	switch {
	case mode == "exact" && len(want) == 0 && len(params) == 0:
		return true
	case len(params) < len(want):
		return false
	case mode == "exact":
		return bytes.Equal(params, want)
	case len(want) == 0:
		return true
	case mode == "partial":
		return bytes.HasPrefix(params, want)
	default: // initial: the last parameter may be a prefix
		return len(want) == 1 || bytes.HasPrefix(params, want[:len(want)-1])
	}
}

// ProcessEvent reports that a tracked process gained or lost its quorum.
type ProcessEvent struct {
	Name   string
	Quorum bool
}

// Process follows one vrrp_track_process by scanning /proc. keepalived
// listens to the kernel's process connector; here the daemon either
// feeds counts to Observe or lets Run poll.
type Process struct {
	cfg    *config.TrackProcess
	procfs fs.FS
	log    *slog.Logger

	mu       sync.Mutex
	count    int
	quorum   bool
	pending  bool      // a change of quorum waits for its delay
	deadline time.Time // when the pending change applies
}

// NewProcess prepares cfg; procfs is /proc. It counts the processes once:
// at start keepalived applies no delay. A nil log discards.
func NewProcess(cfg *config.TrackProcess, procfs fs.FS, log *slog.Logger) *Process {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Process{cfg: cfg, procfs: procfs, log: log.With("track_process", cfg.Name)}
	if procfs != nil {
		p.count = CountProcesses(procfs, cfg)
	}
	p.quorum = p.have(p.count)
	return p
}

// Name is the vrrp_track_process's name.
func (p *Process) Name() string { return p.cfg.Name }

// Quorum reports whether quorum <= count <= quorum_max.
func (p *Process) Quorum() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.quorum
}

func (p *Process) have(n int) bool {
	if n < p.cfg.Quorum {
		return false
	}
	return p.cfg.QuorumMax == nil || n <= *p.cfg.QuorumMax
}

// Observe takes a new count at time now and returns an event when the
// quorum changes. A change caused by processes starting waits fork_delay,
// one caused by processes ending terminate_delay; a change undone before
// its delay is forgotten. Call Observe again at or after the deadline
// (Next) to apply a pending change.
func (p *Process) Observe(now time.Time, n int) (ProcessEvent, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	prev := p.count
	p.count = n
	want := p.have(n)
	if want == p.quorum {
		p.pending = false
		return ProcessEvent{}, false
	}
	if !p.pending {
		d := p.cfg.TerminateDelay
		if n > prev {
			d = p.cfg.ForkDelay
		}
		p.pending, p.deadline = true, now.Add(time.Duration(d))
	}
	if now.Before(p.deadline) {
		return ProcessEvent{}, false
	}
	p.pending, p.quorum = false, want
	word := "lost"
	if want {
		word = "gained"
	}
	p.log.Info(fmt.Sprintf("Quorum %s for tracked process %s", word, p.cfg.Name), "count", n)
	return ProcessEvent{Name: p.cfg.Name, Quorum: want}, true
}

// Next is when a pending change of quorum applies; ok is false when none
// is pending.
func (p *Process) Next() (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.deadline, p.pending
}

// Run scans /proc every poll and sends each change of quorum on out until
// ctx is done.
func (p *Process) Run(ctx context.Context, poll time.Duration, out chan<- ProcessEvent) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if ev, ok := p.Observe(now, CountProcesses(p.procfs, p.cfg)); ok {
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

// String describes the tracker for logs.
func (p *Process) String() string {
	return p.cfg.Name + " (" + strings.Join(p.cfg.Process, " ") + ")"
}
