package lvs

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/keepalived-go/keepalived/internal/config"
)

// EventKind says what an Event asks of the daemon beyond logging.
type EventKind uint8

// Event kinds.
const (
	// Log is a log line only.
	Log EventKind = iota + 1
	// QuorumUp and QuorumDown: a virtual server gained or lost its
	// quorum; Script is its quorum_up or quorum_down (nil when unset).
	QuorumUp
	QuorumDown
	// RealServerUp and RealServerDown: a real server joined or left the
	// pool (or was enabled/disabled); Script is its notify_up or
	// notify_down (nil when unset).
	RealServerUp
	RealServerDown
)

func (k EventKind) String() string {
	switch k {
	case Log:
		return "log"
	case QuorumUp:
		return "quorum up"
	case QuorumDown:
		return "quorum down"
	case RealServerUp:
		return "real server up"
	case RealServerDown:
		return "real server down"
	}
	return fmt.Sprintf("event%d", uint8(k))
}

// Event is one decision of the model for the daemon: Msg is the log line
// in keepalived's wording; the kind says whether a script or notification
// follows.
type Event struct {
	Kind   EventKind
	VS     VSID
	RS     DestKey // real server events, and their log lines
	Msg    string
	Script *config.Script
}

// Model holds the desired load-balancer state: the virtual servers of a
// config, which of their real servers are alive and at which weight, and
// each virtual server's quorum. It makes keepalived's decisions
// (ipwrapper.c) but touches nothing: Desired renders the result and a
// Reconciler applies it. A Model is not safe for concurrent use.
type Model struct {
	vss  []*vsState
	byID map[VSID]*vsState
	// owner is, per service, the virtual server and entry Desired takes
	// it from: the last one that names it.
	owner map[ServiceKey]ownerEntry
	// keys are owner's keys in the configuration's order (of their first
	// appearance), which Desired keeps, nearly sorted already.
	keys []ServiceKey
	// dirty are the virtual servers SetAlive or SetWeight changed since
	// the last Desired or Changed.
	dirty []*vsState
}

type ownerEntry struct {
	vs *vsState
	se serviceEntry
}

type vsState struct {
	cfg      *config.VirtualServer
	id       VSID
	name     string
	services []serviceEntry
	rss      []*rsState
	byKey    map[DestKey]*rsState
	sorry    *rsState
	quorumUp bool
	dirty    bool // listed in Model.dirty
}

type rsState struct {
	cfg     *config.RealServer // nil for the sorry server
	key     DestKey
	name    string
	weight  int64 // effective weight (misc_dynamic may change it)
	alive   bool
	inhibit bool
	method  Method
	tunnel  Tunnel
	uth     uint32
	lth     uint32
}

// realWeight is keepalived's real_weight(): an effective weight clamped to
// what IPVS takes.
func realWeight(w int64) int {
	switch {
	case w < 0:
		return 0
	case w > math.MaxInt32:
		return math.MaxInt32
	}
	return int(w)
}

// hasCheckers reports whether a real server has a health checker; one
// without is always alive.
func hasCheckers(rs *config.RealServer) bool {
	return len(rs.HTTPGet)+len(rs.SSLGet)+len(rs.TCPCheck)+len(rs.SMTPCheck)+len(rs.DNSCheck)+
		len(rs.MiscCheck)+len(rs.UDPCheck)+len(rs.PingCheck)+len(rs.FileCheck)+len(rs.BFDCheck) > 0
}

// New builds the model of cfg's virtual servers. A real server starts
// alive unless alpha is set and it has checkers (keepalived's alpha
// mode). With prev (a reload), a virtual server and real server that
// exist in both keep their alive state, weight and quorum, as keepalived
// does not re-add a failed real server on reload. The events are the
// start-up decisions ("Starting with quorum down", sorry servers).
func New(cfg *config.Config, prev *Model) (*Model, []Event) {
	m := &Model{byID: map[VSID]*vsState{}}
	ids := IDs(cfg.VirtualServers)
	groupIndex := map[string]int{}
	var events []Event
	for i, c := range cfg.VirtualServers {
		gi := groupIndex[c.Service.Group]
		if c.Service.Group != "" {
			groupIndex[c.Service.Group]++
		}
		vs := newVS(c, ids[i], gi, cfg.VirtualServerGroups)
		var old *vsState
		if prev != nil {
			old = prev.byID[vs.id]
		}
		vs.inherit(old)
		if old == nil {
			vs.quorumUp = vs.liveWeight() >= int64(c.Quorum)+int64(c.Hysteresis)
		}
		events = append(events, vs.updateQuorum(old == nil)...)
		m.vss = append(m.vss, vs)
		m.byID[vs.id] = vs
	}
	m.owner = make(map[ServiceKey]ownerEntry, len(m.vss))
	for _, vs := range m.vss {
		for _, se := range vs.services {
			if _, dup := m.owner[se.Key]; !dup {
				m.keys = append(m.keys, se.Key)
			}
			m.owner[se.Key] = ownerEntry{vs, se} // a later virtual server with the same service wins
		}
	}
	return m, events
}

