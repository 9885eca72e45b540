package nft

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// TableName is the name of our NAT table (family inet).
const TableName = "keepalived_go"

// DRTableName is the name of our direct-routing tables (families ip and
// ip6: the dup statement does not exist in the inet family).
const DRTableName = "keepalived_go_dr"

// Dataplane is the nftables implementation of lvs.Dataplane.
type Dataplane struct {
	mu    sync.Mutex
	conn  *nftables.Conn
	table *nftables.Table // inet keepalived_go: NAT services
	dr4   *nftables.Table // ip keepalived_go_dr: DR services over IPv4
	dr6   *nftables.Table // ip6 keepalived_go_dr: DR services over IPv6
	// known is what the tables hold after our last successful Apply or
	// read (counters aside), so that an Apply does not dump every rule
	// again (210 ms for 1,000 x 10); nil after an error or a Flush: the
	// next Apply reads the tables.
	known []*svcState
}

var _ lvs.Dataplane = (*Dataplane)(nil)

// Open returns a Dataplane programming the current network namespace.
func Open() (*Dataplane, error) {
	c, err := nftables.New(nftables.AsLasting(), nftables.WithSockOptions(BigBuffers))
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	return New(c), nil
}

// BigBuffers raises a netlink socket's buffer limits (a limit, not an
// allocation): one batch is one message, which must fit the send buffer
// (thousands of real servers make megabytes), and the kernel acknowledges
// every message of it at once into the receive buffer (whose overflow,
// ENOBUFS, would also hide the kernel's error). As nft does, with
// SO_SNDBUFFORCE/SO_RCVBUFFORCE (CAP_NET_ADMIN), else within the sysctl
// maximum.
func BigBuffers(c *netlink.Conn) error {
	const size = 256 << 20
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, size)
		if serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, size)
		}
	}); err != nil {
		return err
	}
	if serr != nil {
		_ = c.SetWriteBuffer(size)
		_ = c.SetReadBuffer(size)
	}
	return nil
}

// New returns a Dataplane using conn (tests pass one opened in a
// namespace with nftables.WithNetNSFd).
func New(conn *nftables.Conn) *Dataplane {
	return &Dataplane{conn: conn,
		table: &nftables.Table{Name: TableName, Family: nftables.TableFamilyINet},
		dr4:   &nftables.Table{Name: DRTableName, Family: nftables.TableFamilyIPv4},
		dr6:   &nftables.Table{Name: DRTableName, Family: nftables.TableFamilyIPv6},
	}
}

// Name implements lvs.Dataplane.
func (d *Dataplane) Name() string { return "nftables" }

// Close releases the netlink socket.
func (d *Dataplane) Close() error { return d.conn.CloseLasting() }

// svcRecord is the userdata of a rule of the services chain.
type svcRecord struct {
	ID      int
	Service lvs.Service
}

// destRecord is the userdata of a destination chain's rule.
type destRecord struct {
	Dest lvs.Destination
}

// svcState is a service as the tables hold it, with its chain ids.
type svcState struct {
	id    int
	dr    bool // in a DR table (its destinations are lvs.DR)
	state lvs.ServiceState
	dests []int // chain id of each destination, parallel to state.Dests
	// named: the service and its destinations count in counter objects
	// named after their chains (an earlier layout's rules had their own
	// counters, which a rewrite reset).
	named bool
}

// tableOf is the table holding a service.
func (d *Dataplane) tableOf(s *svcState) *nftables.Table {
	switch {
	case !s.dr:
		return d.table
	case v6(s.state.Service):
		return d.dr6
	}
	return d.dr4
}

func chain(t *nftables.Table, name string) *nftables.Chain {
	return &nftables.Chain{Name: name, Table: t}
}

func svcChain(id int) string        { return "vs" + strconv.Itoa(id) }
func destChain(id, dest int) string { return svcChain(id) + "d" + strconv.Itoa(dest) }
func persistSet(id, dest int) string {
	return "p" + strconv.Itoa(id) + "d" + strconv.Itoa(dest)
}
func schedSet(id int) string { return "m" + strconv.Itoa(id) }

// schedMap is a service's scheduling map: slot number to a jump to a
// destination chain.
func schedMap(t *nftables.Table, id int) *nftables.Set {
	return &nftables.Set{Table: t, Name: schedSet(id), IsMap: true,
		KeyType: nftables.TypeInteger, KeyByteOrder: binaryutil.NativeEndian, DataType: nftables.TypeVerdict}
}

// parseSvcChain is the id of a service chain vsN.
func parseSvcChain(name string) (int, bool) {
	i, err := strconv.Atoi(strings.TrimPrefix(name, "vs"))
	return i, err == nil && svcChain(i) == name
}

