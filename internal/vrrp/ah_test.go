package vrrp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

var _ PacketWriter = (*fakeConn)(nil)

// WritePacket delivers a whole IPv4 packet (AH adverts) as a raw socket
// would: the payload after the header, the header in the metadata.
func (c *fakeConn) WritePacket(pkt []byte) error {
	h, payload, err := packet.ParseIPv4(pkt)
	if err != nil {
		return err
	}
	hdr := slices.Clone(pkt[:len(pkt)-len(payload)])
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	if c.h.cut[c.node] {
		return nil
	}
	for _, o := range c.h.conns {
		if o == c || o.node == c.node || o.spec.Family != 4 || c.h.cut[o.node] {
			continue
		}
		if h.Dst.IsMulticast() && o.spec.Group != h.Dst || !h.Dst.IsMulticast() && o.spec.Src != h.Dst {
			continue
		}
		p := rxPacket{msg: slices.Clone(payload), meta: RecvMeta{IfIndex: 1, Src: h.Src, Dst: h.Dst, TTL: int(h.TTL),
			IPLen: int(h.TotalLen), Protocol: int(h.Protocol), Header: hdr}}
		select {
		case o.q <- p:
		default:
		}
	}
	return nil
}

const confAH = `
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority %d
    advert_int 1
    authentication {
        auth_type %s
        auth_pass %s
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`

// ahSeq reads the instance's AH sequence counter on the router goroutine.
func (rn *running) ahSeq(t *testing.T) packet.AHSequence {
	t.Helper()
	ch := make(chan packet.AHSequence, 1)
	if !rn.r.do(context.Background(), func(time.Time) { ch <- rn.r.members[0].ahSeq }) {
		t.Fatalf("%s: router not running", rn.name)
	}
	return <-ch
}

// noAHDrops fails if a router logged an AH or authentication complaint.
func noAHDrops(t *testing.T, rns ...*running) {
	t.Helper()
	for _, rn := range rns {
		for _, bad := range []string{"IPSEC", "AH header", "auth", "passwd"} {
			if rn.logs.has(bad) {
				t.Errorf("%s logged %q:\n%v", rn.name, bad, rn.logs.lines)
			}
		}
	}
}

// TestRouterAHFailsOverAndBack runs two AH routers: the higher priority
// one becomes master (AH clears "state MASTER"), the other takes over with
// sequence numbers above the last ones it accepted, and a restarted
// router with a fresh counter follows them and preempts without a single
// replay drop.
func TestRouterAHFailsOverAndBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		a := h.start(t, "a", "192.0.2.1", fmt.Sprintf(confAH, 150, "AH", "secret"))
		b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confAH, 100, "AH", "secret"))
		time.Sleep(6 * time.Second)
		if a.state(t) != "MASTER" || b.state(t) != "BACKUP" {
			t.Fatalf("states a=%s b=%s, want MASTER BACKUP", a.state(t), b.state(t))
		}
		sa, sb := a.ahSeq(t), b.ahSeq(t)
		if sa.Seq < 2 || sb != sa {
			t.Fatalf("sequence a=%+v b=%+v: want b to have accepted every advert of a", sa, sb)
		}
		a.stop(t) // priority 0 with the next number
		time.Sleep(3 * time.Second)
		if b.state(t) != "MASTER" {
			t.Fatalf("after a stopped b is %s, want MASTER", b.state(t))
		}
		if sb := b.ahSeq(t); sb.Seq < sa.Seq+3 {
			t.Fatalf("b's sequence %d after 3 s as master: want above a's last %d", sb.Seq, sa.Seq+1)
		}
		a2 := h.start(t, "a2", "192.0.2.1", fmt.Sprintf(confAH, 150, "AH", "secret"))
		time.Sleep(6 * time.Second)
		if a2.state(t) != "MASTER" || b.state(t) != "BACKUP" {
			t.Fatalf("after a restarted: a=%s b=%s, want MASTER BACKUP", a2.state(t), b.state(t))
		}
		if got := h.holders("192.0.2.100"); !slices.Equal(got, []string{"a2"}) {
			t.Fatalf("VIP held by %v, want [a2]", got)
		}
		noAHDrops(t, a, b, a2)
		if st := b.r.Status(context.Background())[0]; st.Stats.AuthFailure != 0 || st.Stats.AdvertRcvd == 0 {
			t.Errorf("b's stats %+v: want adverts and no auth failures", st.Stats)
		}
	})
}

