package nft

import (
	"github.com/google/nftables"
	"github.com/google/nftables/expr"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// Direct routing (LVS-DR). A DR service's packets are sent on unchanged
// (destination address still the VIP) to the chosen real server's MAC
// address: the dup statement clones the packet with the real server's
// address as its next hop (the kernel resolves its neighbour entry, as
// the TEE target does), and the original is dropped. dup exists in the
// ip and ip6 families only, hence the tables ip/ip6 keepalived_go_dr:
//
//	chain prerouting      { type filter hook prerouting priority raw; jump services }
//	chain prerouting_mark { type filter hook prerouting priority mangle + 1; jump services }
//	chain services        { meta mark vmap @fwm; ip daddr . meta l4proto . th dport vmap @svc4;
//	                        ip daddr . meta l4proto vmap @any4 }  (ip6: svc6, any6)
//	chain vsN             { counter; [persistent, per destination M: saddr&mask @pNdM jump vsNdM]
//	                        <scheduler> vmap { i : jump vsNdM, ... } }
//	chain vsNdM           { counter [persistent: update @pNdM] dup to <real server> drop }
//
// Every packet of a connection passes here (the director keeps no
// conntrack state for it: the raw-priority drop comes before conntrack),
// so a connection must be scheduled the same way on every packet: the
// schedulers are hashes. rr and wrr become a Maglev table over the
// connection's addresses and ports (equal or weighted slots); sh, dh and
// mh are the same source / destination hashes as for NAT. The second base
// chain sees packets after the mangle priority, for fwmark services whose
// mark iptables or nftables rules set there.

// drTableSize is the Maglev table size of DR's rr and wrr (a prime): a
// share is within 1/1021 of its weight's, and a thousand services stay a
// million map elements.
const drTableSize = 1021

// drPriorityMark is the priority of the chain for fwmark services: just
// after mangle, where marks are set.
var drPriorityMark = nftables.ChainPriorityRef(*nftables.ChainPriorityMangle + 1)

// drBase adds a DR table, its base chains and its services chain
// (flushed, to be rebuilt).
func (d *Dataplane) drBase(t *nftables.Table) {
	c := d.conn
	c.AddTable(t)
	services := c.AddChain(chain(t, "services"))
	c.FlushChain(services)
	policy := nftables.ChainPolicyAccept
	for _, b := range []struct {
		name string
		prio *nftables.ChainPriority
	}{{"prerouting", nftables.ChainPriorityRaw}, {"prerouting_mark", drPriorityMark}} {
		ch := c.AddChain(&nftables.Chain{Name: b.name, Table: t, Type: nftables.ChainTypeFilter,
			Hooknum: nftables.ChainHookPrerouting, Priority: b.prio, Policy: &policy})
		c.FlushChain(ch)
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: []expr.Any{&expr.Verdict{Kind: expr.VerdictJump, Chain: "services"}}})
	}
}

// dupDrop sends the packet to the address in register 1 and drops the
// original.
func dupDrop() []expr.Any {
	return []expr.Any{&expr.Dup{RegAddr: regAddr}, &expr.Verdict{Kind: expr.VerdictDrop}}
}

// drTo is a DR destination chain's rule: count, remember a persistent
// client, forward.
func drTo(svc lvs.Service, d lvs.Destination, pset *nftables.Set, counter string) []expr.Any {
	ex := []expr.Any{counterRef(counter), &expr.Immediate{Register: regAddr, Data: d.Key.Addr.AsSlice()}}
	if pset != nil {
		ex = append(ex, persistRefresh(pset, svc)...)
	}
	return append(ex, dupDrop()...)
}

// drScheduler computes a DR service's scheduling table index into
// register 1: rr and wrr hash the connection (source and destination
// addresses, then both ports, loaded one after the other from register
// 1 on); the others are the NAT schedulers, already hashes.
func drScheduler(svc lvs.Service, n int) []expr.Any {
	if svc.Scheduler != "rr" && svc.Scheduler != "wrr" {
		return scheduler(svc, n)
	}
	// As nft lays out "jhash ip saddr . ip daddr . th sport . th dport":
	// each field in its own 4-byte registers (ports zero-padded), from
	// register 2 (12) for IPv4, register 1 (8) for IPv6.
	off, l := uint32(12), addrLen(svc)
	src, first := uint32(2), uint32(12)
	if v6(svc) {
		off, src, first = 8, 1, 8
	}
	w := l / 4
	return []expr.Any{
		&expr.Payload{DestRegister: first, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: l},
		&expr.Payload{DestRegister: first + w, Base: expr.PayloadBaseNetworkHeader, Offset: off + l, Len: l},
		&expr.Payload{DestRegister: first + 2*w, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 2},
		&expr.Payload{DestRegister: first + 2*w + 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Hash{SourceRegister: src, DestRegister: 1, Length: 2*l + 8, Modulus: uint32(n), Seed: 0x4b41, Type: expr.HashTypeJenkins},
	}
}

// drSchedTable is a DR service's scheduling table: for rr and wrr a
// Maglev table with equal or weighted shares, so that a real server's
// removal moves only its own connections; the others as for NAT.
func drSchedTable(sched string, dests []lvs.Destination) []slot {
	if sched != "rr" && sched != "wrr" {
		return schedTable(sched, dests)
	}
	var keys []lvs.DestKey
	var weights, live []int
	for i, d := range dests {
		if d.Weight <= 0 {
			continue
		}
		w := d.Weight
		if sched == "rr" {
			w = 1
		}
		keys, weights, live = append(keys, d.Key), append(weights, w), append(live, i)
	}
	t := maglevTable(keys, weights, drTableSize)
	for j, s := range t {
		t[j] = live[s]
	}
	return t
}
