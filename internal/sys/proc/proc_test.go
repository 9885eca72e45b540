package proc

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestPIDFileRefusesLiveDaemon(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "keepalived.pid")
	p, err := WritePIDFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("pid file holds %q", b)
	}
	// A pid file naming another live process (pid 1) is refused.
	other := filepath.Join(t.TempDir(), "other.pid")
	os.WriteFile(other, []byte("1\n"), 0o644)
	if _, err := WritePIDFile(other); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("pid file of a live process: err = %v", err)
	}
	// A stale pid file (no such process) is taken over.
	stale := filepath.Join(t.TempDir(), "stale.pid")
	os.WriteFile(stale, []byte("2147483\n"), 0o644)
	if _, err := WritePIDFile(stale); err != nil {
		t.Fatalf("stale pid file: %v", err)
	}
	p.Remove()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("pid file not removed: %v", err)
	}
}

func TestNotifyMapsSignals(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := Notify(ctx)
	for _, tt := range []struct {
		sig  syscall.Signal
		want Signal
	}{{syscall.SIGHUP, Reload}, {syscall.SIGUSR1, Data}, {syscall.SIGUSR2, Stats}, {syscall.Signal(36), JSON}, {syscall.SIGTERM, Stop}} {
		if err := syscall.Kill(os.Getpid(), tt.sig); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-ch:
			if got != tt.want {
				t.Errorf("signal %v -> %v, want %v", tt.sig, got, tt.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("signal %v not delivered", tt.sig)
		}
	}
}

// TestNotifySurvivesLateStop: a SIGTERM arriving after Notify's context
// is done (the process is already stopping) does not kill the process.
func TestNotifySurvivesLateStop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := Notify(ctx)
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("SIGTERM not delivered")
	}
	cancel()
	time.Sleep(50 * time.Millisecond) // Notify's goroutine returns
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the test binary would be dead by now
}
