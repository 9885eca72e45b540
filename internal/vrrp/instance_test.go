package vrrp

import (
	"strings"
	"testing"
	"time"
)

// down100 is Master_Down_Interval for priority 100, v2, advert_int 1.
var down100 = us(3609375)

func TestInitToBackupOnStart(t *testing.T) {
	in := newInstance(t, params())
	wantActions(t, in.Start(t0),
		"log (VI_1) Entering BACKUP STATE (init)",
		"remove VIPs",
		"notify BACKUP 100")
	wantState(t, in, StateBackup, down100)
}

func TestInitToBackupOnStartStateMasterBelowOwner(t *testing.T) {
	p := params()
	p.InitialState = StateMaster
	in := started(t, p)
	wantState(t, in, StateBackup, down100)
}

func TestInitToMasterOnStartOwner(t *testing.T) {
	p := params()
	p.Priority, p.InitialState = 255, StateMaster
	in := newInstance(t, p)
	wantActions(t, in.Start(t0),
		"send advert priority 255",
		"log (VI_1) Entering MASTER STATE",
		"add VIPs",
		"send gratuitous",
		"notify MASTER 255")
	wantState(t, in, StateMaster, time.Second)
}

func TestInitToFaultOnStartWithFault(t *testing.T) {
	in := newInstance(t, params())
	wantActions(t, in.Fault(t0, "interface eth0 down"))
	wantActions(t, in.Start(t0),
		"log (VI_1) Entering FAULT STATE (init)",
		"remove VIPs",
		"notify FAULT 100")
	wantState(t, in, StateFault, -1)
}

func TestBackupToMasterOnMasterDown(t *testing.T) {
	in := started(t, params())
	wantActions(t, in.Timer(at(down100-1)))
	wantActions(t, in.Timer(at(down100)),
		"log -D (VI_1) Receive advertisement timeout",
		"send advert priority 100",
		"log (VI_1) Entering MASTER STATE",
		"add VIPs",
		"send gratuitous",
		"notify MASTER 100")
	wantState(t, in, StateMaster, down100+time.Second)
	wantActions(t, in.Timer(at(down100+time.Second)), "send advert priority 100")
	wantState(t, in, StateMaster, down100+2*time.Second)
}

func TestBackupStaysBackupOnAdvert(t *testing.T) {
	tests := []struct {
		name   string
		prio   int
		modify func(*Params)
		want   []string
		down   time.Duration // deadline after an advert at 2 s
	}{
		{"higher priority", 150, nil, nil, 2*time.Second + down100},
		{"equal priority", 100, nil, nil, 2*time.Second + down100},
		{"lower priority discarded", 50, nil,
			[]string{"log (VI_1) received lower priority (50) advert from 192.0.2.12 - discarding"}, down100},
		{"lower priority with nopreempt", 50, func(p *Params) { p.NoPreempt = true }, nil, 2*time.Second + down100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params()
			if tt.modify != nil {
				tt.modify(&p)
			}
			in := started(t, p)
			got := in.AdvertReceived(at(2*time.Second), advert(peerAddr, tt.prio))
			want := append([]string{"log -D (VI_1) master set to 192.0.2.12"}, tt.want...)
			wantActions(t, got, want...)
			wantState(t, in, StateBackup, tt.down)
		})
	}
}

func TestNopreemptBackupNeverTakesOverFromLowerMaster(t *testing.T) {
	p := params()
	p.NoPreempt = true
	in := started(t, p)
	for s := time.Duration(1); s <= 30; s++ {
		in.AdvertReceived(at(s*time.Second), advert(peerAddr, 50))
		if d, _ := in.NextDeadline(); !d.After(at(s * time.Second)) {
			t.Fatalf("deadline %v not after advert", d.Sub(t0))
		}
	}
	wantState(t, in, StateBackup, 30*time.Second+down100)
}

func TestPreemptDelayBackupToMasterAfterDelay(t *testing.T) {
	p := params()
	p.PreemptDelay = 10 * time.Second
	in := started(t, p)
	got := in.AdvertReceived(at(time.Second), advert(peerAddr, 50))
	wantActions(t, got,
		"log -D (VI_1) master set to 192.0.2.12",
		"log -D (VI_1) start preempt delay (10.000000)")
	// Lower adverts are accepted until 11 s, then discarded.
	for s := time.Duration(2); s <= 10; s++ {
		wantActions(t, in.AdvertReceived(at(s*time.Second), advert(peerAddr, 50)))
	}
	wantState(t, in, StateBackup, 10*time.Second+down100)
	for s := time.Duration(11); s <= 13; s++ {
		wantActions(t, in.AdvertReceived(at(s*time.Second), advert(peerAddr, 50)),
			"log (VI_1) received lower priority (50) advert from 192.0.2.12 - discarding")
	}
	in.Timer(at(10*time.Second + down100))
	wantState(t, in, StateMaster, 11*time.Second+down100)
}

