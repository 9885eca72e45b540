package ipvs

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// connsFile is the kernel's IPVS connection table (ip_vs_conn_seq_show).
const connsFile = "/proc/net/ip_vs_conn"

// Conns implements lvs.ConnLister: the kernel's connection table.
func (d *Dataplane) Conns() ([]lvs.Conn, error) {
	f, err := os.Open(connsFile)
	if err != nil {
		return nil, fmt.Errorf("ipvs connections: %w", err)
	}
	defer f.Close()
	return ParseConns(f)
}

var _ lvs.ConnLister = (*Dataplane)(nil)

// ParseConns reads /proc/net/ip_vs_conn: a header, then per connection
// "Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires [PEName PEData]",
// IPv4 addresses and ports in hex, IPv6 addresses in full colon form,
// Expires in seconds.
func ParseConns(r io.Reader) ([]lvs.Conn, error) {
	var out []lvs.Conn
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || (n == 1 && f[0] == "Pro") {
			continue
		}
		if len(f) < 9 {
			return nil, fmt.Errorf("%s line %d: %d fields, want at least 9", connsFile, n, len(f))
		}
		var c lvs.Conn
		switch f[0] {
		case "TCP":
			c.Protocol = lvs.TCP
		case "UDP":
			c.Protocol = lvs.UDP
		case "SCTP":
			c.Protocol = lvs.SCTP
		default:
			return nil, fmt.Errorf("%s line %d: unknown protocol %q", connsFile, n, f[0])
		}
		for i, dst := range []*netip.AddrPort{&c.Client, &c.Virtual, &c.Dest} {
			ap, err := parseProcAddrPort(f[1+2*i], f[2+2*i])
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", connsFile, n, err)
			}
			*dst = ap
		}
		c.State = f[7]
		secs, err := strconv.ParseUint(f[8], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: expires %q: %w", connsFile, n, f[8], err)
		}
		c.Expires = time.Duration(secs) * time.Second
		out = append(out, c)
	}
	return out, sc.Err()
}

func parseProcAddrPort(addr, port string) (netip.AddrPort, error) {
	p, err := strconv.ParseUint(port, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port %q: %w", port, err)
	}
	if strings.Contains(addr, ":") {
		a, err := netip.ParseAddr(addr)
		if err != nil || !a.Is6() {
			return netip.AddrPort{}, fmt.Errorf("address %q: not IPv6", addr)
		}
		return netip.AddrPortFrom(a, uint16(p)), nil
	}
	v, err := strconv.ParseUint(addr, 16, 32)
	if err != nil || len(addr) != 8 {
		return netip.AddrPort{}, fmt.Errorf("address %q: not 8 hex digits", addr)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), uint16(p)), nil
}
