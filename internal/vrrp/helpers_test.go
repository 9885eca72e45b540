package vrrp

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// t0 is the fake clock's origin; tests add offsets to it.
var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// at is t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

var (
	ourAddr   = netip.MustParseAddr("192.0.2.11")
	lowerAddr = netip.MustParseAddr("192.0.2.10")
	peerAddr  = netip.MustParseAddr("192.0.2.12")
)

// params is a VRRPv2 BACKUP instance VI_1, priority 100, advert_int 1.
func params() Params {
	return Params{
		Name: "VI_1", VRID: 51, Version: 2, Priority: 100,
		AdvertInterval: time.Second, InitialState: StateBackup,
		DownTimerAdverts: 3, Primary: ourAddr,
	}
}

// newInstance builds an instance from p, failing the test on error.
func newInstance(t *testing.T, p Params) *Instance {
	t.Helper()
	in, err := NewInstance(p)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// started returns an instance started at t0 and its start actions dropped.
func started(t *testing.T, p Params) *Instance {
	t.Helper()
	in := newInstance(t, p)
	in.Start(t0)
	return in
}

// mastered returns an instance that became master at t0+d.
func mastered(t *testing.T, p Params) *Instance {
	t.Helper()
	in := started(t, p)
	d, _ := in.NextDeadline()
	in.Timer(d)
	if in.State() != StateMaster {
		t.Fatalf("setup: state %s, want MASTER", in.State())
	}
	return in
}

// advert is a v2 advert from src with priority prio and interval 1 s.
func advert(src netip.Addr, prio int) Advert {
	return Advert{Src: src, Version: 2, Priority: prio, Interval: time.Second}
}

// render prints actions one per line for comparison.
func render(acts []Action) string {
	var b strings.Builder
	for _, a := range acts {
		fmt.Fprintln(&b, a)
	}
	return b.String()
}

// wantActions compares actions with the expected lines.
func wantActions(t *testing.T, got []Action, want ...string) {
	t.Helper()
	w := strings.Join(want, "\n")
	if len(want) > 0 {
		w += "\n"
	}
	if g := render(got); g != w {
		t.Errorf("actions:\n%s\nwant:\n%s", g, w)
	}
}

// wantState checks the state and, when d >= 0, the deadline t0+d.
func wantState(t *testing.T, in *Instance, s State, d time.Duration) {
	t.Helper()
	if in.State() != s {
		t.Errorf("state %s, want %s", in.State(), s)
	}
	got, ok := in.NextDeadline()
	switch {
	case d < 0 && ok:
		t.Errorf("deadline %v, want none", got.Sub(t0))
	case d >= 0 && (!ok || !got.Equal(at(d))):
		t.Errorf("deadline %v (set %v), want %v", got.Sub(t0), ok, d)
	}
}

// us is n microseconds.
func us(n int64) time.Duration { return time.Duration(n) * time.Microsecond }

// mustAddr parses an address.
func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
