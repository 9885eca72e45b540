package netlink

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// procSys is where the namespace's sysctls live; a variable for tests.
var procSys = "/proc/sys"

// sysctlPath is the file of an interface sysctl: ipv is "ipv4" or "ipv6".
func sysctlPath(ipv, dev, key string) string {
	return filepath.Join(procSys, "net", ipv, "conf", dev, key)
}

// getSysctl reads an integer sysctl. It must run inside the handle's
// namespace (inNamespace).
func getSysctl(ipv, dev, key string) (int, error) {
	b, err := os.ReadFile(sysctlPath(ipv, dev, key))
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", sysctlPath(ipv, dev, key), err)
	}
	return v, nil
}

// setSysctl writes an integer sysctl; it must run inside the handle's
// namespace.
func setSysctl(ipv, dev, key string, v int) error {
	return os.WriteFile(sysctlPath(ipv, dev, key), []byte(strconv.Itoa(v)), 0o644)
}

// setting is one sysctl value.
type setting struct {
	key string
	val int
}

// vmacSysctls are what keepalived sets on an IPv4 VMAC
// (vrrp_if_config.c vmac_sysctl): answer ARP only for the VMAC's own
// addresses, accept packets from our own addresses (the other VMACs),
// no reverse-path filter (adverts arrive on the base interface's
// subnet), and keep secondary addresses when a primary is deleted.
var vmacSysctls = []setting{
	{"arp_ignore", 1}, {"accept_local", 1}, {"rp_filter", 0}, {"promote_secondaries", 1},
}

// vmacSysctls6 is what keepalived sets on an IPv6 VMAC (vmac_sysctl_6).
var vmacSysctls6 = []setting{{"arp_ignore", 1}}

// parentSysctls make the base interface stop answering ARP for the
// VMACs' addresses (vrrp_if_config.c parent_sysctl).
var parentSysctls = []setting{{"arp_ignore", 1}, {"arp_filter", 1}}

// parentConf remembers a base interface's values before its first VMAC.
type parentConf struct {
	vmacs int
	saved []setting
}

// rpFilter remembers what clearRPFilter changed, to put back.
type rpFilter struct {
	all int
	// raised maps "default" and each interface raised to all's value
	// to its old value.
	raised map[string]int
}

// clearRPFilter is keepalived's clear_rp_filter(): a VMAC needs
// rp_filter 0, which the kernel ignores while net.ipv4.conf.all.rp_filter
// is higher (it uses the larger of the two). So every interface (and
// "default") below all's value is raised to it, keeping their effective
// value, and all is set to 0. It returns nil when all.rp_filter is 0
// already. It must run inside the handle's namespace.
func (h *Handle) clearRPFilter() (*rpFilter, error) {
	all, err := getSysctl("ipv4", "all", "rp_filter")
	if err != nil || all == 0 {
		return nil, err
	}
	rp := &rpFilter{all: all, raised: map[string]int{}}
	dirs, err := os.ReadDir(filepath.Join(procSys, "net", "ipv4", "conf"))
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		name := d.Name()
		if name == "all" {
			continue
		}
		v, err := getSysctl("ipv4", name, "rp_filter")
		if err != nil || v >= all {
			continue
		}
		if name == "default" {
			h.log.Info(fmt.Sprintf("NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from %d to %d", v, all))
		}
		if err := setSysctl("ipv4", name, "rp_filter", all); err != nil {
			return rp, err
		}
		rp.raised[name] = v
	}
	h.log.Info(fmt.Sprintf("NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from %d to 0", all))
	return rp, setSysctl("ipv4", "all", "rp_filter", 0)
}

// restore is keepalived's restore_rp_filter(): each value goes back only
// if nobody changed it since. It must run inside the handle's namespace.
func (rp *rpFilter) restore(h *Handle) error {
	var errs []error
	if v, err := getSysctl("ipv4", "all", "rp_filter"); err == nil && v == 0 {
		h.log.Info(fmt.Sprintf("NOTICE: resetting sysctl net.ipv4.conf.all.rp_filter to %d", rp.all))
		errs = append(errs, setSysctl("ipv4", "all", "rp_filter", rp.all))
	}
	for name, old := range rp.raised {
		v, err := getSysctl("ipv4", name, "rp_filter")
		if err != nil || v != rp.all {
			continue // gone, or changed by someone else
		}
		if name == "default" {
			h.log.Info(fmt.Sprintf("NOTICE: resetting sysctl net.ipv4.conf.default.rp_filter to %d", old))
		}
		errs = append(errs, setSysctl("ipv4", name, "rp_filter", old))
	}
	return errors.Join(errs...)
}
