package vrrp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// lose drops (or restores) the adverts of one VRID on the hub: one LAN
// of a sync group partitioned while the other still works.
func (h *hub) lose(vrid byte, lost bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lostVRID[vrid] = lost
}

// states lists the states of a router's instances in order.
func (rn *running) states() string {
	var out []string
	for _, st := range rn.r.Status(context.Background()) {
		out = append(out, st.State)
	}
	return strings.Join(out, " ")
}

// wantHolders fails unless both VIPs of confSync are held by want.
func wantHolders(t *testing.T, h *hub, when string, want ...string) {
	t.Helper()
	for _, vip := range []string{"192.0.2.100", "192.0.2.101"} {
		if got := h.holders(vip); !slices.Equal(got, want) {
			t.Fatalf("%s: %s held by %v, want %v", when, vip, got, want)
		}
	}
}

func TestSyncGroupBackupStaysBackupWhileAnotherMemberHearsItsMaster(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		h.start(t, "a", "192.0.2.1", fmt.Sprintf(confSync, 150))
		b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confSync, 100))
		time.Sleep(5 * time.Second)
		wantHolders(t, h, "at start", "a")
		// VI_1's LAN loses a's adverts; VI_2 still hears a. b's VI_1
		// wants MASTER, but its group holds it in BACKUP: no thrashing
		// between MASTER and BACKUP, no VIP on b.
		h.lose(51, true)
		for i := range 20 {
			time.Sleep(time.Second)
			if got := h.holders("192.0.2.100"); slices.Contains(got, "b") {
				t.Fatalf("%d s after VI_1's LAN was cut: b holds VI_1's VIP, its group should hold it in BACKUP", i+1)
			}
		}
		if got := b.states(); got != "BACKUP BACKUP" {
			t.Fatalf("b's members are %s, want BACKUP BACKUP", got)
		}
		if b.logs.has("Entering MASTER STATE") {
			t.Errorf("b went MASTER:\n%s", strings.Join(b.logs.lines, "\n"))
		}
	})
}

func TestSyncGroupBackupToMasterWhenEveryMemberWantsIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		h.start(t, "a", "192.0.2.1", fmt.Sprintf(confSync, 150))
		b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confSync, 100))
		time.Sleep(5 * time.Second)
		wantHolders(t, h, "at start", "a")
		// VI_2's LAN goes first, VI_1's two seconds later. b's VI_2
		// times out after Master_Down_Interval (3.61 s) but waits for
		// VI_1, whose timer fires 2 s later; then both move together.
		h.lose(52, true)
		time.Sleep(2 * time.Second)
		h.lose(51, true)
		time.Sleep(3 * time.Second) // 5 s after VI_2's cut, 3 s after VI_1's
		wantHolders(t, h, "before VI_1 timed out on b", "a")
		if got := b.states(); got != "BACKUP BACKUP" {
			t.Fatalf("b's members are %s before VI_1 timed out, want BACKUP BACKUP", got)
		}
		time.Sleep(time.Second) // VI_1's down timer (3.61 s) fired
		wantHolders(t, h, "after VI_1 timed out on b", "a", "b")
		if got := b.states(); got != "MASTER MASTER" {
			t.Fatalf("b's members are %s, want MASTER MASTER", got)
		}
		if n := b.logs.count("VRRP_Group(G) Syncing instances to MASTER state"); n != 1 {
			t.Errorf("b logged the group's move to MASTER %d times, want 1", n)
		}
	})
}