// TestRouterAHReloadRestartKeepsSequence: an AH instance that a reload
// restarts (a changed setting) carries its sequence counter over, so its
// next adverts are not replays to the peer, as keepalived copies seq_num.
func TestRouterAHReloadRestartKeepsSequence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		confA := fmt.Sprintf(confAH, 150, "AH", "secret")
		a := h.start(t, "a", "192.0.2.1", confA)
		b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confAH, 100, "AH", "secret"))
		time.Sleep(6 * time.Second)
		before := a.ahSeq(t)
		if a.state(t) != "MASTER" || before.Seq < 2 {
			t.Fatalf("a is %s with sequence %+v, want MASTER past 2", a.state(t), before)
		}
		a.reload(t, strings.Replace(confA, "advert_int 1", "advert_int 1\n    garp_master_delay 2", 1))
		if !a.logs.has("configuration changed: restarting the instance") {
			t.Fatalf("the reload did not restart VI_1:\n%s", strings.Join(a.logs.lines, "\n"))
		}
		if got := a.ahSeq(t); got.Seq < before.Seq {
			t.Fatalf("after the restart a's sequence is %d, was %d", got.Seq, before.Seq)
		}
		time.Sleep(6 * time.Second)
		noAHDrops(t, a, b)
		if b.logs.has("already processed") {
			t.Errorf("b took a's adverts as replays:\n%s", strings.Join(b.logs.lines, "\n"))
		}
	})
}

// TestRouterAHDropsBadAdverts: a different auth_pass breaks the ICV (both
// routers become master and log keepalived's line), and AH against PASS
// is refused by the first receive check on both sides.
func TestRouterAHDropsBadAdverts(t *testing.T) {
	tests := []struct {
		name         string
		typeB, passB string
		wantA, wantB string
		mismatch     bool
	}{{
		name: "password", typeB: "AH", passB: "other",
		wantA: "(VI_1) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !",
		wantB: "(VI_1) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !",
	}, {
		name: "PASS against AH", typeB: "PASS", passB: "secret", mismatch: true,
		wantA: "(VI_1) No AH header but auth type is AH",
		wantB: "(VI_1) Received AH header but auth type not AH",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHub()
				a := h.start(t, "a", "192.0.2.1", fmt.Sprintf(confAH, 150, "AH", "secret"))
				b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confAH, 100, tt.typeB, tt.passB))
				time.Sleep(6 * time.Second)
				if a.state(t) != "MASTER" || b.state(t) != "MASTER" {
					t.Fatalf("states a=%s b=%s: each should ignore the other and be MASTER", a.state(t), b.state(t))
				}
				if !a.logs.has(tt.wantA) || !b.logs.has(tt.wantB) {
					t.Fatalf("want %q from a and %q from b:\na: %v\nb: %v", tt.wantA, tt.wantB, a.logs.lines, b.logs.lines)
				}
				for _, rn := range []*running{a, b} {
					st := rn.r.Status(context.Background())[0].Stats
					if got := map[bool]uint64{false: st.AuthFailure, true: st.AuthTypeMismatch}[tt.mismatch]; got == 0 {
						t.Errorf("%s: stats %+v: the drop is not counted", rn.name, st)
					}
					if st.AdvertRcvd != 0 {
						t.Errorf("%s accepted %d adverts", rn.name, st.AdvertRcvd)
					}
				}
			})
		})
	}
}

// TestRouterAHMasterSyncsAboveLowerPriority: a master that hears a lower
// priority master continues its sequence above the other's (keepalived's
// "Syncing seq_num"), logged after the lower priority line and before its
// answer, which the other accepts and yields to.
func TestRouterAHMasterSyncsAboveLowerPriority(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		a := h.start(t, "a", "192.0.2.1", fmt.Sprintf(confAH, 150, "AH", "secret"))
		b := h.start(t, "b", "192.0.2.2", fmt.Sprintf(confAH, 100, "AH", "secret"))
		time.Sleep(6 * time.Second)
		h.mu.Lock()
		h.cut["a"] = true // a partition: both are masters
		h.mu.Unlock()
		time.Sleep(5 * time.Second)
		if b.state(t) != "MASTER" {
			t.Fatalf("partitioned b is %s, want MASTER", b.state(t))
		}
		b.r.do(context.Background(), func(time.Time) { b.r.members[0].ahSeq.Seq = 1000 })
		h.mu.Lock()
		delete(h.cut, "a")
		h.mu.Unlock()
		time.Sleep(3 * time.Second)
		if a.state(t) != "MASTER" || b.state(t) != "BACKUP" {
			t.Fatalf("after the partition a=%s b=%s, want MASTER BACKUP", a.state(t), b.state(t))
		}
		lower := a.logs.index("(VI_1) Received advert from 192.0.2.2 with lower priority 100, ours 150")
		sync := a.logs.index("(VI_1) IPSEC-AH : Syncing seq_num - Increment seq")
		if lower < 0 || sync != lower+1 {
			t.Fatalf("lower priority line at %d, syncing at %d: want syncing right after\n%v", lower, sync, a.logs.lines)
		}
		if b.logs.has("IPSEC") {
			t.Errorf("b dropped a's answer:\n%v", b.logs.lines)
		}
	})
}

