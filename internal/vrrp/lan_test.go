package vrrp

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// lan is a deterministic in-memory LAN: every advert an instance sends
// reaches every other live instance after latency. run advances a fake
// clock from event to event (the next packet or the next instance
// deadline), so no test sleeps.
type lan struct {
	t       *testing.T
	now     time.Time
	latency time.Duration
	nodes   []*lanNode
	queue   []lanPacket
}

// lanNode is one router on the LAN.
type lanNode struct {
	in    *Instance
	addr  netip.Addr
	start time.Time
	up    bool // started and not crashed or stopped
}

// lanPacket is an advert in flight.
type lanPacket struct {
	at   time.Time
	from int
	a    Advert
}

// newLAN builds one router per params; router i has address 192.0.2.(10+i)
// unless Primary is set, and starts at t0+starts[i] (t0 if absent).
func newLAN(t *testing.T, ps []Params, starts ...time.Duration) *lan {
	l := &lan{t: t, now: t0, latency: time.Millisecond}
	for i, p := range ps {
		if !p.Primary.IsValid() {
			p.Primary = netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)})
		}
		if p.Name == "" {
			p.Name = fmt.Sprintf("VI_%d", i)
		}
		n := &lanNode{in: newInstance(t, p), addr: p.Primary, start: t0}
		if i < len(starts) {
			n.start = t0.Add(starts[i])
		}
		l.nodes = append(l.nodes, n)
	}
	return l
}

// exec carries out node i's actions: adverts go on the wire.
func (l *lan) exec(i int, acts []Action) {
	n := l.nodes[i]
	for _, a := range acts {
		if s, ok := a.(SendAdvert); ok {
			adv := Advert{Src: n.addr, Version: n.in.p.Version, Priority: s.Priority, Interval: n.in.p.AdvertInterval}
			l.queue = append(l.queue, lanPacket{at: l.now.Add(l.latency), from: i, a: adv})
		}
	}
}

// next finds the earliest event: a packet (index into queue) or a node's
// start or deadline. Ties go to packets, then to the lowest node index.
func (l *lan) next() (when time.Time, pkt, node int) {
	pkt, node = -1, -1
	for k, p := range l.queue {
		if pkt < 0 || p.at.Before(when) {
			when, pkt = p.at, k
		}
	}
	for i, n := range l.nodes {
		d, ok := l.nodeDeadline(n)
		if ok && (pkt < 0 && node < 0 || d.Before(when)) {
			when, pkt, node = d, -1, i
		}
	}
	return when, pkt, node
}

// nodeDeadline is when node n next needs the clock: its start, or its
// instance's deadline while up.
func (l *lan) nodeDeadline(n *lanNode) (time.Time, bool) {
	if n.in.State() == StateInit {
		return n.start, true
	}
	if !n.up {
		return time.Time{}, false
	}
	return n.in.NextDeadline()
}

// run processes events until the clock passes d from now.
func (l *lan) run(d time.Duration) {
	end := l.now.Add(d)
	for {
		when, pkt, node := l.next()
		if (pkt < 0 && node < 0) || when.After(end) {
			break
		}
		l.now = when
		if pkt >= 0 {
			l.deliver(pkt)
			continue
		}
		l.tick(node)
	}
	l.now = end
}

// deliver hands queued packet k to every live node but its sender.
func (l *lan) deliver(k int) {
	p := l.queue[k]
	l.queue = append(l.queue[:k], l.queue[k+1:]...)
	for i, n := range l.nodes {
		if i != p.from && n.up {
			l.exec(i, n.in.AdvertReceived(l.now, p.a))
		}
	}
}

// tick starts node i or fires its timer.
func (l *lan) tick(i int) {
	n := l.nodes[i]
	if n.in.State() == StateInit {
		n.up = true
		l.exec(i, n.in.Start(l.now))
		return
	}
	l.exec(i, n.in.Timer(l.now))
}

// stop shuts node i down cleanly (priority 0 advert).
func (l *lan) stop(i int) {
	l.exec(i, l.nodes[i].in.Stop(l.now))
	l.nodes[i].up = false
}

// crash makes node i vanish without a word.
func (l *lan) crash(i int) { l.nodes[i].up = false }