// touch records that vs's desired state may have changed, for Changed.
func (m *Model) touch(vs *vsState) {
	if !vs.dirty {
		vs.dirty = true
		m.dirty = append(m.dirty, vs)
	}
}

func (m *Model) clean() {
	for _, vs := range m.dirty {
		vs.dirty = false
	}
	m.dirty = m.dirty[:0]
}

func newVS(c *config.VirtualServer, id VSID, groupIndex int, groups []*config.VirtualServerGroup) *vsState {
	vs := &vsState{cfg: c, id: id, name: vsName(c, groupIndex), byKey: make(map[DestKey]*rsState, len(c.RealServers)),
		rss: make([]*rsState, 0, len(c.RealServers))}
	vs.services = expand(c, groups)
	states := make([]rsState, len(c.RealServers)) // one allocation for them all
	for i, r := range c.RealServers {
		method, tun := methodOf(r.Method)
		rs := &states[i]
		*rs = rsState{
			cfg: r, key: RSKey(r), name: trio(r.Addr.Addr, c.Protocol, r.Addr.Port),
			weight: int64(r.Weight), alive: !(r.Alpha && hasCheckers(r)), inhibit: r.InhibitOnFailure,
			method: method, tunnel: tun, uth: r.UThreshold, lth: r.LThreshold,
		}
		if _, dup := vs.byKey[rs.key]; dup {
			continue // the first of duplicates takes the check results
		}
		vs.rss = append(vs.rss, rs)
		vs.byKey[rs.key] = rs
	}
	if ss := c.SorryServer; ss != nil {
		lm := c.Method
		if c.SorryServerLVSMethod != nil {
			lm = *c.SorryServerLVSMethod
		}
		method, tun := methodOf(lm)
		vs.sorry = &rsState{
			key: DestKey{Addr: ss.Addr, Port: ss.Port}, name: trio(ss.Addr, c.Protocol, ss.Port),
			weight: 1, inhibit: c.SorryServerInhibit, method: method, tunnel: tun,
		}
	}
	return vs
}

// inherit carries the run-time state of the same virtual server across a
// reload.
func (vs *vsState) inherit(old *vsState) {
	if old == nil {
		return
	}
	vs.quorumUp = old.quorumUp
	for _, rs := range vs.rss {
		if o := old.byKey[rs.key]; o != nil {
			rs.alive = o.alive
			if o.cfg != nil && o.cfg.Weight == rs.cfg.Weight {
				rs.weight = o.weight // keep a misc_dynamic weight
			}
		}
	}
	if vs.sorry != nil && old.sorry != nil && vs.sorry.key == old.sorry.key {
		vs.sorry.alive = old.sorry.alive
	}
}

// liveWeight is weigh_live_realservers(): the sum of the alive real
// servers' weights.
func (vs *vsState) liveWeight() int64 {
	var sum int64
	for _, rs := range vs.rss {
		if rs.alive {
			sum += int64(realWeight(rs.weight))
		}
	}
	return sum
}

func (vs *vsState) log(format string, args ...any) Event {
	return Event{Kind: Log, VS: vs.id, Msg: fmt.Sprintf(format, args...)}
}