// TestAHAfterAdvert checks how a master's counter follows the state
// machine's answer to an accepted advert (vrrp_state_master_rx).
func TestAHAfterAdvert(t *testing.T) {
	lower := []Action{Log{Msg: "(VI_1) Received advert from 192.0.2.12 with lower priority 50, ours 100, forcing new election"},
		SendAdvert{Priority: 100}, NotifyMasterRxLowerPri{From: peerAddr}}
	tests := []struct {
		name      string
		backup    bool // the instance yielded
		wasMaster bool
		acts      []Action
		want      []Action
		wantSeq   packet.AHSequence
	}{{
		name: "lower priority: synced above, logged before the answer", wasMaster: true, acts: lower,
		want:    []Action{lower[0], Log{Msg: "(VI_1) IPSEC-AH : Syncing seq_num - Increment seq"}, lower[1], lower[2]},
		wantSeq: packet.AHSequence{Seq: 1002},
	}, {
		name: "equal priority, lower address, no advert", wasMaster: true,
		acts:    []Action{NotifyMasterRxLowerPri{From: peerAddr}},
		want:    []Action{Log{Msg: "(VI_1) IPSEC-AH : Syncing seq_num - Increment seq"}, NotifyMasterRxLowerPri{From: peerAddr}},
		wantSeq: packet.AHSequence{Seq: 1002},
	}, {
		name: "priority 0: answered, not synced", wasMaster: true, acts: []Action{SendAdvert{Priority: 100}},
		want: []Action{SendAdvert{Priority: 100}}, wantSeq: packet.AHSequence{Seq: 1001, Cycled: true},
	}, {
		name: "yielded: cycle cleared", wasMaster: true, backup: true, acts: []Action{Log{Msg: "x"}},
		want: []Action{Log{Msg: "x"}}, wantSeq: packet.AHSequence{Seq: 1001},
	}, {
		name: "backup: untouched", acts: lower, want: lower, wantSeq: packet.AHSequence{Seq: 1001, Cycled: true},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := mastered(t, params())
			if tc.backup {
				in.AdvertReceived(t0.Add(5*time.Second), advert(peerAddr, 200))
			}
			m := &member{cfg: &config.VRRPInstance{Name: "VI_1"}, in: in, ah: true,
				ahSeq: packet.AHSequence{Seq: 1001, Cycled: true}}
			got := ahAfterAdvert(m, tc.wasMaster, slices.Clone(tc.acts))
			wantActions(t, got, strings.Split(strings.TrimSpace(render(tc.want)), "\n")...)
			if m.ahSeq != tc.wantSeq {
				t.Errorf("counter %+v, want %+v", m.ahSeq, tc.wantSeq)
			}
		})
	}
}

// index is the position of the first line containing sub, -1 if none.
func (l *logBuf) index(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, s := range l.lines {
		if strings.Contains(s, sub) {
			return i
		}
	}
	return -1
}

// TestNewMemberAuth: auth_type AH is accepted (v2 over IPv4), auth_hmac
// is still refused with an error naming it.
func TestNewMemberAuth(t *testing.T) {
	cfg, _ := config.Parse("keepalived.conf", []byte(fmt.Sprintf(confAH, 100, "AH", "secret")), config.Options{})
	c := cfg.Instances[0]
	m, err := newMember(c, &cfg.Global)
	if err != nil {
		t.Fatalf("auth_type AH: %v", err)
	}
	if !m.ah || m.pass != packet.PassAuthData("secret") {
		t.Errorf("member ah=%v key %q, want AH keyed with the auth_pass", m.ah, m.pass)
	}
	c.Auth, c.AuthHMAC = nil, &config.VRRPAuthHMAC{}
	if _, err := newMember(c, &cfg.Global); err == nil || !strings.Contains(err.Error(), "auth_hmac is not supported") {
		t.Errorf("auth_hmac: %v, want it refused", err)
	}
}