func parseDestChain(name string) (int, int, bool) {
	a, b, ok := strings.Cut(strings.TrimPrefix(name, "vs"), "d")
	if !ok || !strings.HasPrefix(name, "vs") {
		return 0, 0, false
	}
	i, err1 := strconv.Atoi(a)
	j, err2 := strconv.Atoi(b)
	// Only the names we make: no signs, no leading zeros.
	return i, j, err1 == nil && err2 == nil && destChain(i, j) == name
}

// read loads what the tables hold; no table is an empty state.
func (d *Dataplane) read() ([]*svcState, error) {
	tables, err := d.conn.ListTables()
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var out []*svcState
	for _, t := range []*nftables.Table{d.table, d.dr4, d.dr6} {
		if !hasTable(tables, t) {
			continue
		}
		svcs, err := d.readTable(t, t != d.table)
		if err != nil {
			return nil, err
		}
		out = append(out, svcs...)
	}
	return out, nil
}

func hasTable(tables []*nftables.Table, t *nftables.Table) bool {
	return slices.ContainsFunc(tables, func(x *nftables.Table) bool { return x.Name == t.Name && x.Family == t.Family })
}

// readTable loads the services of one table, from one dump of its rules.
func (d *Dataplane) readTable(t *nftables.Table, dr bool) ([]*svcState, error) {
	rules, err := dumpRules(d.conn.NetNS, t)
	if err != nil {
		return nil, err
	}
	counters, err := d.counters(t, rules)
	if err != nil {
		return nil, err
	}
	stats := func(r dumpedRule) lvs.Stats {
		if o := counters[r.counter]; o != nil {
			r.packets, r.bytes, r.counted = o.Packets, o.Bytes, true
		}
		return counterStats(r, dr)
	}
	var out []*svcState
	byID := map[int]*svcState{}
	// A service is the first rule of its chain vsN (or, as an earlier
	// version laid the table out, a rule of the services chain).
	seen := map[string]bool{}
	for _, r := range rules {
		_, isSvc := parseSvcChain(r.chain)
		if r.chain != "services" && (!isSvc || seen[r.chain]) {
			continue
		}
		seen[r.chain] = true
		if len(r.userData) == 0 {
			continue // the lookup rules; a chain without its counter rule
		}
		var rec svcRecord
		if err := json.Unmarshal(r.userData, &rec); err != nil {
			return nil, fmt.Errorf("table %s chain %s: service rule without our userdata: %w", t.Name, r.chain, err)
		}
		if byID[rec.ID] != nil {
			continue
		}
		s := &svcState{id: rec.ID, dr: dr, state: lvs.ServiceState{Service: rec.Service}, named: r.counter != ""}
		s.state.Stats = stats(r)
		out = append(out, s)
		byID[rec.ID] = s
	}
	for _, r := range rules {
		id, dest, ok := parseDestChain(r.chain)
		if !ok || byID[id] == nil || seen[r.chain] {
			continue
		}
		seen[r.chain] = true // its first rule
		var rec destRecord
		if err := json.Unmarshal(r.userData, &rec); err != nil {
			return nil, fmt.Errorf("chain %s: destination rule without our userdata: %w", r.chain, err)
		}
		s := byID[id]
		s.state.Dests = append(s.state.Dests, lvs.DestState{Destination: rec.Dest, Stats: stats(r)})
		s.dests = append(s.dests, dest)
	}
	return out, nil
}

// counters reads t's counter objects by name, when rules use any (one
// dump).
func (d *Dataplane) counters(t *nftables.Table, rules []dumpedRule) (map[string]*nftables.CounterObj, error) {
	if !slices.ContainsFunc(rules, func(r dumpedRule) bool { return r.counter != "" }) {
		return nil, nil
	}
	objs, err := d.conn.GetObjects(t)
	if err != nil {
		return nil, fmt.Errorf("counters of table %s: %w", t.Name, err)
	}
	m := make(map[string]*nftables.CounterObj, len(objs))
	for _, o := range objs {
		if c, ok := o.(*nftables.CounterObj); ok {
			m[c.Name] = c
		}
	}
	return m, nil
}

// counterRef counts in the counter object name.
func counterRef(name string) expr.Any { return &expr.Objref{Type: objCounter, Name: name} }