func TestPreemptDelayStoppedByHigherAdvert(t *testing.T) {
	p := params()
	p.PreemptDelay = 10 * time.Second
	in := started(t, p)
	in.AdvertReceived(at(time.Second), advert(peerAddr, 50))
	wantActions(t, in.AdvertReceived(at(2*time.Second), advert(peerAddr, 150)),
		"log -D (VI_1) stop preempt delay")
	// A new lower advert re-arms the delay from now.
	wantActions(t, in.AdvertReceived(at(3*time.Second), advert(peerAddr, 50)),
		"log -D (VI_1) start preempt delay (10.000000)")
	if want := at(13 * time.Second); !in.preemptTime.Equal(want) {
		t.Errorf("preempt time %v, want %v", in.preemptTime.Sub(t0), want.Sub(t0))
	}
}

func TestPriorityZeroFastTakeover(t *testing.T) {
	in := started(t, params())
	in.AdvertReceived(at(time.Second), advert(peerAddr, 150))
	wantActions(t, in.AdvertReceived(at(2*time.Second), advert(peerAddr, 0)),
		"log -D (VI_1) Backup received priority 0 advertisement")
	skew := us(609375)
	wantState(t, in, StateBackup, 2*time.Second+skew)
	in.Timer(at(2*time.Second + skew))
	wantState(t, in, StateMaster, 3*time.Second+skew)
}

func TestMasterToBackupOnHigherPriority(t *testing.T) {
	in := mastered(t, params())
	now := 5 * time.Second
	wantActions(t, in.AdvertReceived(at(now), advert(peerAddr, 150)),
		"log (VI_1) Master received advert from 192.0.2.12 with higher priority 150, ours 100",
		"log (VI_1) Entering BACKUP STATE",
		"remove VIPs",
		"notify BACKUP 100")
	wantState(t, in, StateBackup, now+down100)
	if in.Master() != peerAddr {
		t.Errorf("master %s, want %s", in.Master(), peerAddr)
	}
}

func TestMasterToBackupOnHigherPriorityWithHigherPrioSendAdvert(t *testing.T) {
	p := params()
	p.HigherPrioSendAdvert = true
	in := mastered(t, p)
	wantActions(t, in.AdvertReceived(at(5*time.Second), advert(peerAddr, 150)),
		"send advert priority 100",
		"log (VI_1) Master received advert from 192.0.2.12 with higher priority 150, ours 100",
		"log (VI_1) Entering BACKUP STATE",
		"remove VIPs",
		"notify BACKUP 100")
}

func TestEqualPriorityHigherAddressWins(t *testing.T) {
	in := mastered(t, params())
	wantActions(t, in.AdvertReceived(at(5*time.Second), advert(lowerAddr, 100)),
		"log (VI_1) Received advert from 192.0.2.10 with lower priority 100, ours 100, forcing new election",
		"send advert priority 100",
		"notify MASTER_RX_LOWER_PRI from 192.0.2.10")
	wantState(t, in, StateMaster, 6*time.Second)
	wantActions(t, in.AdvertReceived(at(5*time.Second), advert(peerAddr, 100)),
		"log (VI_1) Master received advert from 192.0.2.12 with same priority 100 but higher IP address than ours",
		"log (VI_1) Entering BACKUP STATE",
		"remove VIPs",
		"notify BACKUP 100")
}

