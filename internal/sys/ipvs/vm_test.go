package ipvs

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// The TestInVM* tests need kernel IPVS and ipvsadm: they run inside the VM
// that ../shared/tools/vmrun boots (TestKernelIPVS in vmhost_test.go or
// scripts/vmtest-ipvs start it), where vmEnv is set.
const vmEnv = "KEEPALIVED_IPVS_VM"

// vmSchedulers are the schedulers of the contract; vmModules loads them.
var vmSchedulers = []string{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"}

// inVM opens the dataplane on a clean table and flushes it again after
// the test.
func inVM(t *testing.T) *Dataplane {
	t.Helper()
	if os.Getenv(vmEnv) == "" {
		t.Skipf("runs inside the IPVS VM only (%s=1); see TestKernelIPVS", vmEnv)
	}
	d, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Flush(); err != nil {
			t.Error(err)
		}
		d.Close()
	})
	return d
}

func ipvsadm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ipvsadm", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ipvsadm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// checkAgainstIPVSADM compares State with every ipvsadm listing, and with
// the model: what we read back is what ipvsadm reads, and what we asked.
func checkAgainstIPVSADM(t *testing.T, d *Dataplane, m *model) {
	t.Helper()
	st, err := d.State()
	if err != nil {
		t.Fatal(err)
	}
	compareListings(t, st, listPlain, listStats, listRate, listThreshold, listPersist, listTunInfo)
	if diff := cmp.Diff(m.states(), configOnly(st), cmpOpts); diff != "" {
		t.Errorf("State differs from what was applied (-applied +State):\n%s", diff)
	}
}

// compareListings checks that ipvsadm -Ln --exact with each kind of
// listing shows what st holds.
func compareListings(t *testing.T, st []lvs.ServiceState, kinds ...listKind) {
	t.Helper()
	for _, kind := range kinds {
		args := []string{"-L", "-n", "--exact"}
		if kind != listPlain {
			args = append(args, string(kind))
		}
		want := normalizeList(ipvsadm(t, args...))
		if diff := cmp.Diff(want, renderList(st, kind)); diff != "" {
			t.Errorf("ipvsadm %s and State differ (-ipvsadm +State):\n%s", strings.Join(args, " "), diff)
		}
	}
}

// model is what the tests applied, to compare State with.
type model struct {
	svcs  []lvs.Service
	dests map[lvs.ServiceKey][]lvs.Destination
}

func (m *model) apply(changes []lvs.Change) {
	if m.dests == nil {
		m.dests = map[lvs.ServiceKey][]lvs.Destination{}
	}
	for _, ch := range changes {
		k := ch.Service.Key
		i := slices.IndexFunc(m.svcs, func(s lvs.Service) bool { return s.Key == k })
		ds := m.dests[k]
		j := slices.IndexFunc(ds, func(d lvs.Destination) bool { return d.Key == ch.Dest.Key })
		switch ch.Op {
		case lvs.AddService:
			m.svcs = append(m.svcs, ch.Service)
		case lvs.UpdateService:
			m.svcs[i] = ch.Service
		case lvs.DelService:
			m.svcs = slices.Delete(m.svcs, i, i+1)
			delete(m.dests, k)
		case lvs.AddDest:
			m.dests[k] = append(ds, ch.Dest)
		case lvs.UpdateDest:
			ds[j] = ch.Dest
		case lvs.DelDest:
			m.dests[k] = slices.Delete(ds, j, j+1)
		}
	}
}

// states renders the model as State would, sorted.
func (m *model) states() []lvs.ServiceState {
	var out []lvs.ServiceState
	for _, s := range m.svcs {
		st := lvs.ServiceState{Service: s}
		if st.Netmask == 0 {
			st.Netmask = 32
			if s.Key.Family == 6 {
				st.Netmask = 128
			}
		}
		for _, d := range m.dests[s.Key] {
			if d.Method == lvs.TUN {
				d.Tunnel.Type = or(d.Tunnel.Type, "ipip")
				d.Tunnel.Flags = or(d.Tunnel.Flags, "nocsum")
			}
			st.Dests = append(st.Dests, lvs.DestState{Destination: d})
		}
		out = append(out, st)
	}
	sortStates(out)
	return out
}

