package vrrp

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// confGarp is an address owner (MASTER at once) with two IPv4 VIPs, one
// IPv6 excluded VIP and three messages per address in a burst; %s is more
// global_defs and %s more top-level blocks.
const confGarp = `
global_defs {
    vrrp_garp_master_repeat 3
    vrrp_garp_master_delay 0
    %s
}
%s
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 255
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
        192.0.2.101/24 %s
    }
    virtual_ipaddress_excluded {
        2001:db8::100/64
    }
}
`

// sentSince renders the announcements from start as "+OFFSET DEV ADDR"
// lines, in order.
func (h *hub) sentSince(start time.Time) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, a := range h.sent {
		fmt.Fprintf(&b, "+%v %s %s\n", a.at.Sub(start), a.dev, a.addr)
	}
	return b.String()
}

func TestGratuitousBurstWithoutIntervalIsImmediate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		start := time.Now()
		h.start(t, "a", "192.0.2.1", fmt.Sprintf(confGarp, "", "", ""))
		time.Sleep(2 * time.Second)
		want := strings.Repeat("+0s eth0 192.0.2.100\n+0s eth0 192.0.2.101\n+0s eth0 2001:db8::100\n", 3)
		if got := h.sentSince(start); sameInstantSorted(got) != sameInstantSorted(want) {
			t.Fatalf("announcements:\n%s\nwant:\n%s", got, want)
		}
	})
}

func TestGratuitousBurstSpacedByGarpAndGnaInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		start := time.Now()
		h.start(t, "a", "192.0.2.1", fmt.Sprintf(confGarp, "vrrp_garp_interval 0.1\n    vrrp_gna_interval 0.25", "", ""))
		time.Sleep(2 * time.Second)
		// ARPs one per 100 ms, NAs one per 250 ms, each family on its
		// own pacer; no message is dropped, the burst keeps its order.
		want := "+0s eth0 192.0.2.100\n" +
			"+0s eth0 2001:db8::100\n" +
			"+100ms eth0 192.0.2.101\n" +
			"+200ms eth0 192.0.2.100\n" +
			"+250ms eth0 2001:db8::100\n" +
			"+300ms eth0 192.0.2.101\n" +
			"+400ms eth0 192.0.2.100\n" +
			"+500ms eth0 192.0.2.101\n" +
			"+500ms eth0 2001:db8::100\n"
		if got := h.sentSince(start); sameInstantSorted(got) != sameInstantSorted(want) {
			t.Fatalf("announcements:\n%s\nwant:\n%s", got, want)
		}
	})
}

func TestGratuitousGarpGroupInterfacesShareOneGap(t *testing.T) {
	tests := []struct {
		name, group, want string
	}{{
		name:  "interfaces block: one gap for both",
		group: "garp_group {\n    garp_interval 0.2\n    interfaces {\n        eth0\n        eth1\n    }\n}",
		want: "+0s eth0 192.0.2.100\n+0s eth0 2001:db8::100\n+0s eth0 2001:db8::100\n+0s eth0 2001:db8::100\n" +
			"+200ms eth0 192.0.2.100\n+400ms eth0 192.0.2.100\n" +
			"+600ms eth1 192.0.2.101\n+800ms eth1 192.0.2.101\n+1s eth1 192.0.2.101\n",
	}, {
		name:  "interface lines: a gap each",
		group: "garp_group {\n    garp_interval 0.2\n    interface eth0\n}\ngarp_group {\n    garp_interval 0.2\n    interface eth1\n}",
		want: "+0s eth0 192.0.2.100\n+0s eth0 2001:db8::100\n+0s eth0 2001:db8::100\n+0s eth0 2001:db8::100\n" +
			"+0s eth1 192.0.2.101\n" +
			"+200ms eth0 192.0.2.100\n+200ms eth1 192.0.2.101\n" +
			"+400ms eth0 192.0.2.100\n+400ms eth1 192.0.2.101\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHub()
				start := time.Now()
				h.start(t, "a", "192.0.2.1", fmt.Sprintf(confGarp, "", tt.group, "dev eth1"))
				time.Sleep(2 * time.Second)
				if got := h.sentSince(start); sameInstantSorted(got) != sameInstantSorted(tt.want) {
					t.Fatalf("announcements:\n%s\nwant:\n%s", got, tt.want)
				}
			})
		})
	}
}

func TestGratuitousQueueDroppedWhenLeavingMaster(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub()
		start := time.Now()
		conf := strings.Replace(fmt.Sprintf(confGarp, "vrrp_garp_interval 1\n    vrrp_gna_interval 1", "", ""), "vrrp_garp_master_repeat 3", "vrrp_garp_master_repeat 1", 1)
		a := h.start(t, "a", "192.0.2.1", conf)
		time.Sleep(500 * time.Millisecond)
		a.stop(t)
		time.Sleep(3 * time.Second)
		// 192.0.2.101 was queued behind 192.0.2.100; the stop drops it.
		want := "+0s eth0 192.0.2.100\n+0s eth0 2001:db8::100\n"
		if got := h.sentSince(start); sameInstantSorted(got) != sameInstantSorted(want) {
			t.Fatalf("announcements:\n%s\nwant:\n%s", got, want)
		}
	})
}

// sameInstantSorted sorts each run of lines of a sentSince rendering
// that share one offset. Two pacers (ARP and NA, or two interfaces)
// firing at the same instant run in either order; the time order of the
// rendering is kept.
func sameInstantSorted(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	offset := func(l string) string { return strings.SplitN(l, " ", 2)[0] }
	for i := 0; i < len(lines); {
		j := i + 1
		for j < len(lines) && offset(lines[j]) == offset(lines[i]) {
			j++
		}
		slices.Sort(lines[i:j])
		i = j
	}
	return strings.Join(lines, "\n")
}