func TestMasterStaysMasterOnAdvert(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		prio   int
		modify func(*Params)
		want   []string
		next   time.Duration // deadline after an advert at 5 s
	}{
		{"lower priority", "192.0.2.12", 50, nil, []string{
			"log (VI_1) Received advert from 192.0.2.12 with lower priority 50, ours 100, forcing new election",
			"send advert priority 100",
			"notify MASTER_RX_LOWER_PRI from 192.0.2.12"}, 6 * time.Second},
		{"lower priority with lower_prio_no_advert", "192.0.2.12", 50, func(p *Params) { p.LowerPrioNoAdvert = true }, []string{
			"log (VI_1) Received advert from 192.0.2.12 with lower priority 50, ours 100",
			"notify MASTER_RX_LOWER_PRI from 192.0.2.12"}, down100 + time.Second},
		{"lower priority with garp_lower_prio_repeat", "192.0.2.12", 50, func(p *Params) { p.GarpLowerPrioRepeat = 2 }, []string{
			"log (VI_1) Received advert from 192.0.2.12 with lower priority 50, ours 100, forcing new election",
			"send advert priority 100",
			"send gratuitous (lower priority)",
			"notify MASTER_RX_LOWER_PRI from 192.0.2.12"}, 6 * time.Second},
		{"priority 0", "192.0.2.12", 0, nil, []string{
			"send advert priority 100",
			"log -D (VI_1) Master received priority 0 message"}, 6 * time.Second},
		{"equal priority from our address", "192.0.2.11", 100, nil, []string{
			"log (VI_1) WARNING - equal priority advert received from remote host with our IP address."}, 6 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params()
			if tt.modify != nil {
				tt.modify(&p)
			}
			in := mastered(t, p)
			a := advert(ourAddr, tt.prio)
			a.Src = mustAddr(tt.src)
			wantActions(t, in.AdvertReceived(at(5*time.Second), a), tt.want...)
			wantState(t, in, StateMaster, tt.next)
		})
	}
}

func TestOwnerConflictLowerAddressYields(t *testing.T) {
	p := params()
	p.Priority, p.InitialState = 255, StateMaster
	in := started(t, p)
	wantActions(t, in.AdvertReceived(at(time.Second), advert(peerAddr, 255)),
		"log (VI_1) CONFIGURATION ERROR: local instance and 192.0.2.12 are both configured as address owner, please resolve",
		"log (VI_1) Master received advert from 192.0.2.12 with same priority 255 but higher IP address than ours",
		"log (VI_1) Entering BACKUP STATE",
		"remove VIPs",
		"notify BACKUP 255")
}

func TestOwnerConflictHigherAddressLogsOnce(t *testing.T) {
	p := params()
	p.Priority, p.InitialState = 255, StateMaster
	in := started(t, p)
	lower := "log (VI_1) Received advert from 192.0.2.10 with lower priority 255, ours 255, forcing new election"
	wantActions(t, in.AdvertReceived(at(time.Second), advert(lowerAddr, 255)),
		"log (VI_1) CONFIGURATION ERROR: local instance and 192.0.2.10 are both configured as address owner, please resolve",
		lower, "send advert priority 255", "notify MASTER_RX_LOWER_PRI from 192.0.2.10")
	wantActions(t, in.AdvertReceived(at(2*time.Second), advert(lowerAddr, 255)),
		lower, "send advert priority 255", "notify MASTER_RX_LOWER_PRI from 192.0.2.10")
}

func TestStopSendsPriorityZero(t *testing.T) {
	in := mastered(t, params())
	wantActions(t, in.Stop(at(10*time.Second)),
		"send advert priority 0",
		"log -D (VI_1) sent 0 priority",
		"remove VIPs",
		"notify STOP 100")
	wantState(t, in, StateStop, -1)
	wantActions(t, in.AdvertReceived(at(11*time.Second), advert(peerAddr, 50)))
}

func TestBackupToStopOnStop(t *testing.T) {
	in := started(t, params())
	wantActions(t, in.Stop(at(time.Second)), "notify STOP 100")
	wantState(t, in, StateStop, -1)
}

func TestMasterToFaultOnFault(t *testing.T) {
	in := mastered(t, params())
	wantActions(t, in.Fault(at(5*time.Second), "interface"),
		"log (VI_1) Entering FAULT STATE",
		"send advert priority 0",
		"send advert priority 0",
		"log -D (VI_1) sent 0 priority",
		"remove VIPs",
		"notify FAULT 100")
	wantState(t, in, StateFault, -1)
	wantActions(t, in.AdvertReceived(at(6*time.Second), advert(peerAddr, 50)))
	wantActions(t, in.Timer(at(time.Hour)))
}

func TestFaultToBackupOnRecover(t *testing.T) {
	in := started(t, params())
	wantActions(t, in.Fault(at(time.Second), "interface"),
		"log (VI_1) Entering FAULT STATE",
		"notify FAULT 100")
	wantActions(t, in.Fault(at(2*time.Second), "script"))
	wantActions(t, in.Recover(at(3*time.Second), "interface"))
	wantState(t, in, StateFault, -1)
	wantActions(t, in.Recover(at(4*time.Second), "script"),
		"log (VI_1) Entering BACKUP STATE",
		"notify BACKUP 100")
	wantState(t, in, StateBackup, 4*time.Second+down100)
}