// counterStats reads a rule's counter: NAT rules see a connection's first
// packet only (connections), DR rules every packet from the clients.
func counterStats(r dumpedRule, dr bool) lvs.Stats {
	switch {
	case !r.counted:
		return lvs.Stats{}
	case dr:
		return lvs.Stats{InPkts: r.packets, InBytes: r.bytes}
	}
	return lvs.Stats{Conns: r.packets, InPkts: r.packets, InBytes: r.bytes}
}

// State implements lvs.Dataplane. Counters: Conns (and InPkts, InBytes)
// count the connections each service and destination received; the
// other counters and the connection gauges are not known to nftables NAT.
func (d *Dataplane) State() ([]lvs.ServiceState, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	svcs, err := d.read()
	if err != nil {
		d.known = nil
		return nil, err
	}
	d.known = svcs
	out := make([]lvs.ServiceState, 0, len(svcs))
	for _, s := range svcs {
		out = append(out, s.state)
	}
	return out, nil
}

// SetTimeouts implements lvs.Dataplane: nftables NAT follows the
// conntrack timeouts, which are the kernel's (sysctl) and not ours to
// change; lvs_timeouts is accepted and ignored.
func (d *Dataplane) SetTimeouts(lvs.Timeouts) error { return nil }

// Flush implements lvs.Dataplane: it deletes our tables.
func (d *Dataplane) Flush() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.known = nil
	tables, err := d.conn.ListTables()
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	n := 0
	for _, t := range []*nftables.Table{d.table, d.dr4, d.dr6} {
		if hasTable(tables, t) {
			d.conn.DelTable(t)
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if err := d.conn.Flush(); err != nil {
		return fmt.Errorf("delete tables %s, %s: %w", TableName, DRTableName, batchError{err})
	}
	return nil
}

// batchError is a batch's error on one line: google/nftables joins the
// errors of the batch's messages one per line, and a log line must stay
// one line. errors.Is and As see through it.
type batchError struct{ err error }

func (e batchError) Error() string { return strings.ReplaceAll(e.err.Error(), "\n", "; ") }
func (e batchError) Unwrap() error { return e.err }

// Errors of Apply, as the kernel's IPVS gives them.
var (
	ErrExist    = errors.New("object exists")
	ErrNotExist = errors.New("no such object")
)

// Apply implements lvs.Dataplane: the changes are checked against the
// table, then made in one atomic batch; on any error nothing changed
// (ApplyError.Done is 0).
func (d *Dataplane) Apply(changes []lvs.Change) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	svcs := d.known
	rebuild := svcs == nil
	if svcs == nil {
		var err error
		if svcs, err = d.read(); err != nil {
			return &lvs.ApplyError{Change: first(changes), Err: err}
		}
	}
	p := newPlan(svcs)
	for _, c := range changes {
		if err := p.apply(c); err != nil {
			return &lvs.ApplyError{Change: c, Err: err}
		}
	}
	if c, err := p.methods(changes); err != nil {
		return &lvs.ApplyError{Change: c, Err: err}
	}
	if rebuild {
		// The tables as read are rewritten whole once: every chain, and
		// the service maps from scratch (also converting a table an
		// earlier version laid out).
		for key := range p.svcs {
			p.touched[key] = true
		}
		for key := range p.old {
			p.touched[key] = true
		}
	}
	if err := d.program(p, rebuild); err != nil {
		d.known = nil // what the kernel holds is read again
		return &lvs.ApplyError{Change: first(changes), Err: err}
	}
	d.known = p.result()
	return nil
}

// result is the services after the plan is programmed, ordered by id.
func (p *plan) result() []*svcState {
	out := make([]*svcState, 0, len(p.svcs))
	for _, s := range p.svcs {
		s.named = true // programmed now, or before in this layout (a rebuild touches every service)
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *svcState) int { return a.id - b.id })
	return out
}

func first(c []lvs.Change) lvs.Change {
	if len(c) == 0 {
		return lvs.Change{}
	}
	return c[0]
}

// plan is the table's state being changed: services by key, what was
// touched, and the ids in use.
type plan struct {
	svcs    map[lvs.ServiceKey]*svcState
	old     map[lvs.ServiceKey]*svcState // as read, for deletions
	touched map[lvs.ServiceKey]bool
	nextID  int
}

func newPlan(svcs []*svcState) *plan {
	p := &plan{svcs: map[lvs.ServiceKey]*svcState{}, old: map[lvs.ServiceKey]*svcState{}, touched: map[lvs.ServiceKey]bool{}}
	for _, s := range svcs {
		cp := *s
		cp.state.Dests = slices.Clone(s.state.Dests)
		cp.dests = slices.Clone(s.dests)
		p.svcs[s.state.Key] = &cp
		p.old[s.state.Key] = s
		p.nextID = max(p.nextID, s.id+1)
	}
	return p
}

