package track

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// Command is one script run: what internal/sys/exec needs, in plain
// types.
type Command struct {
	Args        []string
	User, Group string
	// Timeout bounds the run: SIGTERM to the script's process group,
	// SIGKILL later.
	Timeout time.Duration
}

// RunResult is how a run ended.
type RunResult struct {
	// Status is the exit status (-1 when killed or not started).
	Status int
	// Signal is the signal that ended the script (0 if it exited).
	Signal int
	// TimedOut: the script was killed at its timeout.
	TimedOut bool
	// Err: the script could not be started.
	Err error
}

// Runner runs a command to its end and reports how it ended. It returns
// early, killing the script, when ctx is cancelled.
type Runner func(ctx context.Context, c Command) RunResult

// ScriptEvent reports that a vrrp_script changed state.
type ScriptEvent struct {
	Name  string
	State ScriptState
}

// counter is keepalived's vscript->result: 0..rise+fall-1, the script is
// OK at rise and above (vrrp_scheduler.c, vrrp_script_child_thread).
type counter struct {
	result, rise, fall int
	init               bool // no result yet (SCRIPT_INIT_STATE_INIT)
}

func newCounter(rise, fall int, initFail bool) counter {
	rise, fall = max(rise, 1), max(fall, 1)
	if initFail {
		return counter{result: 0, rise: rise, fall: fall}
	}
	// One success is enough at start.
	return counter{result: rise - 1, rise: rise, fall: fall, init: true}
}

// record counts one result and reports whether the state changed.
func (c *counter) record(success bool) bool {
	wasInit := c.init
	c.init = false
	top := c.rise + c.fall - 1
	if success {
		switch {
		case c.result < c.rise-1:
			c.result++
		case c.result != top:
			changed := c.result < c.rise
			c.result = top
			return changed
		}
		return false
	}
	if c.result > c.rise {
		c.result--
		return false
	}
	changed := c.result == c.rise || wasInit
	c.result = 0
	return changed
}

// state is what the counter says.
func (c *counter) state() ScriptState {
	switch {
	case c.init:
		return ScriptInit
	case c.result >= c.rise:
		return ScriptOK
	default:
		return ScriptFail
	}
}

// Script runs one vrrp_script every interval and tracks its state.
type Script struct {
	cfg *config.VRRPScript
	run Runner
	log *slog.Logger

	mu         sync.Mutex
	c          counter
	lastStatus int // last exit status, for "now returning"
}

// NewScript prepares cfg; nothing runs before Run. A nil log discards.
func NewScript(cfg *config.VRRPScript, run Runner, log *slog.Logger) *Script {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Script{
		cfg: cfg, run: run,
		log: log.With("vrrp_script", cfg.Name),
		c:   newCounter(cfg.Rise, cfg.Fall, cfg.InitFail),
	}
}

// Name is the vrrp_script's name.
func (s *Script) Name() string { return s.cfg.Name }

// State is the script's current state.
func (s *Script) State() ScriptState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c.state()
}

// Run starts the script at once and then every interval, never two runs
// at a time ("Track script chk is already running, expect idle - skipping
// run"), and sends an event on out at each state change. It returns when
// ctx is done and the last run has been reaped.
func (s *Script) Run(ctx context.Context, out chan<- ScriptEvent) {
	interval := time.Duration(s.cfg.Interval)
	if interval <= 0 {
		interval = time.Second
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	done := make(chan RunResult, 1)
	running := false
	start := func() {
		running = true
		go func() { done <- s.run(ctx, s.command()) }()
	}
	start()
	for {
		select {
		case <-ctx.Done():
			if running {
				<-done
			}
			return
		case <-tick.C:
			if running {
				s.log.Info(fmt.Sprintf("Track script %s is already running, expect idle - skipping run", s.cfg.Name))
				continue
			}
			start()
		case r := <-done:
			running = false
			if ctx.Err() != nil {
				return
			}
			if ev, ok := s.Result(r); ok {
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

func (s *Script) command() Command {
	c := Command{Timeout: time.Duration(s.cfg.Timeout)}
	if c.Timeout <= 0 {
		c.Timeout = time.Duration(s.cfg.Interval)
	}
	if sc := s.cfg.Script; sc != nil {
		c.Args, c.User, c.Group = sc.Args, sc.User, sc.Group
	}
	return c
}

// Result counts the result of one run, logs as keepalived does and
// returns the event to send when the state changed. Run calls it; it is
// exported for drivers that schedule scripts themselves.
func (s *Script) Result(r RunResult) (ScriptEvent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := s.cfg.Name
	var success bool
	var what string
	switch {
	case r.Err != nil:
		s.log.Warn(fmt.Sprintf("Error exec-ing command '%s': %v", s.command().Args, r.Err), "err", r.Err)
		what = "failed (exited with status 127)"
	case r.TimedOut:
		what = "timed_out"
	case r.Signal != 0:
		what = fmt.Sprintf("failed (due to signal %d)", r.Signal)
	default:
		if r.Status != s.lastStatus {
			s.log.Info(fmt.Sprintf("Script `%s` now returning %d", name, r.Status), "status", r.Status)
		}
		s.lastStatus = r.Status
		success = r.Status == 0
		what = "succeeded"
		if !success {
			what = fmt.Sprintf("failed (exited with status %d)", r.Status)
		}
	}
	if !s.c.record(success) {
		return ScriptEvent{}, false
	}
	s.log.Info(fmt.Sprintf("VRRP_Script(%s) %s", name, what))
	return ScriptEvent{Name: name, State: s.c.state()}, true
}
