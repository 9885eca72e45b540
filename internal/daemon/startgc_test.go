package daemon

import (
	"runtime/debug"
	"testing"
)

func TestStartupGC(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	done := StartupGC()
	if got := debug.SetGCPercent(startupGCPercent); got != startupGCPercent {
		t.Fatalf("during the start GC percent %d, want %d", got, startupGCPercent)
	}
	done()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("after the start GC percent %d, want 100", got)
	}
	debug.SetGCPercent(50) // an operator's later change is not undone
	done()
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("a second done() set GC percent %d, want it left at 50", got)
	}
}

func TestStartupGCLeavesGOGC(t *testing.T) {
	t.Setenv("GOGC", "200")
	before := debug.SetGCPercent(200)
	defer debug.SetGCPercent(before)
	done := StartupGC()
	if got := debug.SetGCPercent(200); got != 200 {
		t.Errorf("with GOGC=200 in the environment GC percent %d, want 200", got)
	}
	done()
	if got := debug.SetGCPercent(200); got != 200 {
		t.Errorf("after done() GC percent %d, want 200", got)
	}
}
