package nft

import (
	"encoding/binary"
	"fmt"

	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// dumpedRule is what State needs of a rule: its chain, its userdata and
// its counter.
type dumpedRule struct {
	chain          string
	userData       []byte
	packets, bytes uint64
	counted        bool   // an anonymous counter (an earlier layout) gave packets and bytes
	counter        string // the named counter the rule counts in, if any
}

// dumpRules reads every rule of a table in one netlink dump (GETRULE
// with the table and no chain, as nft list table does): google/nftables
// asks chain by chain, one dump per destination, too slow for thousands
// of real servers.
func dumpRules(netns int, t *nftables.Table) ([]dumpedRule, error) {
	conn, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: netns})
	if err != nil {
		return nil, fmt.Errorf("netlink: %w", err)
	}
	defer conn.Close()
	attrs, err := netlink.MarshalAttributes([]netlink.Attribute{{Type: unix.NFTA_RULE_TABLE, Data: []byte(t.Name + "\x00")}})
	if err != nil {
		return nil, err
	}
	// nfgenmsg: family, version, resource id.
	hdr := []byte{byte(t.Family), unix.NFNETLINK_V0, 0, 0}
	msgs, err := conn.Execute(netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETRULE), Flags: netlink.Request | netlink.Dump},
		Data:   append(hdr, attrs...),
	})
	if err != nil {
		return nil, fmt.Errorf("dump rules of table %s: %w", t.Name, err)
	}
	out := make([]dumpedRule, 0, len(msgs))
	for _, m := range msgs {
		if len(m.Data) < 4 {
			continue
		}
		r, err := parseRule(m.Data[4:])
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// parseRule decodes a NEWRULE message's attributes: the chain, the
// userdata and the first counter expression.
func parseRule(b []byte) (dumpedRule, error) {
	var r dumpedRule
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return r, err
	}
	ad.ByteOrder = binary.BigEndian
	for ad.Next() {
		switch ad.Type() {
		case unix.NFTA_RULE_CHAIN:
			r.chain = ad.String()
		case unix.NFTA_RULE_USERDATA:
			r.userData = ad.Bytes()
		case unix.NFTA_RULE_EXPRESSIONS:
			ad.Nested(func(list *netlink.AttributeDecoder) error {
				for list.Next() {
					if list.Type() != unix.NFTA_LIST_ELEM || r.counted || r.counter != "" {
						continue
					}
					list.Nested(func(e *netlink.AttributeDecoder) error {
						return parseCounter(e, &r)
					})
				}
				return nil
			})
		}
	}
	return r, ad.Err()
}

// parseCounter fills r from a counter expression, or from an objref
// naming a counter object (other expressions are skipped).
func parseCounter(e *netlink.AttributeDecoder, r *dumpedRule) error {
	e.ByteOrder = binary.BigEndian
	var name string
	var data []byte
	for e.Next() {
		switch e.Type() {
		case unix.NFTA_EXPR_NAME:
			name = e.String()
		case unix.NFTA_EXPR_DATA:
			data = e.Bytes()
		}
	}
	if name == "objref" && data != nil {
		return parseObjref(data, r)
	}
	if name != "counter" || data == nil {
		return nil
	}
	c, err := netlink.NewAttributeDecoder(data)
	if err != nil {
		return err
	}
	c.ByteOrder = binary.BigEndian
	for c.Next() {
		switch c.Type() {
		case unix.NFTA_COUNTER_PACKETS:
			r.packets = c.Uint64()
		case unix.NFTA_COUNTER_BYTES:
			r.bytes = c.Uint64()
		}
	}
	r.counted = true
	return c.Err()
}

// objCounter is NFT_OBJECT_COUNTER (linux/netfilter/nf_tables.h), which
// x/sys does not define.
const objCounter = 1

// parseObjref takes the name of the counter object an objref expression
// names.
func parseObjref(data []byte, r *dumpedRule) error {
	o, err := netlink.NewAttributeDecoder(data)
	if err != nil {
		return err
	}
	o.ByteOrder = binary.BigEndian
	var typ uint32
	var name string
	for o.Next() {
		switch o.Type() {
		case unix.NFTA_OBJREF_IMM_TYPE:
			typ = o.Uint32()
		case unix.NFTA_OBJREF_IMM_NAME:
			name = o.String()
		}
	}
	if typ == objCounter && name != "" {
		r.counter = name
	}
	return o.Err()
}