// updateQuorum is keepalived's update_quorum_state(): gaining quorum
// takes the sorry server out and puts the alive servers back; losing it
// (or starting without it and with a sorry server) does the reverse.
// Hysteresis widens the band: quorum is gained at quorum+hysteresis and
// lost below quorum-hysteresis.
func (vs *vsState) updateQuorum(init bool) []Event {
	c := vs.cfg
	sum := vs.liveWeight()
	q, h := int64(c.Quorum), int64(c.Hysteresis)
	threshold := q + h
	if vs.quorumUp {
		threshold = q - h
	}
	var ev []Event
	switch {
	case !vs.quorumUp && sum >= threshold:
		vs.quorumUp = true
		ev = append(ev, vs.log("Gained quorum %d+%d=%d <= %d for VS %s", q, h, threshold, sum, vs.name))
		if ss := vs.sorry; ss != nil && ss.alive {
			ev = append(ev, vs.log("%s sorry server %s from VS %s", pick(ss.inhibit, "Disabling", "Removing"), ss.name, vs.name))
			ss.alive = false
			ev = append(ev, vs.log("Adding alive servers to the pool for VS %s", vs.name))
		}
		ev = append(ev, Event{Kind: QuorumUp, VS: vs.id, Script: c.QuorumUp,
			Msg: fmt.Sprintf("%s %d+%d=%d <= %d", pick(init, "Starting with quorum up", "Gained quorum"), q, h, threshold, sum)})
	case (vs.quorumUp && (sum == 0 || sum < threshold)) || (init && !vs.quorumUp && vs.sorry != nil && !vs.sorry.alive):
		vs.quorumUp = false
		ev = append(ev, vs.log("%s %d-%d=%d > %d for VS %s", pick(init, "Starting with quorum down", "Lost quorum"), q, h, threshold, sum, vs.name))
		if ss := vs.sorry; ss != nil && !ss.alive {
			ev = append(ev, vs.log("%s sorry server %s to VS %s", pick(ss.inhibit, "Enabling", "Adding"), ss.name, vs.name))
			ev = append(ev, vs.log("Removing alive servers from the pool for VS %s", vs.name))
			ss.alive = true
		}
		ev = append(ev, Event{Kind: QuorumDown, VS: vs.id, Script: c.QuorumDown,
			Msg: fmt.Sprintf("%s %d-%d=%d > %d", pick(init, "Starting with quorum down", "Lost quorum"), q, h, threshold, sum)})
	}
	return ev
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// Names renders a virtual server and one of its real servers as
// keepalived's log lines do ("[192.0.2.100]:tcp:80"); rs is "" when key
// is not one of its real servers, both are "" for an unknown id.
func (m *Model) Names(id VSID, key DestKey) (vs, rs string) {
	v := m.byID[id]
	if v == nil {
		return "", ""
	}
	if r := v.byKey[key]; r != nil {
		rs = r.name
	}
	return v.name, rs
}

func (m *Model) lookup(id VSID, key DestKey) (*vsState, *rsState, error) {
	vs := m.byID[id]
	if vs == nil {
		return nil, nil, fmt.Errorf("virtual server %s: not configured", id.Service)
	}
	rs := vs.byKey[key]
	if rs == nil {
		return nil, nil, fmt.Errorf("VS %s: real server %s not configured", vs.name, key)
	}
	return vs, rs, nil
}

// SetAlive records a real server's health (all its checkers up, or one
// down) and returns keepalived's decisions: "Adding service ... to VS
// ...", "Removing service ... from VS ..." (Enabling/Disabling with
// inhibit_on_failure), then any quorum change.
func (m *Model) SetAlive(id VSID, key DestKey, up bool) ([]Event, error) {
	vs, rs, err := m.lookup(id, key)
	if err != nil || rs.alive == up {
		return nil, err
	}
	verb := map[[2]bool]string{{true, false}: "Adding", {true, true}: "Enabling", {false, false}: "Removing", {false, true}: "Disabling"}[[2]bool{up, rs.inhibit}]
	prep := pick(rs.inhibit, "of", pick(up, "to", "from"))
	ev := []Event{vs.log("%s service %s %s VS %s", verb, rs.name, prep, vs.name)}
	ev[0].RS = key
	rs.alive = up
	m.touch(vs)
	kind, script := RealServerDown, rs.cfg.NotifyDown
	if up {
		kind, script = RealServerUp, rs.cfg.NotifyUp
	}
	ev = append(ev, Event{Kind: kind, VS: vs.id, RS: key, Script: script, Msg: pick(up, "UP", "DOWN")})
	return append(ev, vs.updateQuorum(false)...), nil
}

// SetWeight records a real server's new effective weight (MISC_CHECK
// misc_dynamic, track file weights): "Changing weight from A to B for
// [in]active service ... of VS ...", then any quorum change.
func (m *Model) SetWeight(id VSID, key DestKey, weight int64) ([]Event, error) {
	vs, rs, err := m.lookup(id, key)
	if err != nil {
		return nil, err
	}
	oldW, newW := realWeight(rs.weight), realWeight(weight)
	rs.weight = weight
	if oldW == newW {
		return nil, nil
	}
	m.touch(vs)
	ev := []Event{vs.log("Changing weight from %d to %d for %sactive service %s of VS %s", oldW, newW, pick(rs.alive, "", "in"), rs.name, vs.name)}
	ev[0].RS = key
	return append(ev, vs.updateQuorum(false)...), nil
}

// VSStatus is a virtual server's state for status output.
type VSStatus struct {
	ID       VSID
	Name     string
	QuorumUp bool
	// LiveWeight is the sum of the alive real servers' weights.
	LiveWeight  int64
	SorryUp     bool
	RealServers []RSStatus
}

// RSStatus is a real server's state for status output.
type RSStatus struct {
	Key    DestKey
	Name   string
	Alive  bool
	Weight int64
}

// Status reports every virtual server's quorum and real servers.
func (m *Model) Status() []VSStatus {
	out := make([]VSStatus, 0, len(m.vss))
	for _, vs := range m.vss {
		s := VSStatus{ID: vs.id, Name: vs.name, QuorumUp: vs.quorumUp, LiveWeight: vs.liveWeight(), SorryUp: vs.sorry != nil && vs.sorry.alive}
		for _, rs := range vs.rss {
			s.RealServers = append(s.RealServers, RSStatus{Key: rs.key, Name: rs.name, Alive: rs.alive, Weight: rs.weight})
		}
		out = append(out, s)
	}
	return out
}

// Desired renders what the dataplane should hold, sorted by service key:
// every service of every virtual server with the destinations the
// model's state puts in the pool (alive servers at their weight,
// inhibited ones at weight 0, the sorry server instead of the others
// while the quorum is lost).
func (m *Model) Desired() []ServiceState {
	m.clean()
	out := make([]ServiceState, 0, len(m.keys))
	for _, k := range m.keys {
		out = append(out, m.desiredOf(k))
	}
	slices.SortFunc(out, func(a, b ServiceState) int { return compareServiceKeys(a.Key, b.Key) })
	return out
}

// desiredOf is service k's desired state, from the virtual server that
// owns it (the last one naming it).
func (m *Model) desiredOf(k ServiceKey) ServiceState {
	o := m.owner[k]
	return ServiceState{Service: o.se.Service, Dests: o.vs.dests(o.se)}
}

// Changed is Desired restricted to the services of the virtual servers
// SetAlive or SetWeight changed since the last Desired or Changed call
// (nil when none): the work of one real server's change does not grow
// with the number of virtual servers. Reconciler.SyncChanged applies it.
func (m *Model) Changed() []ServiceState {
	if len(m.dirty) == 0 {
		return nil
	}
	var out []ServiceState
	seen := map[ServiceKey]bool{}
	for _, vs := range m.dirty {
		for _, se := range vs.services {
			if seen[se.Key] {
				continue
			}
			seen[se.Key] = true
			out = append(out, m.desiredOf(se.Key))
		}
	}
	m.clean()
	slices.SortFunc(out, func(a, b ServiceState) int { return compareServiceKeys(a.Key, b.Key) })
	return out
}

func (vs *vsState) dests(se serviceEntry) []DestState {
	sorryUp := vs.sorry != nil && vs.sorry.alive
	out := make([]DestState, 0, len(vs.rss)+1)
	// find is a linear search: a virtual server has a handful of real
	// servers, and a map per service per Desired cost more than the scan
	// (BenchmarkStart1000x10, BenchmarkSyncOneRealServer).
	var seen map[DestKey]int
	if len(vs.rss) > 32 {
		seen = make(map[DestKey]int, len(vs.rss)+1)
	}
	find := func(k DestKey) int {
		if seen != nil {
			if i, ok := seen[k]; ok {
				return i
			}
			return -1
		}
		for i := range out {
			if out[i].Key == k {
				return i
			}
		}
		return -1
	}
	add := func(rs *rsState, weight int) {
		d := rs.destination(se, weight)
		if i := find(d.Key); i >= 0 {
			out[i].Destination = d
			return
		}
		if seen != nil {
			seen[d.Key] = len(out)
		}
		out = append(out, DestState{Destination: d})
	}
	for _, rs := range vs.rss {
		switch {
		case rs.alive && !sorryUp:
			add(rs, realWeight(rs.weight))
		case rs.inhibit:
			add(rs, 0)
		}
	}
	if ss := vs.sorry; ss != nil {
		switch {
		case sorryUp:
			add(ss, 1)
		case ss.inhibit:
			if find(ss.destination(se, 0).Key) < 0 {
				add(ss, 0)
			}
		}
	}
	slices.SortFunc(out, func(a, b DestState) int { return compareDestKeys(a.Key, b.Key) })
	return out
}

// destination is a real server as a destination of one service: in a
// group entry by address, DR and TUN servers and port-less servers take
// the entry's port.
func (rs *rsState) destination(se serviceEntry, weight int) Destination {
	key := rs.key
	if se.byAddr && (key.Port == 0 || rs.method != NAT) {
		key.Port = se.entryPort
	}
	return Destination{Key: key, Weight: weight, Method: rs.method, Tunnel: rs.tunnel, UpperThreshold: rs.uth, LowerThreshold: rs.lth}
}

// compareServiceKeys orders services as ipvsadm lists them: by fwmark
// (address services first), protocol, family, address, port.
func compareServiceKeys(a, b ServiceKey) int {
	return cmp.Or(cmp.Compare(a.FWMark, b.FWMark), cmp.Compare(a.Protocol, b.Protocol),
		cmp.Compare(a.Family, b.Family), a.Addr.Compare(b.Addr), cmp.Compare(a.Port, b.Port))
}

func compareDestKeys(a, b DestKey) int {
	return cmp.Or(a.Addr.Compare(b.Addr), cmp.Compare(a.Port, b.Port))
}