func TestFaultToMasterOnRecoverOwnerFaultedAtInit(t *testing.T) {
	p := params()
	p.Priority, p.InitialState = 255, StateMaster
	in := newInstance(t, p)
	in.Fault(t0, "interface")
	in.Start(t0)
	in.Recover(at(time.Second), "interface")
	wantState(t, in, StateMaster, 2*time.Second)
}

func TestSetPriorityMovesBackupDownTimer(t *testing.T) {
	in := started(t, params())
	wantActions(t, in.SetPriority(at(time.Second), 70),
		"log (VI_1) Changing effective priority from 100 to 70")
	// Skew grows from 156/256 s to 186/256 s: 609375 µs → 726562 µs.
	wantState(t, in, StateBackup, 3*time.Second+us(726562))
	wantActions(t, in.SetPriority(at(time.Second), 70))
	in.SetPriority(at(time.Second), 300)
	if in.Priority() != 254 {
		t.Errorf("priority %d, want 254 (clamped)", in.Priority())
	}
	in.SetPriority(at(time.Second), -40)
	if in.Priority() != 1 {
		t.Errorf("priority %d, want 1 (clamped)", in.Priority())
	}
}

func TestSetPriorityIgnoredForOwner(t *testing.T) {
	p := params()
	p.Priority, p.InitialState = 255, StateMaster
	in := started(t, p)
	wantActions(t, in.SetPriority(at(time.Second), 200))
	if in.Priority() != 255 {
		t.Errorf("priority %d, want 255", in.Priority())
	}
}

func TestMasterAdvertCarriesNewPriority(t *testing.T) {
	in := mastered(t, params())
	in.SetPriority(at(4*time.Second), 130)
	d, _ := in.NextDeadline()
	wantActions(t, in.Timer(d), "send advert priority 130")
}

func TestBackupAdoptsMasterIntervalV3(t *testing.T) {
	p := params()
	p.Version = 3
	in := started(t, p)
	a := Advert{Src: peerAddr, Version: 3, Priority: 150, Interval: 500 * time.Millisecond}
	wantActions(t, in.AdvertReceived(at(time.Second), a),
		"log -D (VI_1) master set to 192.0.2.12",
		"log (VI_1) advertisement interval mismatch ours = 100 centi-sec rcv'd=50 centi-sec",
		"log -D (VI_1) advertisement interval updated from 1000ms to 500ms by master")
	// 3 × 0.5 s + 156 × 50 × 625 / 16 µs.
	wantState(t, in, StateBackup, time.Second+1500*time.Millisecond+us(304687))
	// keepalived clears its rate-limit flags after accepting an advert
	// from a new master, so the mismatch is logged a second time, then
	// no more.
	wantActions(t, in.AdvertReceived(at(2*time.Second), a),
		"log (VI_1) advertisement interval mismatch ours = 100 centi-sec rcv'd=50 centi-sec")
	wantActions(t, in.AdvertReceived(at(3*time.Second), a))
	// Becoming master restores our own interval.
	d, _ := in.NextDeadline()
	in.Timer(d)
	if in.MasterAdverInterval() != time.Second {
		t.Errorf("master interval %v, want 1s", in.MasterAdverInterval())
	}
}

func TestBackupDropsInvalidAdvert(t *testing.T) {
	tests := []struct {
		name string
		a    Advert
		want string
	}{
		{"wrong version", Advert{Src: peerAddr, Version: 3, Priority: 150, Interval: time.Second},
			"log (VI_1) wrong VRRP version from 192.0.2.12. Received 3 and expect 2"},
		{"v2 interval mismatch", Advert{Src: peerAddr, Version: 2, Priority: 150, Interval: 2 * time.Second},
			"log (VI_1) advertisement interval mismatch with 192.0.2.12 mine=1 sec rcv'd=2 sec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := started(t, params())
			// A dropped advert does not make its sender the master, so
			// -D logs "master set" each time; the error is logged once.
			set := "log -D (VI_1) master set to 192.0.2.12"
			wantActions(t, in.AdvertReceived(at(time.Second), tt.a), set, tt.want)
			wantState(t, in, StateBackup, down100)
			wantActions(t, in.AdvertReceived(at(2*time.Second), tt.a), set)
		})
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{
		StateInit: "INIT", StateBackup: "BACKUP", StateMaster: "MASTER",
		StateFault: "FAULT", StateStop: "STOP", State(42): "UNKNOWN",
	} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", int(s), s.String(), want)
		}
	}
}