func TestSyncGroupHeldBackupToBackupWhenItsMasterReturns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		h.start(t, "a", "192.0.2.1", fmt.Sprintf(confSync, 150))
		b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confSync, 100))
		time.Sleep(5 * time.Second)
		// b's VI_1 times out and is held; a's adverts come back on its
		// LAN, so VI_1 no longer wants MASTER: when VI_2's LAN is cut
		// later, VI_2 must wait for VI_1's own timer, not take over with
		// a stale wish.
		h.lose(51, true)
		time.Sleep(5 * time.Second)
		h.lose(51, false)
		time.Sleep(2 * time.Second)
		h.lose(52, true)
		time.Sleep(5 * time.Second)
		wantHolders(t, h, "VI_2 timed out, VI_1 hears a", "a")
		if got := b.states(); got != "BACKUP BACKUP" {
			t.Fatalf("b's members are %s, want BACKUP BACKUP", got)
		}
		if b.logs.has("Entering MASTER STATE") {
			t.Errorf("b went MASTER:\n%s", strings.Join(b.logs.lines, "\n"))
		}
	})
}

func TestSyncGroupFaultToBackupOnlyWhenEveryMemberRecovered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		a := h.start(t, "a", "192.0.2.1", fmt.Sprintf(confSync, 150))
		h.start(t, "b", "192.0.2.2", fmt.Sprintf(confSync, 100))
		time.Sleep(5 * time.Second)
		ctx := context.Background()
		// Both members fault for reasons of their own; VI_1's recovery
		// leaves the group in FAULT while VI_2 is still faulty.
		if err := a.r.Fault(ctx, "VI_1", "interface eth1 down"); err != nil {
			t.Fatal(err)
		}
		if err := a.r.Fault(ctx, "VI_2", "interface eth2 down"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
		wantHolders(t, h, "both faulted on a", "b")
		if err := a.r.Recover(ctx, "VI_1", "interface eth1 down"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
		if got := a.states(); got != "FAULT FAULT" {
			t.Fatalf("a's members are %s after only VI_1 recovered, want FAULT FAULT", got)
		}
		wantHolders(t, h, "only VI_1 recovered on a", "b")
		if err := a.r.Recover(ctx, "VI_2", "interface eth2 down"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(6 * time.Second)
		wantHolders(t, h, "both recovered on a", "a")
		if got := a.states(); got != "MASTER MASTER" {
			t.Fatalf("a's members are %s after both recovered, want MASTER MASTER", got)
		}
		if n := a.logs.count("VRRP_Group(G) Syncing instances to FAULT state"); n != 1 {
			t.Errorf("a logged the group's move to FAULT %d times, want 1", n)
		}
	})
}

func TestBackupHeldBySyncGroupRearmsDownTimer(t *testing.T) {
	can := false
	in := started(t, params())
	in.SetSyncGate(func() bool { return can })
	down := 3*time.Second + skewTime(2, 100, time.Second)
	wantActions(t, in.Timer(at(down)), "log -D (VI_1) Receive advertisement timeout")
	wantState(t, in, StateBackup, 2*down)
	if !in.WantsMaster() {
		t.Fatal("a held backup does not want MASTER")
	}
	can = true
	in.Timer(at(2 * down))
	wantState(t, in, StateMaster, 2*down+time.Second)
}

func TestBackupHeldBySyncGroupStopsWantingMasterOnAdvert(t *testing.T) {
	in := started(t, params())
	in.SetSyncGate(func() bool { return false })
	down := 3*time.Second + skewTime(2, 100, time.Second)
	in.Timer(at(down))
	in.AdvertReceived(at(down+time.Second), advert(peerAddr, 150))
	if in.WantsMaster() {
		t.Fatal("a backup that accepted a master still wants MASTER")
	}
}

func TestInitToBackupOnStartOwnerHeldBySyncGroup(t *testing.T) {
	p := params()
	p.Priority, p.InitialState = 255, StateMaster
	in := newInstance(t, p)
	in.SetSyncGate(func() bool { return false })
	in.Start(t0)
	// One advert interval plus the owner's Skew_Time, then ask again.
	wantState(t, in, StateBackup, time.Second+skewTime(2, 255, time.Second))
	if !in.WantsMaster() {
		t.Fatal("a held owner does not want MASTER")
	}
}