// configOnly drops the counters of states and sorts them.
func configOnly(states []lvs.ServiceState) []lvs.ServiceState {
	out := slices.Clone(states)
	for i := range out {
		out[i].Stats = lvs.Stats{}
		out[i].Dests = slices.Clone(out[i].Dests)
		for j := range out[i].Dests {
			out[i].Dests[j] = lvs.DestState{Destination: out[i].Dests[j].Destination}
		}
	}
	sortStates(out)
	return out
}

func sortStates(s []lvs.ServiceState) {
	slices.SortFunc(s, func(a, b lvs.ServiceState) int { return strings.Compare(a.Key.String(), b.Key.String()) })
	for _, st := range s {
		slices.SortFunc(st.Dests, func(a, b lvs.DestState) int { return strings.Compare(a.Key.String(), b.Key.String()) })
	}
}

func mustApply(t *testing.T, d *Dataplane, m *model, changes []lvs.Change) {
	t.Helper()
	if err := d.Apply(changes); err != nil {
		t.Fatal(err)
	}
	m.apply(changes)
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestInVMSchedulers creates a service with every scheduler, each with
// two weighted NAT real servers.
func TestInVMSchedulers(t *testing.T) {
	d := inVM(t)
	m := &model{}
	var changes []lvs.Change
	for i, sched := range vmSchedulers {
		svc := lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: addr(fmt.Sprintf("192.0.2.%d", 10+i)), Port: 80}, Scheduler: sched}
		changes = append(changes, lvs.Change{Op: lvs.AddService, Service: svc})
		for j := range 2 {
			dst := lvs.Destination{Key: lvs.DestKey{Addr: addr(fmt.Sprintf("198.51.100.%d", 10+j)), Port: 8080}, Weight: j + 1, Method: lvs.NAT}
			changes = append(changes, lvs.Change{Op: lvs.AddDest, Service: svc, Dest: dst})
		}
	}
	mustApply(t, d, m, changes)
	checkAgainstIPVSADM(t, d, m)
}

var (
	vmWeb   = lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: addr("192.0.2.1"), Port: 80}, Scheduler: "wlc"}
	vmDNS   = lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.UDP, Addr: addr("192.0.2.1"), Port: 53}, Scheduler: "sh", Flags: lvs.SchedFlags{OnePacket: true, SHFallback: true, SHPort: true}, Persistence: 300 * time.Second, Netmask: 24}
	vmSCTP  = lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.SCTP, Addr: addr("192.0.2.9"), Port: 3868}, Scheduler: "rr"}
	vmWeb6  = lvs.Service{Key: lvs.ServiceKey{Family: 6, Protocol: lvs.TCP, Addr: addr("2001:db8::1"), Port: 443}, Scheduler: "wrr"}
	vmMark4 = lvs.Service{Key: lvs.ServiceKey{Family: 4, FWMark: 5}, Scheduler: "rr", Persistence: time.Hour}
	vmMark6 = lvs.Service{Key: lvs.ServiceKey{Family: 6, FWMark: 7}, Scheduler: "mh", Flags: lvs.SchedFlags{MHFallback: true, MHPort: true}, Persistence: time.Minute, Netmask: 64}
)