func (p *plan) apply(c lvs.Change) error {
	key := c.Service.Key
	s := p.svcs[key]
	if c.Op == lvs.AddService {
		if s != nil {
			return ErrExist
		}
		if err := Supports(c.Service.Scheduler); err != nil {
			return err
		}
		p.svcs[key] = &svcState{id: p.nextID, state: lvs.ServiceState{Service: c.Service}}
		p.nextID++
		p.touched[key] = true
		return nil
	}
	if s == nil {
		return ErrNotExist
	}
	p.touched[key] = true
	i := slices.IndexFunc(s.state.Dests, func(d lvs.DestState) bool { return d.Key == c.Dest.Key })
	switch c.Op {
	case lvs.UpdateService:
		if err := Supports(c.Service.Scheduler); err != nil {
			return err
		}
		s.state.Service = c.Service
	case lvs.DelService:
		delete(p.svcs, key)
	case lvs.AddDest, lvs.UpdateDest:
		if c.Dest.Method != lvs.NAT && c.Dest.Method != lvs.DR {
			return fmt.Errorf("forwarding method %s is not supported by the nftables dataplane (Masq and Route only)", c.Dest.Method)
		}
		if c.Dest.Key.Addr.Is4() != (key.Family != 6) {
			return fmt.Errorf("real server %s: address family differs from the service's", c.Dest.Key)
		}
		if c.Op == lvs.AddDest {
			if i >= 0 {
				return ErrExist
			}
			s.state.Dests = append(s.state.Dests, lvs.DestState{Destination: c.Dest})
			s.dests = append(s.dests, nextDest(s.dests))
			return nil
		}
		if i < 0 {
			return ErrNotExist
		}
		s.state.Dests[i].Destination = c.Dest
	case lvs.DelDest:
		if i < 0 {
			return ErrNotExist
		}
		s.state.Dests = slices.Delete(s.state.Dests, i, i+1)
		s.dests = slices.Delete(s.dests, i, i+1)
	default:
		return fmt.Errorf("unknown operation %v", c.Op)
	}
	return nil
}

// methods places each touched service by its destinations' forwarding
// method (DR table or NAT table), once all changes are made so that a
// batch may switch every destination of a service; a service mixing
// methods is refused (the change returned is the first one touching it).
func (p *plan) methods(changes []lvs.Change) (lvs.Change, error) {
	for key := range p.touched {
		s := p.svcs[key]
		if s == nil || len(s.state.Dests) == 0 {
			continue
		}
		m := s.state.Dests[0].Method
		for _, d := range s.state.Dests[1:] {
			if d.Method != m {
				i := slices.IndexFunc(changes, func(c lvs.Change) bool { return c.Service.Key == key })
				return changes[i], fmt.Errorf("real servers %s (%s) and %s (%s): the nftables dataplane needs one forwarding method per virtual server",
					s.state.Dests[0].Key, m, d.Key, d.Method)
			}
		}
		s.dr = m == lvs.DR
	}
	return lvs.Change{}, nil
}

func nextDest(ids []int) int {
	n := 0
	for _, id := range ids {
		n = max(n, id+1)
	}
	return n
}

