package netlink

import (
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