// TestInVMServices covers methods, tunnels, thresholds, persistence,
// flags, fwmark and IPv6 services, then updates and deletes.
func TestInVMServices(t *testing.T) {
	d := inVM(t)
	m := &model{}
	rs := func(a string, port uint16, w int, meth lvs.Method) lvs.Destination {
		return lvs.Destination{Key: lvs.DestKey{Addr: addr(a), Port: port}, Weight: w, Method: meth}
	}
	thr := rs("198.51.100.1", 8080, 3, lvs.NAT)
	thr.UpperThreshold, thr.LowerThreshold = 10, 5
	ipip := rs("198.51.100.2", 80, 1, lvs.TUN)
	gue := rs("198.51.100.3", 80, 1, lvs.TUN)
	gue.Tunnel = lvs.Tunnel{Type: "gue", Port: 6080, Flags: "remcsum"}
	gre := rs("198.51.100.4", 80, 1, lvs.TUN)
	gre.Tunnel = lvs.Tunnel{Type: "gre", Flags: "csum"}
	mustApply(t, d, m, []lvs.Change{
		{Op: lvs.AddService, Service: vmWeb},
		{Op: lvs.AddDest, Service: vmWeb, Dest: thr},
		{Op: lvs.AddDest, Service: vmWeb, Dest: ipip},
		{Op: lvs.AddDest, Service: vmWeb, Dest: gue},
		{Op: lvs.AddDest, Service: vmWeb, Dest: gre},
		{Op: lvs.AddService, Service: vmDNS},
		{Op: lvs.AddDest, Service: vmDNS, Dest: rs("198.51.100.5", 53, 1, lvs.DR)},
		{Op: lvs.AddService, Service: vmSCTP},
		{Op: lvs.AddDest, Service: vmSCTP, Dest: rs("198.51.100.6", 3868, 0, lvs.DR)},
		{Op: lvs.AddService, Service: vmWeb6},
		{Op: lvs.AddDest, Service: vmWeb6, Dest: rs("2001:db8::2", 443, 5, lvs.NAT)},
		{Op: lvs.AddDest, Service: vmWeb6, Dest: rs("2001:db8::3", 8443, 0, lvs.NAT)},
		{Op: lvs.AddService, Service: vmMark4},
		{Op: lvs.AddDest, Service: vmMark4, Dest: rs("198.51.100.7", 0, 1, lvs.DR)},
		{Op: lvs.AddService, Service: vmMark6},
		{Op: lvs.AddDest, Service: vmMark6, Dest: rs("2001:db8::5", 80, 1, lvs.DR)},
	})
	checkAgainstIPVSADM(t, d, m)

	t.Run("update", func(t *testing.T) {
		heavier := thr
		heavier.Weight, heavier.UpperThreshold, heavier.LowerThreshold = 0, 0, 0
		web := vmWeb
		web.Scheduler, web.Persistence, web.Netmask = "rr", 30*time.Second, 16
		dns := vmDNS
		dns.Flags, dns.Persistence, dns.Netmask = lvs.SchedFlags{}, 0, 0
		mustApply(t, d, m, []lvs.Change{
			{Op: lvs.UpdateDest, Service: vmWeb, Dest: heavier},
			{Op: lvs.UpdateService, Service: web},
			{Op: lvs.UpdateService, Service: dns},
		})
		checkAgainstIPVSADM(t, d, m)
	})
	t.Run("delete", func(t *testing.T) {
		mustApply(t, d, m, []lvs.Change{
			{Op: lvs.DelDest, Service: vmWeb, Dest: gue},
			{Op: lvs.DelDest, Service: vmWeb6, Dest: rs("2001:db8::3", 8443, 0, lvs.NAT)},
			{Op: lvs.DelService, Service: vmSCTP},
			{Op: lvs.DelService, Service: vmMark6},
		})
		checkAgainstIPVSADM(t, d, m)
	})
	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name  string
			ch    lvs.Change
			errno syscall.Errno
			text  string
		}{
			{"existing service", lvs.Change{Op: lvs.AddService, Service: vmWeb}, syscall.EEXIST, "service already exists"},
			{"existing destination", lvs.Change{Op: lvs.AddDest, Service: vmWeb, Dest: ipip}, syscall.EEXIST, "destination already exists"},
			{"missing service", lvs.Change{Op: lvs.DelService, Service: vmSCTP}, syscall.ESRCH, "no such service"},
			{"destination of a missing service", lvs.Change{Op: lvs.AddDest, Service: vmSCTP, Dest: ipip}, syscall.ESRCH, "service not defined"},
			{"missing destination", lvs.Change{Op: lvs.DelDest, Service: vmWeb, Dest: gue}, syscall.ENOENT, "no such destination"},
			{"scheduler not loaded", lvs.Change{Op: lvs.AddService, Service: lvs.Service{Key: vmSCTP.Key, Scheduler: "twos"}}, syscall.ENOENT, "scheduler or persistence engine not found"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ok := lvs.Change{Op: lvs.UpdateDest, Service: vmWeb, Dest: ipip}
				err := d.Apply([]lvs.Change{ok, tt.ch, ok})
				var ae *lvs.ApplyError
				if !errors.As(err, &ae) || ae.Done != 1 || !errors.Is(err, tt.errno) || !strings.Contains(err.Error(), tt.text) {
					t.Errorf("Apply = %v; want an ApplyError after 1 change wrapping %v, saying %q", err, tt.errno, tt.text)
				}
			})
		}
		checkAgainstIPVSADM(t, d, m)
	})
	t.Run("flush", func(t *testing.T) {
		if err := d.Flush(); err != nil {
			t.Fatal(err)
		}
		checkAgainstIPVSADM(t, d, &model{})
		if st, err := d.State(); err != nil || len(st) != 0 {
			t.Errorf("State after Flush = %v, %v; want nothing", st, err)
		}
	})
}

