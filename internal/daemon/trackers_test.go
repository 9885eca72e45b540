package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/track"
)

type sinkCall struct {
	op, name, reason string
	total            int
}

// fakeSink records the calls (the trackers make them from their own
// goroutines).
type fakeSink struct {
	mu    sync.Mutex
	calls []sinkCall
}

func (f *fakeSink) add(c sinkCall) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	return nil
}

func (f *fakeSink) recorded() []sinkCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeSink) SetPriority(_ context.Context, name string, total int) error {
	return f.add(sinkCall{op: "prio", name: name, total: total})
}

func (f *fakeSink) Fault(_ context.Context, name, reason string) error {
	return f.add(sinkCall{op: "fault", name: name, reason: reason})
}

func (f *fakeSink) Recover(_ context.Context, name, reason string) error {
	return f.add(sinkCall{op: "recover", name: name, reason: reason})
}

const trackConf = `
vrrp_script chk_web {
    script "/bin/check web"
    interval 1
    weight -30
    fall 1
    rise 1
}
vrrp_script chk_db {
    script "/bin/check db"
    interval 1
    weight 0
    fall 1
    rise 1
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    track_script {
        chk_web
        chk_db
    }
    virtual_ipaddress {
        192.0.2.100
    }
}
`

// TestTrackersDriveRouter runs real track.Scripts with a fake runner and
// checks the priority and fault calls keepalived's arithmetic implies.
func TestTrackersDriveRouter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, diags := config.Parse("keepalived.conf", []byte(trackConf), config.Options{})
		for _, d := range diags {
			if d.Severity >= config.Error && d.Severity != config.Security {
				t.Fatal(d)
			}
		}
		var mu sync.Mutex
		exit := map[string]int{"web": 0, "db": 0}
		set := func(web, db int) {
			mu.Lock()
			exit["web"], exit["db"] = web, db
			mu.Unlock()
		}
		run := func(_ context.Context, cmd track.Command) track.RunResult {
			mu.Lock()
			defer mu.Unlock()
			return track.RunResult{Status: exit[cmd.Args[1]]}
		}
		sink := &fakeSink{}
		tr := newTrackers(c, sink, slog.New(slog.DiscardHandler), nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go tr.run(ctx, trackerIO{run: run, poll: time.Second}, nil)
		time.Sleep(1500 * time.Millisecond)
		if calls := sink.recorded(); len(calls) != 0 {
			t.Fatalf("healthy scripts made calls: %v", calls)
		}
		set(1, 0) // web's weight -30: 100 -> 70
		time.Sleep(2 * time.Second)
		set(1, 1) // db's weight 0: FAULT
		time.Sleep(2 * time.Second)
		set(0, 0)
		time.Sleep(2 * time.Second)
		want := []sinkCall{
			{op: "prio", name: "VI_1", total: 70},
			{op: "fault", name: "VI_1", reason: "script chk_db"},
			{op: "prio", name: "VI_1", total: 100},
			{op: "recover", name: "VI_1", reason: "script chk_db"},
		}
		got := sink.recorded()
		// The two scripts' recoveries may land in either order.
		if len(got) == 4 && got[2].op == "recover" {
			got[2], got[3] = got[3], got[2]
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("calls\n%v\nwant\n%v", sink.recorded(), want)
		}
	})
}
