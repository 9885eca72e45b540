// Package lab builds throwaway network labs for keepalivedctl demo:
// named network namespaces on a bridge, veth links, addresses, and
// processes started inside a namespace. Everything it creates carries a
// prefix, so that Cleanup can remove what a killed earlier run left.
//
// It works through netlink, never by running ip(8).
package lab

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Lab is a set of namespaces sharing one bridge in a "switch" namespace.
type Lab struct {
	prefix string
	sw     string
	nodes  []string
	ports  int
}

// netnsDir is where named namespaces live (as ip netns does).
const netnsDir = "/run/netns"

// Available says why namespaces cannot be used here, or nil.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("the demo needs root (network namespaces)")
	}
	name := "kgoprobe" + strconv.Itoa(os.Getpid())
	if err := withNewNamed(name); err != nil {
		return fmt.Errorf("cannot create a network namespace: %w", err)
	}
	return netns.DeleteNamed(name)
}

// withNewNamed creates a named namespace without leaving the calling
// thread in it.
func withNewNamed(name string) error {
	return onThread(func() error {
		orig, err := netns.Get()
		if err != nil {
			return err
		}
		defer orig.Close()
		h, err := netns.NewNamed(name)
		if err != nil {
			return err
		}
		h.Close()
		return netns.Set(orig)
	})
}

// onThread runs fn on a locked OS thread that is discarded afterwards,
// so a namespace switch inside never leaks into other goroutines.
func onThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- fn()
	}()
	return <-errc
}

// New creates a lab whose objects are named PREFIX-...; a lab of the same
// prefix left by a killed run is removed first.
func New(prefix string) (*Lab, error) {
	Cleanup(prefix)
	l := &Lab{prefix: prefix, sw: prefix + "-sw"}
	if err := withNewNamed(l.sw); err != nil {
		return nil, fmt.Errorf("create namespace %s: %w", l.sw, err)
	}
	err := l.in(l.sw, func(h *netlink.Handle) error {
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}}
		if err := h.LinkAdd(br); err != nil {
			return err
		}
		lo, err := h.LinkByName("lo")
		if err != nil {
			return err
		}
		if err := h.LinkSetUp(lo); err != nil {
			return err
		}
		return h.LinkSetUp(br)
	})
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("create the lab's bridge: %w", err)
	}
	// The switch is a switch: where br_netfilter is loaded (Docker loads
	// it) bridged frames would also walk the IP hooks, a cost the labs'
	// measurements would charge to whichever process sends.
	for _, k := range []string{"iptables", "ip6tables", "arptables"} {
		_ = l.Sysctl("sw", "net.bridge.bridge-nf-call-"+k, "0")
	}
	return l, nil
}

// NS returns the full namespace name of node.
func (l *Lab) NS(node string) string { return l.prefix + "-" + node }

// in runs fn with a netlink handle inside namespace ns.
func (l *Lab) in(ns string, fn func(h *netlink.Handle) error) error {
	nsh, err := netns.GetFromName(ns)
	if err != nil {
		return fmt.Errorf("namespace %s: %w", ns, err)
	}
	defer nsh.Close()
	h, err := netlink.NewHandleAt(nsh, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in %s: %w", ns, err)
	}
	defer h.Close()
	return fn(h)
}

// Node creates a namespace attached to the lab's first bridge (br0)
// through eth0, with the given addresses (CIDR) on eth0.
func (l *Lab) Node(node string, addrs ...string) error {
	if err := l.AddNode(node); err != nil {
		return err
	}
	return l.Attach(node, "eth0", "br0", addrs...)
}

// AddNode creates node's namespace, with its loopback up.
func (l *Lab) AddNode(node string) error {
	ns := l.NS(node)
	if err := withNewNamed(ns); err != nil {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	l.nodes = append(l.nodes, ns)
	return l.in(ns, func(h *netlink.Handle) error {
		lo, err := h.LinkByName("lo")
		if err != nil {
			return err
		}
		return h.LinkSetUp(lo)
	})
}

// Bridge adds another bridge (another LAN) to the switch namespace.
func (l *Lab) Bridge(name string) error {
	return l.in(l.sw, func(h *netlink.Handle) error {
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
		if err := h.LinkAdd(br); err != nil {
			return err
		}
		return h.LinkSetUp(br)
	})
}

// Attach connects node to bridge through an interface named ifname with
// the given addresses (CIDR).
func (l *Lab) Attach(node, ifname, bridge string, addrs ...string) error {
	ns := l.NS(node)
	l.ports++
	port := fmt.Sprintf("p%d", l.ports)
	tmp := fmt.Sprintf("%.8s%d", strings.ReplaceAll(l.prefix, "-", ""), l.ports)
	nsNode, err := netns.GetFromName(ns)
	if err != nil {
		return err
	}
	defer nsNode.Close()
	nsSw, err := netns.GetFromName(l.sw)
	if err != nil {
		return err
	}
	defer nsSw.Close()
	// Create the pair in the switch namespace, move one end to the node.
	err = l.in(l.sw, func(h *netlink.Handle) error {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: port}, PeerName: tmp}
		if err := h.LinkAdd(veth); err != nil {
			return err
		}
		peer, err := h.LinkByName(tmp)
		if err != nil {
			return err
		}
		if err := h.LinkSetNsFd(peer, int(nsNode)); err != nil {
			return err
		}
		p, err := h.LinkByName(port)
		if err != nil {
			return err
		}
		br, err := h.LinkByName(bridge)
		if err != nil {
			return err
		}
		if err := h.LinkSetMaster(p, br); err != nil {
			return err
		}
		return h.LinkSetUp(p)
	})
	if err != nil {
		return fmt.Errorf("link %s to the bridge: %w", node, err)
	}
	return l.in(ns, func(h *netlink.Handle) error {
		link, err := h.LinkByName(tmp)
		if err != nil {
			return err
		}
		if err := h.LinkSetName(link, ifname); err != nil {
			return err
		}
		for _, a := range addrs {
			addr, err := netlink.ParseAddr(a)
			if err != nil {
				return err
			}
			if addr.IP.To4() == nil {
				addr.Flags |= syscall.IFA_F_NODAD
			}
			if err := h.AddrAdd(link, addr); err != nil {
				return fmt.Errorf("address %s: %w", a, err)
			}
		}
		return h.LinkSetUp(link)
	})
}