// TestInVMTimeouts sets the connection timeouts and reads them back with
// ipvsadm -L --timeout; zero leaves a timeout unchanged.
func TestInVMTimeouts(t *testing.T) {
	d := inVM(t)
	orig, err := d.Timeouts()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.SetTimeouts(orig); err != nil {
			t.Error(err)
		}
	})
	steps := []struct {
		set  lvs.Timeouts
		want string
	}{
		{lvs.Timeouts{TCP: 7200 * time.Second, TCPFin: 60 * time.Second, UDP: 30 * time.Second}, "7200 60 30"},
		{lvs.Timeouts{TCPFin: 10 * time.Second}, "7200 10 30"},
		{lvs.Timeouts{UDP: 1500 * time.Millisecond}, "7200 10 2"},
	}
	for _, s := range steps {
		if err := d.SetTimeouts(s.set); err != nil {
			t.Fatal(err)
		}
		got := strings.TrimSpace(ipvsadm(t, "-L", "--timeout"))
		if want := "Timeout (tcp tcpfin udp): " + s.want; got != want {
			t.Errorf("after SetTimeouts(%+v): ipvsadm says %q, want %q", s.set, got, want)
		}
		back, err := d.Timeouts()
		if err != nil {
			t.Fatal(err)
		}
		if r := fmt.Sprintf("%d %d %d", int(back.TCP.Seconds()), int(back.TCPFin.Seconds()), int(back.UDP.Seconds())); r != s.want {
			t.Errorf("Timeouts() = %s, want %s", r, s.want)
		}
	}
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// TestInVMBatches applies more changes than one batch carries, then a
// list whose refused change ends the second batch, then one whose
// refused change is in the middle of its batch: Done counts the changes
// before it, and the kernel agrees with the model afterwards.
func TestInVMBatches(t *testing.T) {
	d := inVM(t)
	m := &model{}
	var changes []lvs.Change
	for i := range 3 {
		svc := lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: addr("192.0.2.10"), Port: uint16(8000 + i)}, Scheduler: "wrr"}
		changes = append(changes, lvs.Change{Op: lvs.AddService, Service: svc})
		for j := range 100 {
			dst := lvs.Destination{Key: lvs.DestKey{Addr: addr("198.51.100.20"), Port: uint16(1000 + j)}, Weight: j%3 + 1, Method: lvs.NAT}
			changes = append(changes, lvs.Change{Op: lvs.AddDest, Service: svc, Dest: dst})
		}
	}
	if len(changes) <= 2*batchSize {
		t.Fatalf("%d changes do not span three batches of %d", len(changes), batchSize)
	}
	mustApply(t, d, m, changes)
	checkAgainstIPVSADM(t, d, m)

	// Remove the first two services' destinations, one of them twice,
	// in the second batch.
	var del []lvs.Change
	for _, c := range changes[:202] {
		if c.Op == lvs.AddDest {
			del = append(del, lvs.Change{Op: lvs.DelDest, Service: c.Service, Dest: c.Dest})
		}
	}
	bad := batchSize + 10
	refused := slices.Insert(slices.Clone(del[:bad]), bad, del[3])
	err := d.Apply(refused)
	var ae *lvs.ApplyError
	if !errors.As(err, &ae) || ae.Done != bad || !errors.Is(err, syscall.ENOENT) || ae.Change != del[3] {
		t.Fatalf("Apply = %v; want an ApplyError after %d changes wrapping ENOENT", err, bad)
	}
	m.apply(del[:bad])
	checkAgainstIPVSADM(t, d, m)

	// A refused change in the middle of a batch: Done counts the changes
	// before it, and the kernel went on with the rest of the batch.
	svc := changes[0].Service
	add := func(port uint16) lvs.Change {
		return lvs.Change{Op: lvs.AddDest, Service: svc, Dest: lvs.Destination{Key: lvs.DestKey{Addr: addr("198.51.100.21"), Port: port}, Weight: 1, Method: lvs.NAT}}
	}
	mid := []lvs.Change{add(2000), add(2001), del[0], add(2002), add(2003)} // del[0] is gone already
	err = d.Apply(mid)
	if !errors.As(err, &ae) || ae.Done != 2 || !errors.Is(err, syscall.ENOENT) || ae.Change != del[0] {
		t.Fatalf("Apply = %v; want an ApplyError after 2 changes wrapping ENOENT", err)
	}
	m.apply([]lvs.Change{mid[0], mid[1], mid[3], mid[4]})
	checkAgainstIPVSADM(t, d, m)
}