// program writes the plan in one batch: base chains, the services chains
// rebuilt, and the touched services' chains rebuilt.
func (d *Dataplane) program(p *plan, rebuild bool) error {
	c := d.conn
	tables, err := c.ListTables()
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	d.natBase()
	d.serviceMaps(d.table, rebuild)
	for _, t := range []*nftables.Table{d.dr4, d.dr6} {
		need := hasTable(tables, t)
		for _, s := range p.svcs {
			need = need || d.tableOf(s) == t
		}
		if need {
			d.drBase(t)
			d.serviceMaps(t, rebuild || !hasTable(tables, t))
		}
	}
	// A service that is gone, or moved to another table, leaves its map
	// before its chain goes (the element jumps to it).
	if !rebuild {
		for key, old := range p.old {
			now := p.svcs[key]
			if now == nil || d.tableOf(now) != d.tableOf(old) {
				if err := d.serviceElement(old, false); err != nil {
					return err
				}
			}
		}
	}
	// Remove what is gone or rebuilt: first the service chains' rules
	// (they reference the destination chains), then the chains. A service
	// that moved between the NAT and a DR table is gone from the old one.
	for key, old := range p.old {
		if !p.touched[key] {
			continue
		}
		t := d.tableOf(old)
		c.FlushChain(chain(t, svcChain(old.id)))
		// Their rules name the persistence sets, which may go below.
		for _, dest := range old.dests {
			c.FlushChain(chain(t, destChain(old.id, dest)))
		}
		// The scheduling map jumps to the destination chains.
		m := schedMap(t, old.id)
		if err := c.AddSet(m, nil); err != nil {
			return err
		}
		c.FlushSet(m)
	}
	for key, old := range p.old {
		if !p.touched[key] {
			continue
		}
		t := d.tableOf(old)
		now := p.svcs[key]
		if now != nil && d.tableOf(now) != t {
			now = nil
		}
		// A destination's persistence set goes with it (its clients are
		// scheduled again), and all of them when the persistence changes.
		dropSets := old.state.Persistence > 0 && (now == nil || !samePersistence(old.state.Service, now.state.Service))
		for _, dest := range old.dests {
			gone := now == nil || !slices.Contains(now.dests, dest)
			if gone {
				c.DelChain(chain(t, destChain(old.id, dest)))
				if old.named {
					c.DeleteObject(&nftables.CounterObj{Table: t, Name: destChain(old.id, dest)})
				}
			}
			if old.state.Persistence > 0 && (gone || dropSets) {
				c.DelSet(&nftables.Set{Table: t, Name: persistSet(old.id, dest)})
			}
		}
		if now == nil {
			c.DelChain(chain(t, svcChain(old.id)))
			c.DelSet(schedMap(t, old.id))
			if old.named {
				c.DeleteObject(&nftables.CounterObj{Table: t, Name: svcChain(old.id)})
			}
		}
	}
	svcs := make([]*svcState, 0, len(p.svcs))
	for _, s := range p.svcs {
		svcs = append(svcs, s)
	}
	slices.SortFunc(svcs, func(a, b *svcState) int { return a.id - b.id })
	for _, s := range svcs {
		t := d.tableOf(s)
		if p.touched[s.state.Key] {
			old := p.old[s.state.Key]
			if old != nil && d.tableOf(old) != t {
				old = nil
			}
			if err := d.programService(s, old); err != nil {
				return fmt.Errorf("service %s: %w", s.state.Key, err)
			}
			if rebuild || old == nil {
				if err := d.serviceElement(s, true); err != nil {
					return err
				}
			}
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("tables %s, %s: %w", TableName, DRTableName, batchError{err})
	}
	return nil
}

// natBase adds the NAT table, its base chains and its services chain
// (flushed, to be rebuilt).
func (d *Dataplane) natBase() {
	c := d.conn
	c.AddTable(d.table)
	services := c.AddChain(chain(d.table, "services"))
	c.FlushChain(services)
	policy := nftables.ChainPolicyAccept
	for _, h := range []struct {
		name string
		hook *nftables.ChainHook
	}{{"prerouting", nftables.ChainHookPrerouting}, {"output", nftables.ChainHookOutput}} {
		ch := c.AddChain(&nftables.Chain{Name: h.name, Table: d.table, Type: nftables.ChainTypeNAT,
			Hooknum: h.hook, Priority: nftables.ChainPriorityNATDest, Policy: &policy})
		c.FlushChain(ch)
		c.AddRule(&nftables.Rule{Table: d.table, Chain: ch, Exprs: []expr.Any{&expr.Verdict{Kind: expr.VerdictJump, Chain: "services"}}})
	}
}

func samePersistence(a, b lvs.Service) bool {
	return a.Persistence == b.Persistence && a.Netmask == b.Netmask && (a.Key.Port == 0) == (b.Key.Port == 0)
}

// programService (re)writes a service's chain and its destinations'
// chains.
func (d *Dataplane) programService(s *svcState, old *svcState) error {
	c := d.conn
	svc := s.state.Service
	t := d.tableOf(s)
	ch := c.AddChain(chain(t, svcChain(s.id)))
	// The service's counter, and the service itself for State to read.
	data, err := json.Marshal(svcRecord{ID: s.id, Service: svc})
	if err != nil {
		return err
	}
	// Counter objects outlive the rules that count in them: a rewrite
	// of the service keeps its and its destinations' counts, as IPVS
	// does. Adding one that exists (no NLM_F_EXCL) changes nothing.
	c.AddObj(&nftables.CounterObj{Table: t, Name: svcChain(s.id)})
	c.AddRule(&nftables.Rule{Table: t, Chain: ch, UserData: data, Exprs: []expr.Any{counterRef(svcChain(s.id))}})
	samePersist := old != nil && old.state.Persistence > 0 && samePersistence(old.state.Service, svc)
	dests := make([]lvs.Destination, len(s.state.Dests))
	for i, dst := range s.state.Dests {
		dests[i] = dst.Destination
		name := destChain(s.id, s.dests[i])
		dc := c.AddChain(chain(t, name))
		c.FlushChain(dc)
		data, err := json.Marshal(destRecord{Dest: dst.Destination})
		if err != nil {
			return err
		}
		var pset *nftables.Set
		if svc.Persistence > 0 {
			// A client this destination's set knows goes to it again.
			pset = persistSetOf(t, persistSet(s.id, s.dests[i]), svc)
			if !samePersist || !slices.Contains(old.dests, s.dests[i]) {
				if err := c.AddSet(pset, nil); err != nil {
					return err
				}
			}
			c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: persistMatch(pset, svc, name)})
		}
		c.AddObj(&nftables.CounterObj{Table: t, Name: name})
		ex := dnatTo(svc, dst.Destination, pset, name)
		if s.dr {
			ex = drTo(svc, dst.Destination, pset, name)
		}
		c.AddRule(&nftables.Rule{Table: t, Chain: dc, UserData: data, Exprs: ex})
	}
	table := schedTable(svc.Scheduler, dests)
	if s.dr {
		table = drSchedTable(svc.Scheduler, dests)
	}
	if len(table) == 0 {
		return nil
	}
	vmap := schedMap(t, s.id)
	if err := c.AddSet(vmap, nil); err != nil {
		return err
	}
	c.FlushSet(vmap)
	// In chunks: one netlink attribute holds at most 64 KiB.
	const chunk = 512
	for base := 0; base < len(table); base += chunk {
		part := table[base:min(base+chunk, len(table))]
		elems := make([]nftables.SetElement, len(part))
		for i, slot := range part {
			elems[i] = nftables.SetElement{Key: binaryutil.NativeEndian.PutUint32(uint32(base + i)),
				VerdictData: &expr.Verdict{Kind: expr.VerdictJump, Chain: destChain(s.id, s.dests[slot])}}
		}
		if err := c.SetAddElements(vmap, elems); err != nil {
			return err
		}
	}
	sched := scheduler(svc, len(table))
	if s.dr {
		sched = drScheduler(svc, len(table))
	}
	exprs := append(sched,
		&expr.Lookup{SourceRegister: 1, DestRegister: 0, IsDestRegSet: true, SetName: vmap.Name, SetID: vmap.ID})
	c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: exprs})
	return nil
}

