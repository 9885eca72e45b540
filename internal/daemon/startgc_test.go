package daemon

import (
	"runtime/debug"
	"testing"
)

func TestStartupGC(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	g := NewStartupGC()
	if got := debug.SetGCPercent(startupGCPercent); got != startupGCPercent {
		t.Fatalf("during the start GC percent %d, want %d", got, startupGCPercent)
	}
	g.Done()
	if got := debug.SetGCPercent(50); got != 100 {
		t.Fatalf("after the start GC percent %d, want 100", got)
	}
	g.Done() // an operator's later change is not undone
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("a second Done set GC percent %d, want it left at 50", got)
	}
	var none *StartupGC
	none.Done()
}

func TestStartupGCLeavesGOGC(t *testing.T) {
	t.Setenv("GOGC", "200")
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	g := NewStartupGC()
	if got := debug.SetGCPercent(200); got != 200 {
		t.Errorf("with GOGC=200 in the environment GC percent %d, want 200", got)
	}
	g.Done()
	if got := debug.SetGCPercent(200); got != 200 {
		t.Errorf("after Done GC percent %d, want 200", got)
	}
}
