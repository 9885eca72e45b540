// Package vrrpfw keeps the firewall rules of VRRP's no_accept mode (the
// default with vrrp_strict for a non-owner): a master that does not own
// its virtual addresses must not accept packets sent to them (RFC 5798
// Accept_Mode). keepalived does it with an nftables table and a set of
// the VIPs; so do we, in a table of our own (inet keepalived_go_vrrp)
// that is removed at stop. Neighbour Discovery to an IPv6 VIP still
// passes, or the VIP could not be reached at all.
package vrrpfw

import (
	"fmt"
	"net/netip"
	"sync"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// TableName is the table the firewall owns.
const TableName = "keepalived_go_vrrp"

// Firewall blocks traffic to the VIPs it is given. It creates its table
// on the first Block and deletes it on Close.
type Firewall struct {
	mu      sync.Mutex
	conn    *nftables.Conn
	table   *nftables.Table
	set4    *nftables.Set
	set6    *nftables.Set
	blocked map[netip.Addr]bool
}

// New returns a Firewall for the current network namespace.
func New() *Firewall { return &Firewall{blocked: map[netip.Addr]bool{}} }

// setup creates the table, sets and rules in one batch.
func (f *Firewall) setup() error {
	if f.table != nil {
		return nil
	}
	conn, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	t := &nftables.Table{Name: TableName, Family: nftables.TableFamilyINet}
	conn.DelTable(t) // a table left by a crashed run
	_ = conn.Flush()
	conn.AddTable(t)
	s4 := &nftables.Set{Table: t, Name: "vips4", KeyType: nftables.TypeIPAddr}
	s6 := &nftables.Set{Table: t, Name: "vips6", KeyType: nftables.TypeIP6Addr}
	if err := conn.AddSet(s4, nil); err != nil {
		return err
	}
	if err := conn.AddSet(s6, nil); err != nil {
		return err
	}
	policy := nftables.ChainPolicyAccept
	ch := conn.AddChain(&nftables.Chain{Name: "input", Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookInput, Priority: nftables.ChainPriorityFilter, Policy: &policy})
	nfproto := func(p byte) []expr.Any {
		return []expr.Any{
			&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{p}},
		}
	}
	// ip daddr @vips4 drop
	conn.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: append(nfproto(unix.NFPROTO_IPV4),
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Lookup{SourceRegister: 1, SetName: s4.Name, SetID: s4.ID},
		&expr.Verdict{Kind: expr.VerdictDrop})})
	// icmpv6 neighbour solicitations and advertisements pass
	for _, typ := range []byte{135, 136} {
		conn.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: append(nfproto(unix.NFPROTO_IPV6),
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_ICMPV6}},
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{typ}},
			&expr.Verdict{Kind: expr.VerdictAccept})})
	}
	// ip6 daddr @vips6 drop
	conn.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: append(nfproto(unix.NFPROTO_IPV6),
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 24, Len: 16},
		&expr.Lookup{SourceRegister: 1, SetName: s6.Name, SetID: s6.ID},
		&expr.Verdict{Kind: expr.VerdictDrop})})
	if err := conn.Flush(); err != nil {
		return fmt.Errorf("nftables: create table %s: %w", TableName, err)
	}
	f.conn, f.table, f.set4, f.set6 = conn, t, s4, s6
	return nil
}

func (f *Firewall) set(a netip.Addr) *nftables.Set {
	if a.Is4() {
		return f.set4
	}
	return f.set6
}

// Block drops traffic to a.
func (f *Firewall) Block(a netip.Addr) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blocked[a] {
		return nil
	}
	if err := f.setup(); err != nil {
		return err
	}
	if err := f.conn.SetAddElements(f.set(a), []nftables.SetElement{{Key: a.AsSlice()}}); err != nil {
		return err
	}
	if err := f.conn.Flush(); err != nil {
		return fmt.Errorf("nftables: block %s: %w", a, err)
	}
	f.blocked[a] = true
	return nil
}

// Unblock lets traffic to a in again.
func (f *Firewall) Unblock(a netip.Addr) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.blocked[a] {
		return nil
	}
	if err := f.conn.SetDeleteElements(f.set(a), []nftables.SetElement{{Key: a.AsSlice()}}); err != nil {
		return err
	}
	if err := f.conn.Flush(); err != nil {
		return fmt.Errorf("nftables: unblock %s: %w", a, err)
	}
	delete(f.blocked, a)
	return nil
}

// Close deletes the table (nothing stays blocked after the daemon).
func (f *Firewall) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.table == nil {
		return nil
	}
	f.conn.DelTable(f.table)
	err := f.conn.Flush()
	f.table = nil
	f.blocked = map[netip.Addr]bool{}
	return err
}
