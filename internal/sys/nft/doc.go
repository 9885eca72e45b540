// Package nft is the nftables dataplane: the virtual services of
// internal/lvs as NAT rules in a table of our own (inet keepalived_go),
// for kernels without IPVS.
//
// Layout of the table:
//
//	chain prerouting { type nat hook prerouting priority dstnat; jump services }
//	chain output     { type nat hook output priority -100; jump services }
//	chain services   { meta nfproto . meta mark vmap @fwm
//	                   ip daddr . meta l4proto . th dport vmap @svc4
//	                   ip daddr . meta l4proto vmap @any4  (and svc6, any6) }
//	map fwm, svc4 ...  { <service N's key> : jump vsN, ... }
//	chain vsN        { counter name vsN  (the service's, with its userdata)
//	                   [persistent, per destination M: saddr&mask @pNdM jump vsNdM]
//	                   <scheduler> vmap @mN }
//	map mN           { i : jump vsNdM, ... }
//	chain vsNdM      { counter name vsNdM [persistent: update @pNdM] dnat to <real server> }
//	set pNdM         { saddr&mask, timeout = persistence_timeout }
//	counter vsN, vsNdM  (objects: a rewrite of the chains keeps their counts)
//
// The first rule of a vsN chain and the rule of a vsNdM chain carry the
// service or destination they implement in their userdata (JSON), so
// State reads the table back. A change of services adds or deletes map
// elements, not rules: a packet costs one lookup per map whatever the
// number of services. The counters are named objects, so they outlive
// the rewrite of a service's chains when its destinations change, and go
// with their service or destination, as IPVS's do. Apply starts from what its last success left (the
// tables are read again after an error). The NAT chains
// only see a connection's first packet: the counters count connections.
//
// Schedulers: rr (numgen inc over the destinations), wrr (numgen inc over
// a table repeating each destination by weight, interleaved), sh, dh and
// mh (jhash of the source, destination, or source and port, into a
// Maglev lookup table, so removing a server moves only its own flows).
// Weight 0 keeps a destination (its chain and persistent clients) but
// out of the scheduling table: no new flows. A removed destination's
// persistence set goes with it: its clients are scheduled again. The scheduling table is a
// named map (mN) written in chunks (one netlink attribute holds 64 KiB).
//
// NAT (masquerading) services live in this table; DR (direct routing)
// services in the tables ip/ip6 keepalived_go_dr (see dr.go); a service
// mixing methods, and TUN, are refused.
package nft
