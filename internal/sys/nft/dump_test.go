package nft

import (
	"testing"

	"github.com/google/nftables/binaryutil"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// ruleMsg is a NEWRULE message's attributes as the kernel dumps them.
func ruleMsg(t testing.TB, chain string, userData []byte, withCounter bool) []byte {
	t.Helper()
	attr := func(a []netlink.Attribute) []byte {
		b, err := netlink.MarshalAttributes(a)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	exprs := []netlink.Attribute{{Type: unix.NLA_F_NESTED | unix.NFTA_LIST_ELEM, Data: attr([]netlink.Attribute{
		{Type: unix.NFTA_EXPR_NAME, Data: []byte("immediate\x00")},
		{Type: unix.NLA_F_NESTED | unix.NFTA_EXPR_DATA, Data: attr([]netlink.Attribute{{Type: unix.NFTA_IMMEDIATE_DREG, Data: binaryutil.BigEndian.PutUint32(1)}})},
	})}}
	if withCounter {
		exprs = append(exprs, netlink.Attribute{Type: unix.NLA_F_NESTED | unix.NFTA_LIST_ELEM, Data: attr([]netlink.Attribute{
			{Type: unix.NFTA_EXPR_NAME, Data: []byte("counter\x00")},
			{Type: unix.NLA_F_NESTED | unix.NFTA_EXPR_DATA, Data: attr([]netlink.Attribute{
				{Type: unix.NFTA_COUNTER_BYTES, Data: binaryutil.BigEndian.PutUint64(1500)},
				{Type: unix.NFTA_COUNTER_PACKETS, Data: binaryutil.BigEndian.PutUint64(3)},
			})},
		})})
	}
	return attr([]netlink.Attribute{
		{Type: unix.NFTA_RULE_TABLE, Data: []byte(TableName + "\x00")},
		{Type: unix.NFTA_RULE_CHAIN, Data: []byte(chain + "\x00")},
		{Type: unix.NLA_F_NESTED | unix.NFTA_RULE_EXPRESSIONS, Data: attr(exprs)},
		{Type: unix.NFTA_RULE_USERDATA, Data: userData},
	})
}

func TestParseRule(t *testing.T) {
	r, err := parseRule(ruleMsg(t, "vs3d1", []byte(`{"Dest":{}}`), true))
	if err != nil {
		t.Fatal(err)
	}
	if r.chain != "vs3d1" || string(r.userData) != `{"Dest":{}}` || !r.counted || r.packets != 3 || r.bytes != 1500 {
		t.Errorf("parseRule: %+v", r)
	}
	r, err = parseRule(ruleMsg(t, "services", nil, false))
	if err != nil || r.chain != "services" || r.counted {
		t.Errorf("without a counter: %+v, %v", r, err)
	}
}

func FuzzParseRule(f *testing.F) {
	f.Add(ruleMsg(f, "vs0d0", []byte("{}"), true))
	f.Add(ruleMsg(f, "services", nil, false))
	f.Add([]byte{4, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseRule(b) // must not panic
	})
}