// Route adds a route to dst (CIDR) via gw in node's namespace.
func (l *Lab) Route(node, dst, gw string) error {
	_, ipnet, err := net.ParseCIDR(dst)
	if err != nil {
		return err
	}
	return l.in(l.NS(node), func(h *netlink.Handle) error {
		return h.RouteAdd(&netlink.Route{Dst: ipnet, Gw: net.ParseIP(gw)})
	})
}

// Sysctl writes value to /proc/sys/KEY (dots as slashes) inside node.
func (l *Lab) Sysctl(node, key, value string) error {
	return l.Do(node, func() error {
		return os.WriteFile(filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/")), []byte(value), 0o644)
	})
}

// SetLink sets node's eth0 up or down (a crashed machine goes silent).
func (l *Lab) SetLink(node string, up bool) error {
	return l.in(l.NS(node), func(h *netlink.Handle) error {
		link, err := h.LinkByName("eth0")
		if err != nil {
			return err
		}
		if up {
			return h.LinkSetUp(link)
		}
		return h.LinkSetDown(link)
	})
}

// AddLoopbackVIP puts vip/32 on node's lo and sets the ARP sysctls of an
// LVS-DR real server (arp_ignore 1, arp_announce 2).
func (l *Lab) AddLoopbackVIP(node string, vip netip.Addr) error {
	err := l.in(l.NS(node), func(h *netlink.Handle) error {
		lo, err := h.LinkByName("lo")
		if err != nil {
			return err
		}
		bits := 32
		if vip.Is6() {
			bits = 128
		}
		return h.AddrAdd(lo, &netlink.Addr{IPNet: &net.IPNet{IP: vip.AsSlice(), Mask: net.CIDRMask(bits, bits)}})
	})
	if err != nil {
		return err
	}
	return l.Do(node, func() error {
		for k, v := range map[string]string{"all/arp_ignore": "1", "all/arp_announce": "2", "eth0/arp_ignore": "1", "eth0/arp_announce": "2"} {
			if err := os.WriteFile(filepath.Join("/proc/sys/net/ipv4/conf", k), []byte(v), 0o644); err != nil {
				return err
			}
		}
		return nil
	})
}

// HasAddr says whether node's eth0 holds addr.
func (l *Lab) HasAddr(node string, addr netip.Addr) bool {
	found := false
	_ = l.in(l.NS(node), func(h *netlink.Handle) error {
		link, err := h.LinkByName("eth0")
		if err != nil {
			return err
		}
		list, err := h.AddrList(link, netlink.FAMILY_ALL)
		if err != nil {
			return err
		}
		for _, a := range list {
			if ip, ok := netip.AddrFromSlice(a.IP); ok && ip.Unmap() == addr {
				found = true
			}
		}
		return nil
	})
	return found
}

// Do runs fn on a thread inside node's namespace (sockets fn opens stay
// in it; /proc/sys/net is the namespace's).
func (l *Lab) Do(node string, fn func() error) error {
	return onThread(func() error {
		h, err := netns.GetFromName(l.NS(node))
		if err != nil {
			return err
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			return err
		}
		return fn()
	})
}

// Start starts cmd inside node's namespace, in its own process group.
func (l *Lab) Start(node string, cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	// The child is forked from this locked thread, so it starts in
	// the namespace.
	return l.Do(node, cmd.Start)
}

// Proc is a program running in a node, in its own process group.
type Proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// Run starts path with argv (argv[0] as the program sees it) in node,
// with stdout and stderr appended to logFile.
func (l *Lab) Run(node, path string, argv []string, logFile string) (*Proc, error) {
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{Path: path, Args: argv, Stdout: f, Stderr: f}
	if err := l.Start(node, cmd); err != nil {
		f.Close()
		return nil, err
	}
	p := &Proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// Kill sends SIGKILL to the process group (a crash).
func (p *Proc) Kill() {
	if p != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// Terminate sends SIGTERM to the process group (a clean stop).
func (p *Proc) Terminate() {
	if p != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	}
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Close removes the lab: processes in its namespaces are killed, then
// the namespaces (and their links) deleted.
func (l *Lab) Close() {
	Cleanup(l.prefix)
}

// Cleanup removes every namespace named PREFIX-* and kills what runs in
// it: what a lab left behind, even after kill -9 of its creator.
func Cleanup(prefix string) {
	entries, _ := os.ReadDir(netnsDir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix+"-") {
			continue
		}
		killIn(filepath.Join(netnsDir, e.Name()))
		_ = netns.DeleteNamed(e.Name())
	}
}

// killIn kills every process whose network namespace is the one mounted
// at path.
func killIn(path string) {
	var want syscall.Stat_t
	if err := syscall.Stat(path, &want); err != nil {
		return
	}
	procs, _ := os.ReadDir("/proc")
	self := os.Getpid()
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == self {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat(filepath.Join("/proc", p.Name(), "ns/net"), &st) == nil && st.Ino == want.Ino && st.Dev == want.Dev {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// StopSignals are the signals that stop a lab's creator cleanly (Ctrl-C,
// kill): it removes the lab before it exits.
var StopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}
