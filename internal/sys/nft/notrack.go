package nft

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// NotrackTableName is the table of checker_notrack, apart from the
// dataplane's tables: it serves either dataplane (kernel IPVS too, where
// a stateful firewall has loaded conntrack), and lvs_flush or -I leave it
// alone.
const NotrackTableName = "keepalived_go_notrack"

// The health checkers' own connections need no conntrack entry: they are
// not translated and not forwarded. Each one is a new entry, and after the
// reset that ends a check it lives nf_conntrack_tcp_timeout_close (10 s):
// bench/checkers' 6,000 checks a second hold 75,000 to 97,000 entries of
// nf_conntrack_max (on a director with little memory, all of them: then
// the kernel drops the clients' new connections), and their packets cost
// the conntrack and NAT hooks. With checker_notrack the checkers mark their
// sockets (SO_MARK), and this table exempts both directions:
//
//	table inet keepalived_go_notrack {
//		chain output     { type filter hook output priority raw; meta mark MARK notrack }
//		chain prerouting { type filter hook prerouting priority raw; socket mark MARK notrack }
//	}
//
// The replies are found by the local socket they go to (the socket
// expression), so nothing else is exempted: not the director's own
// connections to a VIP, whose replies need their NAT undone, nor a
// check with its own fwmark. The price is a socket lookup for every
// packet the director receives, and the connections are untracked: a
// firewall on the director that accepts replies by "ct state
// established" must accept "ct state untracked" from the real servers
// too, else every check fails.
//
// PING_CHECK is not marked: an ICMP echo has no socket to find, so its
// reply would reach conntrack as an invalid packet.

// SetNotrack writes the notrack table of the current network namespace
// for mark, replacing an earlier one, in one batch; mark 0 deletes the
// table.
func SetNotrack(mark uint32) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	return setNotrack(c, mark)
}

// setNotrack is SetNotrack through c.
func setNotrack(c *nftables.Conn, mark uint32) error {
	t := &nftables.Table{Name: NotrackTableName, Family: nftables.TableFamilyINet}
	tables, err := c.ListTables()
	if err != nil {
		if errors.Is(err, unix.EPROTONOSUPPORT) {
			return fmt.Errorf("list tables: %w (the kernel has no nf_tables)", err)
		}
		return fmt.Errorf("list tables: %w", err)
	}
	if hasTable(tables, t) {
		c.DelTable(t)
	}
	if mark != 0 {
		notrackTable(c, t, mark)
	}
	if err := c.Flush(); err != nil {
		if errors.Is(err, unix.ENOENT) {
			// What the kernel says of an expression it has no module for.
			return fmt.Errorf("table inet %s: %w (the kernel needs nft_socket and nft_ct)", NotrackTableName, batchError{err})
		}
		return fmt.Errorf("table inet %s: %w", NotrackTableName, batchError{err})
	}
	return nil
}

// notrackTable adds t with its chains to c's batch.
func notrackTable(c *nftables.Conn, t *nftables.Table, mark uint32) {
	c.AddTable(t)
	policy := nftables.ChainPolicyAccept
	for _, h := range []struct {
		name string
		hook *nftables.ChainHook
		load expr.Any
	}{
		{"output", nftables.ChainHookOutput, &expr.Meta{Key: expr.MetaKeyMARK, Register: 1}},
		{"prerouting", nftables.ChainHookPrerouting, &expr.Socket{Key: expr.SocketKeyMark, Register: 1}},
	} {
		ch := c.AddChain(&nftables.Chain{Name: h.name, Table: t, Type: nftables.ChainTypeFilter,
			Hooknum: h.hook, Priority: nftables.ChainPriorityRaw, Policy: &policy})
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: notrackRule(h.load, mark)})
	}
}

// notrackRule is "<load> == mark notrack".
func notrackRule(load expr.Any, mark uint32) []expr.Any {
	return []expr.Any{
		load,
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binary.NativeEndian.AppendUint32(nil, mark)},
		&expr.Notrack{},
	}
}
