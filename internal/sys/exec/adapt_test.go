package exec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/notify"
	"github.com/keepalived-go/keepalived/internal/track"
)

// TestNotifyScriptArgs runs a real notify script through the notifier
// and reads the $1..$4 it recorded, in order.
func TestNotifyScriptArgs(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	script := filepath.Join(dir, "notify.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$1 $2 $3 $4\" >> "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	n := notify.New(notify.Options{Run: Runner{}.Notify})
	v := &config.VRRPInstance{Name: "VI_1", Notify: &config.Script{Args: []string{script}}}
	n.Instance(v, notify.Backup, 100)
	n.Instance(v, notify.Master, 100)
	n.Instance(v, notify.Fault, 100)
	n.Close(context.Background())
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "INSTANCE VI_1 BACKUP 100\nINSTANCE VI_1 MASTER 100\nINSTANCE VI_1 FAULT 100\n"
	if string(b) != want {
		t.Errorf("script saw %q, want %q", b, want)
	}
}

// TestTrackHangingScript: a vrrp_script that hangs is killed at its
// timeout and counted as a failure.
func TestTrackHangingScript(t *testing.T) {
	cfg := &config.VRRPScript{Name: "hang", Script: &config.Script{Args: []string{"sleep", "1000"}},
		Interval: 10 * config.Second, Timeout: config.Second / 5, Rise: 1, Fall: 1}
	s := track.NewScript(cfg, Runner{Grace: time.Second}.Track, nil)
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan track.ScriptEvent, 1)
	done := make(chan struct{})
	go func() { s.Run(ctx, out); close(done) }()
	ev := <-out
	cancel()
	<-done
	if ev != (track.ScriptEvent{Name: "hang", State: track.ScriptFail}) {
		t.Errorf("event %v, want hang BAD", ev)
	}
	assertNoZombieChildren(t)
}

func TestRunnerDefaultUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root")
	}
	// t.TempDir's parent is private to root: nobody needs a path it can
	// reach.
	dir, err := os.MkdirTemp("", "kago-exec")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	out := filepath.Join(dir, "id")
	r := Runner{User: "nobody"}
	res := r.Notify(context.Background(), notify.Command{Args: []string{"sh", "-c", "id -u > " + out}})
	b, _ := os.ReadFile(out)
	if res.Status != 0 || strings.TrimSpace(string(b)) != "65534" {
		t.Errorf("result %+v, id %q; want uid 65534", res, b)
	}
}

// TestTrackManyScriptsNoLeak runs 10 vrrp_scripts every 0.1 s for 2 s
// and checks that no zombie and no file descriptor is left. With
// KEEPALIVED_GO_SOAK=1 (CI runs it on its own, after the suite) it runs
// the full form: 100 scripts every 0.1 s for a minute.
func TestTrackManyScriptsNoLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes for 2 s")
	}
	scripts, length := 10, 2*time.Second
	if os.Getenv("KEEPALIVED_GO_SOAK") == "1" {
		scripts, length = 100, time.Minute
	}
	before := countFDs(t)
	ctx, cancel := context.WithTimeout(context.Background(), length)
	defer cancel()
	out := make(chan track.ScriptEvent, 100)
	done := make(chan struct{}, scripts)
	runs := 0
	for i := range scripts {
		cfg := &config.VRRPScript{Name: fmt.Sprintf("s%d", i), Script: &config.Script{Args: []string{"sh", "-c", "exit $(( $$ % 2 ))"}},
			Interval: config.Second / 10, Timeout: config.Second, Rise: 1, Fall: 1}
		go func() { track.NewScript(cfg, Runner{}.Track, nil).Run(ctx, out); done <- struct{}{} }()
	}
	counted := make(chan struct{})
	go func() {
		for range out {
			runs++
		}
		close(counted)
	}()
	for range scripts {
		<-done
	}
	close(out)
	<-counted
	assertNoZombieChildren(t)
	if after := countFDs(t); after > before+2 {
		t.Errorf("open fds grew from %d to %d", before, after)
	}
	t.Logf("%d scripts for %v: %d state changes, fds %d", scripts, length, runs, countFDs(t))
}