// Register layout (nft numbering: 1-4 are 16-byte registers, 8-23 the
// 4-byte ones; register 1 is 8-11): the chosen address goes to register
// 1 and its port right after it (9 for IPv4, 12 for IPv6); the
// persistence key (masked source) to register 3 (16).
const (
	regAddr   = 1
	regKey    = 3
	regKeyV4  = 16 // register 3's first word
	regPortV4 = 9
	regPortV6 = 12
)

func v6(svc lvs.Service) bool { return svc.Key.Family == 6 }

func nfproto(svc lvs.Service) byte {
	if v6(svc) {
		return unix.NFPROTO_IPV6
	}
	return unix.NFPROTO_IPV4
}

func addrLen(svc lvs.Service) uint32 {
	if v6(svc) {
		return 16
	}
	return 4
}

// withPort tells whether destinations have a port to translate to: not
// for fwmark services or port-0 (all ports) services.
func withPort(svc lvs.Service) bool { return svc.Key.FWMark == 0 && svc.Key.Port != 0 }

// The services chain finds a packet's service in maps, as IPVS looks a
// service up (fwmark first, then address, protocol and port, then a
// port-less service of the address), each element a jump to the
// service's chain vsN:
//
//	fwm   nf_proto . mark             (DR tables: mark)
//	svc4  ipv4_addr . inet_proto . inet_service, any4 ipv4_addr . inet_proto
//	svc6  ipv6_addr . inet_proto . inet_service, any6 ipv6_addr . inet_proto
//
// A change of services adds or deletes their elements only, and a
// packet costs one lookup per map whatever the number of services.
var serviceMapNames = []string{"fwm", "svc4", "any4", "svc6", "any6"}

// serviceMap is the map name of table t (inet: the NAT table).
func serviceMap(t *nftables.Table, name string) *nftables.Set {
	inet := t.Family == nftables.TableFamilyINet
	addr := nftables.TypeIPAddr
	if strings.HasSuffix(name, "6") {
		addr = nftables.TypeIP6Addr
	}
	var key nftables.SetDatatype
	switch name {
	case "fwm":
		key = nftables.TypeMark
		if inet {
			key = nftables.MustConcatSetType(nftables.TypeNFProto, nftables.TypeMark)
		}
	case "svc4", "svc6":
		key = nftables.MustConcatSetType(addr, nftables.TypeInetProto, nftables.TypeInetService)
	default:
		key = nftables.MustConcatSetType(addr, nftables.TypeInetProto)
	}
	return &nftables.Set{Table: t, Name: name, IsMap: true, KeyType: key, DataType: nftables.TypeVerdict,
		Concatenation: key.Bytes > 4 && name != "fwm" || inet && name == "fwm"}
}

