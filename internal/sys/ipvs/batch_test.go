package ipvs

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/lvs"
	"github.com/keepalived-go/keepalived/internal/testutil/golden"
)

// batchChanges is one of each operation on an IPv4 service, an IPv6 one
// with scheduler flags, persistence and a netmask, and a fwmark service,
// with NAT, DR and TUN (gue) destinations.
func batchChanges() []lvs.Change {
	v6 := netip.MustParseAddr("2001:db8::1")
	web := lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: netip.MustParseAddr("192.0.2.1"), Port: 80}, Scheduler: "wrr", Persistence: time.Minute, Netmask: 24}
	dns := lvs.Service{Key: lvs.ServiceKey{Family: 6, Protocol: lvs.UDP, Addr: v6, Port: 53}, Scheduler: "sh", Flags: lvs.SchedFlags{SHPort: true, OnePacket: true}, Persistence: 300 * time.Second, Netmask: 64}
	mark := lvs.Service{Key: lvs.ServiceKey{Family: 4, FWMark: 7}, Scheduler: "wlc"}
	nat := lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("198.51.100.11"), Port: 8080}, Method: lvs.NAT, Weight: 3}
	dr := lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("198.51.100.12")}, Method: lvs.DR, Weight: 1, UpperThreshold: 100, LowerThreshold: 10}
	tun := lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("2001:db8::11"), Port: 53}, Method: lvs.TUN, Weight: 2, Tunnel: lvs.Tunnel{Type: "gue", Port: 6080, Flags: "csum"}}
	return []lvs.Change{
		{Op: lvs.AddService, Service: web},
		{Op: lvs.AddDest, Service: web, Dest: nat},
		{Op: lvs.UpdateDest, Service: web, Dest: dr},
		{Op: lvs.DelDest, Service: web, Dest: nat},
		{Op: lvs.UpdateService, Service: dns},
		{Op: lvs.AddDest, Service: dns, Dest: tun},
		{Op: lvs.AddService, Service: mark},
		{Op: lvs.AddDest, Service: mark, Dest: dr},
		{Op: lvs.DelService, Service: mark},
	}
}

// TestAppendChange encodes a batch and decodes it with the netlink
// packages' own decoders: each message's headers and attributes, in a
// readable form compared with a golden file (update with -update). A
// wrong length, padding or nesting fails the decoding.
func TestAppendChange(t *testing.T) {
	const fam = 0x21
	var b []byte
	changes := batchChanges()
	for i, ch := range changes {
		var err error
		if b, err = appendChange(b, fam, uint32(100+i), ch); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
	}
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != len(changes) {
		t.Fatalf("%d messages, want %d", len(msgs), len(changes))
	}
	var out strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&out, "# %s\n", changes[i].Op)
		h := m.Header
		if h.Type != fam || h.Flags != unix.NLM_F_REQUEST|unix.NLM_F_ACK || h.Seq != uint32(100+i) || h.Pid != 0 {
			t.Errorf("message %d: header %+v", i, h)
		}
		var gm genetlink.Message
		if err := gm.UnmarshalBinary(m.Data); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		fmt.Fprintf(&out, "cmd %d version %d\n", gm.Header.Command, gm.Header.Version)
		if err := renderAttrs(&out, gm.Data, 0); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	golden.Check(t, "testdata/batch.golden", out.String())
}

// renderAttrs writes attributes as "type: hex", with the service and
// destination attributes (1 and 2 at the top) decoded as nested.
func renderAttrs(w *strings.Builder, b []byte, depth int) error {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return err
	}
	for ad.Next() {
		indent := strings.Repeat("  ", depth)
		if depth == 0 && (ad.Type() == attrService || ad.Type() == attrDest) {
			fmt.Fprintf(w, "%s%d:\n", indent, ad.Type())
			ad.Do(func(b []byte) error { return renderAttrs(w, b, depth+1) })
			continue
		}
		fmt.Fprintf(w, "%s%d: %x\n", indent, ad.Type(), ad.Bytes())
	}
	return ad.Err()
}