// wantSingleMaster checks that exactly node want is MASTER among live nodes.
func (l *lan) wantSingleMaster(want int) {
	l.t.Helper()
	var masters []int
	for i, n := range l.nodes {
		if n.up && n.in.State() == StateMaster {
			masters = append(masters, i)
		}
	}
	if len(masters) != 1 || masters[0] != want {
		l.t.Errorf("at %v masters %v, want [%d]", l.now.Sub(t0), masters, want)
	}
}

// lanParams returns v2 BACKUP params with the given priorities.
func lanParams(prios ...int) []Params {
	ps := make([]Params, len(prios))
	for i, pr := range prios {
		ps[i] = Params{
			VRID: 51, Version: 2, Priority: pr, AdvertInterval: time.Second,
			InitialState: StateBackup, DownTimerAdverts: 3,
		}
		if pr == PriorityOwner {
			ps[i].InitialState = StateMaster
		}
	}
	return ps
}

func TestLANElectsSingleMaster(t *testing.T) {
	v3 := func(ps []Params, ivs ...time.Duration) []Params {
		for i := range ps {
			ps[i].Version, ps[i].AdvertInterval = 3, ivs[i%len(ivs)]
		}
		return ps
	}
	nopreempt := func(ps []Params) []Params {
		for i := range ps {
			ps[i].NoPreempt = true
		}
		return ps
	}
	tests := []struct {
		name   string
		params []Params
		starts []time.Duration
		// master is the expected master; after it stops, next.
		master, next int
	}{
		{"two routers", lanParams(100, 150), nil, 1, 0},
		{"three equal priorities: highest address", lanParams(100, 100, 100), nil, 2, 1},
		{"five routers", lanParams(90, 200, 150, 100, 200), nil, 4, 1},
		{"owner among five", lanParams(100, 254, 255, 200, 50), nil, 2, 1},
		{"higher priority starting late preempts", lanParams(100, 150, 120), []time.Duration{0, 20 * time.Second, 7 * time.Second}, 1, 2},
		{"equal priority starting late does not preempt", lanParams(100, 100), []time.Duration{0, 20 * time.Second}, 0, 1},
		{"v3 mixed intervals", v3(lanParams(100, 150, 120), 100*time.Millisecond, time.Second), nil, 1, 2},
		{"nopreempt simultaneous start", nopreempt(lanParams(100, 150, 120)), nil, 1, 2},
		{"two state MASTER non-owners", func() []Params {
			ps := lanParams(100, 100)
			ps[0].InitialState, ps[1].InitialState = StateMaster, StateMaster
			return ps
		}(), nil, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLAN(t, tt.params, tt.starts...)
			l.run(60 * time.Second)
			l.wantSingleMaster(tt.master)
			l.stop(tt.master)
			l.run(30 * time.Second)
			l.wantSingleMaster(tt.next)
		})
	}
}

func TestLANPriorityZeroTakeoverIsFast(t *testing.T) {
	l := newLAN(t, lanParams(100, 150))
	l.run(30 * time.Second)
	l.wantSingleMaster(1)
	l.stop(1)
	// Skew_Time for priority 100 is 609 ms, plus 1 ms latency.
	l.run(611 * time.Millisecond)
	l.wantSingleMaster(0)
}

func TestLANMasterCrashTakeoverAfterMasterDown(t *testing.T) {
	l := newLAN(t, lanParams(100, 150, 120))
	l.run(30 * time.Second)
	l.wantSingleMaster(1)
	l.crash(1)
	// Router 2 (priority 120) takes over after at most one advert
	// interval plus Master_Down_Interval (3 s + 136/256 s).
	l.run(4600 * time.Millisecond)
	l.wantSingleMaster(2)
	if s := l.nodes[0].in.State(); s != StateBackup {
		t.Errorf("router 0 is %s, want BACKUP", s)
	}
}

func TestLANPriorityChangeHandsOver(t *testing.T) {
	l := newLAN(t, lanParams(100, 150))
	l.run(30 * time.Second)
	l.wantSingleMaster(1)
	// A tracker on the master fails with weight -80: 150 → 70, the
	// backup (100) discards its adverts and takes over.
	l.exec(1, l.nodes[1].in.SetPriority(l.now, 70))
	l.run(10 * time.Second)
	l.wantSingleMaster(0)
}