// tableMaps are the maps a table uses: the NAT table all, a DR table its
// family's.
func tableMaps(t *nftables.Table) []string {
	switch t.Family {
	case nftables.TableFamilyIPv4:
		return []string{"fwm", "svc4", "any4"}
	case nftables.TableFamilyIPv6:
		return []string{"fwm", "svc6", "any6"}
	}
	return serviceMapNames
}

// serviceMaps adds table t's maps (emptied when rebuild) and the services
// chain's lookups (the chain was flushed by its base).
func (d *Dataplane) serviceMaps(t *nftables.Table, rebuild bool) {
	c := d.conn
	inet := t.Family == nftables.TableFamilyINet
	for _, name := range tableMaps(t) {
		m := serviceMap(t, name)
		// An error here is the batch's, reported by its Flush.
		_ = c.AddSet(m, nil)
		if rebuild {
			c.FlushSet(m)
		}
		var ex []expr.Any
		v6 := strings.HasSuffix(name, "6")
		if inet && name != "fwm" {
			proto := byte(unix.NFPROTO_IPV4)
			if v6 {
				proto = unix.NFPROTO_IPV6
			}
			ex = append(ex, &expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}})
		}
		if name == "fwm" {
			reg := uint32(1)
			if inet {
				ex = append(ex, &expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 8})
				reg = 9
			}
			ex = append(ex, &expr.Meta{Key: expr.MetaKeyMARK, Register: reg})
			if inet {
				reg = 8
			}
			ex = append(ex, &expr.Lookup{SourceRegister: reg, IsDestRegSet: true, DestRegister: 0, SetName: m.Name, SetID: m.ID})
		} else {
			off, l, next := uint32(16), uint32(4), uint32(9)
			if v6 {
				off, l, next = 24, 16, 12
			}
			ex = append(ex,
				&expr.Payload{DestRegister: 8, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: l},
				&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: next})
			if strings.HasPrefix(name, "svc") {
				ex = append(ex, &expr.Payload{DestRegister: next + 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2})
			}
			ex = append(ex, &expr.Lookup{SourceRegister: 8, IsDestRegSet: true, DestRegister: 0, SetName: m.Name, SetID: m.ID})
		}
		c.AddRule(&nftables.Rule{Table: t, Chain: chain(t, "services"), Exprs: ex})
	}
}

// serviceKey is a service's map and element key (each part of a
// concatenation padded to 4 bytes).
func serviceKey(k lvs.ServiceKey, inet bool) (string, []byte) {
	if k.FWMark != 0 {
		mark := binaryutil.NativeEndian.PutUint32(k.FWMark)
		if !inet {
			return "fwm", mark
		}
		proto := byte(unix.NFPROTO_IPV4)
		if k.Family == 6 {
			proto = unix.NFPROTO_IPV6
		}
		return "fwm", append([]byte{proto, 0, 0, 0}, mark...)
	}
	fam := "4"
	if k.Family == 6 {
		fam = "6"
	}
	key := append(k.Addr.AsSlice(), byte(k.Protocol), 0, 0, 0)
	if k.Port == 0 {
		return "any" + fam, key
	}
	return "svc" + fam, append(key, byte(k.Port>>8), byte(k.Port), 0, 0)
}

// serviceElement adds (or deletes) service s's element in its table's
// map.
func (d *Dataplane) serviceElement(s *svcState, add bool) error {
	t := d.tableOf(s)
	name, key := serviceKey(s.state.Key, t.Family == nftables.TableFamilyINet)
	m := serviceMap(t, name)
	if !add {
		return d.conn.SetDeleteElements(m, []nftables.SetElement{{Key: key}})
	}
	return d.conn.SetAddElements(m, []nftables.SetElement{{Key: key,
		VerdictData: &expr.Verdict{Kind: expr.VerdictJump, Chain: svcChain(s.id)}}})
}

