package track

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

func TestCounter(t *testing.T) {
	tests := []struct {
		name       string
		rise, fall int
		initFail   bool
		results    string // s = success, f = failure
		want       string // state after each result: I, O, F; upper case when it changed
	}{
		{"first success is enough", 3, 3, false, "s", "O"},
		{"first failure fails at once", 3, 3, false, "f", "F"},
		{"fall 3", 1, 3, false, "sfffs", "OooFO"},
		{"rise 3 after failing", 3, 1, false, "fsss", "FffO"},
		{"flapping never falls", 1, 2, false, "sfsfsf", "Oooooo"},
		{"init_fail needs rise", 2, 1, true, "fss", "ffO"},
		{"init_fail first failure silent", 1, 1, true, "f", "f"},
		{"rise 2 fall 2", 2, 2, false, "sffssf", "OoFfOo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCounter(tt.rise, tt.fall, tt.initFail)
			var got strings.Builder
			for _, r := range tt.results {
				changed := c.record(r == 's')
				ch := map[ScriptState]string{ScriptInit: "i", ScriptOK: "o", ScriptFail: "f"}[c.state()]
				if changed {
					ch = strings.ToUpper(ch)
				}
				got.WriteString(ch)
			}
			if got.String() != tt.want {
				t.Errorf("states %q, want %q", got.String(), tt.want)
			}
		})
	}
}

func TestScriptInitialState(t *testing.T) {
	s := NewScript(&config.VRRPScript{Name: "a", Rise: 1, Fall: 1}, nil, nil)
	if s.State() != ScriptInit {
		t.Errorf("state %v, want INIT", s.State())
	}
	s = NewScript(&config.VRRPScript{Name: "a", Rise: 1, Fall: 1, InitFail: true}, nil, nil)
	if s.State() != ScriptFail {
		t.Errorf("init_fail state %v, want BAD", s.State())
	}
}

func TestScriptResultLogs(t *testing.T) {
	tests := []struct {
		results []RunResult
		want    []string
	}{
		{[]RunResult{{Status: 0}}, []string{"VRRP_Script(chk) succeeded"}},
		{[]RunResult{{Status: 1}}, []string{"Script `chk` now returning 1", "VRRP_Script(chk) failed (exited with status 1)"}},
		{[]RunResult{{Status: -1, Signal: 9}}, []string{"VRRP_Script(chk) failed (due to signal 9)"}},
		{[]RunResult{{Status: -1, Signal: 15, TimedOut: true}}, []string{"VRRP_Script(chk) timed_out"}},
		{[]RunResult{{Status: 0}, {Status: 2}, {Status: 0}}, []string{
			"VRRP_Script(chk) succeeded", "Script `chk` now returning 2", "VRRP_Script(chk) failed (exited with status 2)",
			"Script `chk` now returning 0", "VRRP_Script(chk) succeeded"}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: onlyMsg}))
		s := NewScript(&config.VRRPScript{Name: "chk", Rise: 1, Fall: 1}, nil, log)
		for _, r := range tt.results {
			s.Result(r)
		}
		got := strings.Split(strings.TrimSpace(buf.String()), "\n")
		for i := range got {
			got[i] = strings.TrimPrefix(got[i], "msg=")
			got[i] = strings.Trim(got[i], `"`)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%+v: logs\n%q\nwant\n%q", tt.results, got, tt.want)
		}
	}
}

func onlyMsg(groups []string, a slog.Attr) slog.Attr {
	if a.Key != slog.MessageKey {
		return slog.Attr{}
	}
	return a
}

// fakeRunner plays a scripted sequence of results, each after a duration
// of fake time, and records the overlap of runs.
type fakeRunner struct {
	mu      sync.Mutex
	steps   []fakeStep
	runs    int
	active  int
	overlap bool
	cmds    []Command
}

type fakeStep struct {
	d time.Duration
	r RunResult
}

func (f *fakeRunner) run(ctx context.Context, c Command) RunResult {
	f.mu.Lock()
	f.active++
	f.overlap = f.overlap || f.active > 1
	step := fakeStep{r: RunResult{Status: 0}}
	if f.runs < len(f.steps) {
		step = f.steps[f.runs]
	}
	f.runs++
	f.cmds = append(f.cmds, c)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.active--; f.mu.Unlock() }()
	d := step.d
	if d > c.Timeout {
		d = c.Timeout
		step.r = RunResult{Status: -1, Signal: 15, TimedOut: true}
	}
	select {
	case <-time.After(d):
		return step.r
	case <-ctx.Done():
		return RunResult{Status: -1, Signal: 15, TimedOut: true}
	}
}

func TestScriptRunFallAndRise(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := &config.VRRPScript{Name: "chk", Script: &config.Script{Args: []string{"/bin/chk", "x"}, User: "nobody"},
			Interval: config.Second, Timeout: config.Second / 2, Rise: 2, Fall: 2}
		f := &fakeRunner{steps: []fakeStep{
			{10 * time.Millisecond, RunResult{}},          // t=0 OK
			{10 * time.Millisecond, RunResult{Status: 1}}, // t=1
			{10 * time.Second, RunResult{}},               // t=2 hangs: timed out, 2nd failure -> BAD
			{10 * time.Millisecond, RunResult{}},          // t=3
			{10 * time.Millisecond, RunResult{}},          // t=4 2nd success -> GOOD
		}}
		ctx, cancel := context.WithCancel(context.Background())
		out := make(chan ScriptEvent, 10)
		s := NewScript(cfg, f.run, nil)
		done := make(chan struct{})
		go func() { s.Run(ctx, out); close(done) }()
		var got []ScriptEvent
		var at []time.Duration
		start := time.Now()
		for len(got) < 3 {
			got = append(got, <-out)
			at = append(at, time.Since(start))
		}
		cancel()
		<-done
		want := []ScriptEvent{{"chk", ScriptOK}, {"chk", ScriptFail}, {"chk", ScriptOK}}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("events %v, want %v", got, want)
			}
		}
		if at[1] != 2*time.Second+500*time.Millisecond || at[2] != 4*time.Second+10*time.Millisecond {
			t.Errorf("events at %v", at)
		}
		if f.overlap {
			t.Error("two runs of the script overlapped")
		}
		if c := f.cmds[0]; c.Timeout != 500*time.Millisecond || c.User != "nobody" || len(c.Args) != 2 {
			t.Errorf("command %+v", c)
		}
	})
}

// TestScriptRunNeverOverlaps: a script slower than its interval (timeout
// longer than the interval) skips runs instead of starting a second one.
func TestScriptRunNeverOverlaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, nil))
		cfg := &config.VRRPScript{Name: "slow", Script: &config.Script{Args: []string{"x"}},
			Interval: config.Second, Timeout: 10 * config.Second, Rise: 1, Fall: 1}
		f := &fakeRunner{steps: []fakeStep{{2500 * time.Millisecond, RunResult{}}, {2500 * time.Millisecond, RunResult{}}}}
		ctx, cancel := context.WithCancel(context.Background())
		out := make(chan ScriptEvent, 10)
		done := make(chan struct{})
		go func() { NewScript(cfg, f.run, log).Run(ctx, out); close(done) }()
		time.Sleep(5200 * time.Millisecond)
		cancel()
		<-done
		if f.overlap {
			t.Error("runs overlapped")
		}
		if f.runs != 2 {
			t.Errorf("%d runs in 5.2 s, want 2 (t=0 and t=3)", f.runs)
		}
		if !strings.Contains(buf.String(), "Track script slow is already running, expect idle - skipping run") {
			t.Errorf("no skip log in %s", buf.String())
		}
	})
}