func TestAppendChangeErrors(t *testing.T) {
	web := lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: netip.MustParseAddr("192.0.2.1"), Port: 80}, Scheduler: "rr"}
	for _, tc := range []struct {
		name string
		ch   lvs.Change
		want string
	}{
		{"unknown operation", lvs.Change{Op: 99, Service: web}, "unknown operation 99"},
		{"unknown scheduler", lvs.Change{Op: lvs.AddService, Service: lvs.Service{Key: web.Key, Scheduler: "xx"}}, `unknown scheduler "xx"`},
		{"service without address", lvs.Change{Op: lvs.DelService, Service: lvs.Service{Key: lvs.ServiceKey{Family: 4}}}, "no address and no fwmark"},
		{"destination without address", lvs.Change{Op: lvs.DelDest, Service: web}, "destination has no address"},
		{"bad weight", lvs.Change{Op: lvs.AddDest, Service: web, Dest: lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("198.51.100.1")}, Weight: -1}}, "weight -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte("kept")
			got, err := appendChange(b, 0x21, 1, tc.ch)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if string(got) != "kept" {
				t.Errorf("appended %x on error", got[4:])
			}
		})
	}
}

// ack is a netlink error message (an ack when errno is 0) for seq.
func ack(seq uint32, errno syscall.Errno) []byte {
	b := make([]byte, unix.NLMSG_HDRLEN+4+unix.NLMSG_HDRLEN)
	binary.NativeEndian.PutUint32(b[0:], uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:], unix.NLMSG_ERROR)
	binary.NativeEndian.PutUint16(b[6:], unix.NLM_F_CAPPED)
	binary.NativeEndian.PutUint32(b[8:], seq)
	binary.NativeEndian.PutUint32(b[16:], uint32(-int32(errno)))
	return b
}

func TestParseAcks(t *testing.T) {
	other := ack(5, 0)
	binary.NativeEndian.PutUint16(other[4:], unix.NLMSG_DONE)
	for _, tc := range []struct {
		name    string
		in      []byte
		acks    int
		refused string
		err     bool
	}{
		{"acks", join(ack(10, 0), ack(11, 0), ack(12, 0)), 3, "", false},
		{"refused", join(ack(10, 0), ack(11, syscall.EEXIST), ack(12, syscall.ENOENT)), 3, "1:file exists 2:no such file or directory ", false},
		{"other batch and other types skipped", join(ack(9, syscall.EEXIST), other, ack(13, 0), ack(10, 0)), 1, "", false},
		{"empty", nil, 0, "", false},
		{"short length", join(ack(10, 0), []byte{8, 0, 0, 0, 2, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0, 0}), 1, "", true},
		{"length past the end", ack(10, 0)[:20], 0, "", true},
		{"ack without errno", []byte{16, 0, 0, 0, 2, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0}, 0, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var refused strings.Builder
			n, err := parseAcks(tc.in, 10, 3, func(i int, errno syscall.Errno) { fmt.Fprintf(&refused, "%d:%v ", i, errno) })
			if n != tc.acks || refused.String() != tc.refused || (err != nil) != tc.err {
				t.Errorf("parseAcks = %d, refused %q, err %v; want %d, %q, error %v", n, refused.String(), err, tc.acks, tc.refused, tc.err)
			}
		})
	}
}

func join(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func FuzzParseAcks(f *testing.F) {
	f.Add(join(ack(10, 0), ack(11, syscall.EEXIST)))
	f.Add(ack(12, 0)[:17])
	f.Fuzz(func(t *testing.T, b []byte) {
		n, _ := parseAcks(b, 10, 3, func(i int, errno syscall.Errno) {
			if i < 0 || i >= 3 || errno == 0 {
				t.Fatalf("refused(%d, %d)", i, errno)
			}
		})
		if n < 0 || n > len(b)/(unix.NLMSG_HDRLEN+4) {
			t.Fatalf("%d acks in %d bytes", n, len(b))
		}
	})
}

// BenchmarkAppendChanges encodes bench/ipvsprog's start: 1,000 services
// with 10 destinations each.
func BenchmarkAppendChanges(b *testing.B) {
	var changes []lvs.Change
	for i := range 1000 {
		svc := lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: netip.MustParseAddr("192.0.2.100"), Port: uint16(10000 + i)}, Scheduler: "wrr"}
		changes = append(changes, lvs.Change{Op: lvs.AddService, Service: svc})
		for j := range 10 {
			d := lvs.Destination{Key: lvs.DestKey{Addr: netip.AddrFrom4([4]byte{203, 0, 113, byte(j + 1)}), Port: 8080}, Method: lvs.NAT, Weight: j%3 + 1}
			changes = append(changes, lvs.Change{Op: lvs.AddDest, Service: svc, Dest: d})
		}
	}
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		out = out[:0]
		for i, ch := range changes {
			var err error
			if out, err = appendChange(out, 0x21, uint32(i), ch); err != nil {
				b.Fatal(err)
			}
		}
	}
}