// scheduler computes the scheduling table's index into register 1.
func scheduler(svc lvs.Service, n int) []expr.Any {
	switch svc.Scheduler {
	case "sh", "dh", "mh":
		off := uint32(12) // saddr
		if svc.Scheduler == "dh" {
			off = 16
		}
		if v6(svc) {
			off = 8
			if svc.Scheduler == "dh" {
				off = 24
			}
		}
		l := addrLen(svc)
		ex := []expr.Any{&expr.Payload{DestRegister: regKey, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: l}}
		if (svc.Flags.SHPort && svc.Scheduler == "sh") || (svc.Flags.MHPort && svc.Scheduler == "mh") {
			portReg := uint32(regKeyV4 + 1)
			if v6(svc) {
				portReg = 20
			}
			ex = append(ex, &expr.Payload{DestRegister: portReg, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 2})
			l += 4
		}
		return append(ex, &expr.Hash{SourceRegister: regKey, DestRegister: 1, Length: l, Modulus: uint32(n), Seed: 0x4b41, Type: expr.HashTypeJenkins})
	}
	return []expr.Any{&expr.Numgen{Register: 1, Modulus: uint32(n), Type: unix.NFT_NG_INCREMENTAL}}
}

// persistSetOf is a destination's persistence set: the (masked) sources
// it serves, each for persistence_timeout after its last new connection.
// A set per destination, not one map of source to destination: nft (1.0.6
// at least) cannot print a rule that refreshes a map entry with the data
// a lookup returned, and aborts the whole listing.
func persistSetOf(t *nftables.Table, name string, svc lvs.Service) *nftables.Set {
	key := nftables.TypeIPAddr
	if v6(svc) {
		key = nftables.TypeIP6Addr
	}
	return &nftables.Set{Table: t, Name: name, Dynamic: true, HasTimeout: true, Timeout: svc.Persistence, KeyType: key}
}

// persistKey loads the masked source address into the key register.
func persistKey(svc lvs.Service) []expr.Any {
	off, l := uint32(12), addrLen(svc)
	if v6(svc) {
		off = 8
	}
	mask := make([]byte, l)
	for i := 0; i < svc.Netmask && i < int(l)*8; i++ {
		mask[i/8] |= 0x80 >> (i % 8)
	}
	if svc.Netmask == 0 {
		for i := range mask {
			mask[i] = 0xff
		}
	}
	return []expr.Any{
		&expr.Payload{DestRegister: regKey, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: l},
		&expr.Bitwise{SourceRegister: regKey, DestRegister: regKey, Len: l, Mask: mask, Xor: make([]byte, l)},
	}
}

// nat is the DNAT to the address (and port) in registers 1 and 9/12.
func nat(svc lvs.Service) *expr.NAT {
	n := &expr.NAT{Type: expr.NATTypeDestNAT, Family: uint32(nfproto(svc)), RegAddrMin: regAddr, RegAddrMax: regAddr}
	if withPort(svc) {
		// NF_NAT_RANGE_PROTO_SPECIFIED only with a port: set without
		// one, the kernel rewrites the destination port to 0.
		n.Specified = true
		n.RegProtoMin, n.RegProtoMax = regPortV4, regPortV4
		if v6(svc) {
			n.RegProtoMin, n.RegProtoMax = regPortV6, regPortV6
		}
	}
	return n
}

// persistMatch sends a client a destination's persistence set holds to
// the destination's chain (which refreshes the entry).
func persistMatch(set *nftables.Set, svc lvs.Service, destChain string) []expr.Any {
	return append(persistKey(svc),
		&expr.Lookup{SourceRegister: regKey, SetName: set.Name, SetID: set.ID},
		&expr.Verdict{Kind: expr.VerdictJump, Chain: destChain})
}

// persistRefresh adds the client's (masked) source to a destination's
// persistence set or restarts its timeout.
func persistRefresh(set *nftables.Set, svc lvs.Service) []expr.Any {
	return append(persistKey(svc),
		&expr.Dynset{SrcRegKey: regKey, SetName: set.Name, SetID: set.ID, Operation: unix.NFT_DYNSET_OP_UPDATE, Timeout: svc.Persistence})
}

// dnatTo is a destination chain's rule: count, remember a persistent
// client, translate.
func dnatTo(svc lvs.Service, d lvs.Destination, pset *nftables.Set, counter string) []expr.Any {
	ex := []expr.Any{counterRef(counter), &expr.Immediate{Register: regAddr, Data: d.Key.Addr.AsSlice()}}
	if withPort(svc) {
		reg := uint32(regPortV4)
		if v6(svc) {
			reg = regPortV6
		}
		ex = append(ex, &expr.Immediate{Register: reg, Data: binaryutil.BigEndian.PutUint16(d.Key.Port)})
	}
	if pset != nil {
		ex = append(ex, persistRefresh(pset, svc)...)
	}
	return append(ex, nat(svc))
}