// recConn records the packets a router sends and receives nothing.
type recConn struct {
	mu     sync.Mutex
	pkts   [][]byte
	closed chan struct{}
	once   sync.Once
}

func (c *recConn) WriteTo([]byte, netip.Addr, netip.Addr, int) error {
	return errors.New("an AH instance sent without its AH header")
}

func (c *recConn) WritePacket(pkt []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pkts = append(c.pkts, slices.Clone(pkt))
	return nil
}

func (c *recConn) ReadFrom([]byte) (int, RecvMeta, error) {
	<-c.closed
	return 0, RecvMeta{}, net.ErrClosed
}

func (c *recConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// TestRouterAHPacketsAsKeepalived checks what an AH master sends to two
// unicast peers, as keepalived's vrrp_send_adv: per advert one IPv4
// identification and one sequence number, both counting from 1; per peer
// its own destination and ICV (TTL left out: unicast); the priority 0
// advert at stop numbered next.
func TestRouterAHPacketsAsKeepalived(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const conf = `
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 255
    advert_int 1
    unicast_src_ip 192.0.2.1
    unicast_peer {
        192.0.2.2
        192.0.2.3
    }
    authentication {
        auth_type AH
        auth_pass secret
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`
		c, diags := config.Parse("keepalived.conf", []byte(conf), config.Options{})
		for _, d := range diags {
			if d.Severity >= config.Error {
				t.Fatalf("config: %v", d)
			}
		}
		conn := &recConn{closed: make(chan struct{})}
		n := &fakeNode{h: newHub(), name: "a", link: Link{Index: 1, Name: "eth0", Up: true, Addr4: mustAddr("192.0.2.1")}}
		r, err := NewRouter(c, Deps{Links: n, Addrs: n, Announcer: n, Listen: func(s SocketSpec) (Conn, error) {
			if !s.AH || !s.Unicast {
				t.Errorf("socket %+v: want a unicast AH socket", s)
			}
			return conn, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		time.Sleep(2500 * time.Millisecond) // adverts at 0 s, 1 s, 2 s
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		key := packet.PassAuthData("secret")
		var rounds []string
		for i, pkt := range conn.pkts {
			h, payload, err := packet.ParseIPv4(pkt)
			if err != nil {
				t.Fatalf("packet %d: %v", i, err)
			}
			ah, msg, err := packet.ParseAH(payload)
			if err != nil {
				t.Fatalf("packet %d: %v", i, err)
			}
			var adv packet.Advertisement
			if err := adv.Unmarshal(msg, packet.IPv4); err != nil {
				t.Fatalf("packet %d: %v", i, err)
			}
			if !packet.VerifyICV(key, pkt[:packet.IPv4HeaderLen], payload, true) || !packet.VerifyChecksum(msg, packet.PseudoHeader{}) {
				t.Errorf("packet %d: ICV or checksum does not verify", i)
			}
			if h.Protocol != packet.ProtocolAH || h.TTL != 255 || h.TOS != 0xc0 || ah.SPI != 0xc0000201 || adv.AuthType != packet.AuthAH {
				t.Errorf("packet %d: header %+v, AH %+v, auth type %d", i, h, ah, adv.AuthType)
			}
			rounds = append(rounds, fmt.Sprintf("id %d seq %d to %s prio %d", h.ID, ah.Seq, h.Dst, adv.Priority))
		}
		// Stop sends one priority 0 advert.
		want := []string{
			"id 1 seq 1 to 192.0.2.2 prio 255", "id 1 seq 1 to 192.0.2.3 prio 255",
			"id 2 seq 2 to 192.0.2.2 prio 255", "id 2 seq 2 to 192.0.2.3 prio 255",
			"id 3 seq 3 to 192.0.2.2 prio 255", "id 3 seq 3 to 192.0.2.3 prio 255",
			"id 4 seq 4 to 192.0.2.2 prio 0", "id 4 seq 4 to 192.0.2.3 prio 0",
		}
		if !slices.Equal(rounds, want) {
			t.Errorf("sent:\n%s\nwant:\n%s", strings.Join(rounds, "\n"), strings.Join(want, "\n"))
		}
	})
}