// ownerFacingRogue is a master address owner that heard a second owner
// with a lower address at 0.5 s (which moved its advert timer to 1.5 s)
// and sent its two adverts since (1.5 s, 2.5 s): it watches the other
// until 3.7 s.
func ownerFacingRogue(t *testing.T) *Instance {
	t.Helper()
	p := params()
	p.Priority, p.InitialState = 255, StateMaster
	in := started(t, p)
	wantActions(t, in.AdvertReceived(at(500*time.Millisecond), advert(lowerAddr, 255)),
		"log (VI_1) CONFIGURATION ERROR: local instance and 192.0.2.10 are both configured as address owner, please resolve",
		"log (VI_1) Received advert from 192.0.2.10 with lower priority 255, ours 255, forcing new election",
		"send advert priority 255", "notify MASTER_RX_LOWER_PRI from 192.0.2.10")
	wantActions(t, in.Timer(at(1500*time.Millisecond)), "send advert priority 255")
	wantActions(t, in.Timer(at(2500*time.Millisecond)), "send advert priority 255")
	wantState(t, in, StateMaster, 3500*time.Millisecond)
	return in
}

func TestOwnerConflictHigherAddressToBackupWhenRogueKeepsAdvertising(t *testing.T) {
	in := ownerFacingRogue(t)
	wantActions(t, in.AdvertReceived(at(3*time.Second), advert(lowerAddr, 255)),
		"log (VI_1) 192.0.2.10 is still advertising as address owner, please resolve - reducing our priority",
		"log (VI_1) Master received advert from 192.0.2.10 with higher priority 255, ours 254",
		"log (VI_1) Entering BACKUP STATE",
		"remove VIPs",
		"notify BACKUP 254")
	if in.Priority() != 254 {
		t.Fatalf("priority %d, want 254", in.Priority())
	}
	// The other owner goes away: we take over and get 255 back.
	d, _ := in.NextDeadline()
	acts := in.Timer(d)
	if got := render(acts); !strings.Contains(got, "send advert priority 254\nlog (VI_1) Entering MASTER STATE\nlog (VI_1) Restoring our priority to 255 since other address owner has disappeared\n") {
		t.Fatalf("taking over after the other owner left:\n%s", got)
	}
	if in.Priority() != 255 {
		t.Fatalf("priority %d after taking over, want 255", in.Priority())
	}
}

func TestOwnerConflictHigherAddressStaysMasterWhenRogueStops(t *testing.T) {
	in := ownerFacingRogue(t)
	wantActions(t, in.Timer(at(3500*time.Millisecond)), "send advert priority 255")
	wantState(t, in, StateMaster, 3700*time.Millisecond)
	wantActions(t, in.Timer(at(3700*time.Millisecond)),
		"log (VI_1): rogue address owner appears to have stopped advertising")
	wantState(t, in, StateMaster, 4500*time.Millisecond)
	// A later advert from the other owner starts a new watch.
	wantActions(t, in.AdvertReceived(at(4*time.Second), advert(lowerAddr, 255)),
		"log (VI_1) CONFIGURATION ERROR: local instance and 192.0.2.10 are both configured as address owner, please resolve",
		"log (VI_1) Received advert from 192.0.2.10 with lower priority 255, ours 255, forcing new election",
		"send advert priority 255", "notify MASTER_RX_LOWER_PRI from 192.0.2.10")
	if in.Priority() != 255 {
		t.Fatalf("priority %d, want 255", in.Priority())
	}
}

func TestBackupRestoresOwnerPriorityOnLowerAdvert(t *testing.T) {
	in := ownerFacingRogue(t)
	in.AdvertReceived(at(3*time.Second), advert(lowerAddr, 255))
	wantActions(t, in.AdvertReceived(at(3500*time.Millisecond), advert(lowerAddr, 255)))
	wantActions(t, in.AdvertReceived(at(4*time.Second), advert(lowerAddr, 100)),
		"log (VI_1) Restoring our priority to 255 since received advert with lower priority",
		"log (VI_1) received lower priority (100) advert from 192.0.2.10 - discarding")
	if in.Priority() != 255 {
		t.Fatalf("priority %d, want 255", in.Priority())
	}
}
