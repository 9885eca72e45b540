package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// confAH is a VRRPv2 instance with auth_type AH. keepalived clears "state
// MASTER" for AH instances that are not the address owner, so every node
// starts BACKUP.
const confAH = `
global_defs {
    router_id %[1]s
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority %[2]d
    advert_int 1
    authentication {
        auth_type AH
        auth_pass %[3]s
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`

// ahComplaints are the lines either daemon logs about an advert it
// refuses: AH, authentication, checksum, length, version, and
// keepalived's "bogus" packet lines.
var ahComplaints = []string{"IPSEC", "AH header", "auth", "passwd", "bogus", "invalid", "nvalid VRRP", "checksum",
	"too short", "too long", "wrong", "mismatch"}

// complaint returns the first line of out naming a refused advert.
func complaint(out string) string {
	for line := range strings.SplitSeq(out, "\n") {
		for _, c := range ahComplaints {
			if strings.Contains(line, c) {
				return line
			}
		}
	}
	return ""
}

// TestInteropKeepalivedAH: our daemon and Debian's keepalived 2.2.7 in one
// virtual router with auth_type AH (IPsec AH, HMAC-MD5-96, sequence
// numbers), each master in turn, the AH sequence carried across every
// handover without a refused advert on either side; then a different
// auth_pass, which both detect.
func TestInteropKeepalivedAH(t *testing.T) {
	l := newLab(t)
	ours, theirs := ourBinary(t), realKeepalived(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	clean := func(step string) {
		t.Helper()
		if c := complaint(a.out.String()); c != "" {
			t.Fatalf("%s: we refused keepalived's adverts: %s", step, c)
		}
		if c := complaint(b.out.String()); c != "" {
			t.Fatalf("%s: keepalived refused our adverts: %s", step, c)
		}
	}

	// Ours MASTER, keepalived BACKUP: keepalived accepts our adverts and
	// stays BACKUP.
	a.start(ours, fmt.Sprintf(confAH, "a", 150, "s3cret"))
	b.start(theirs, fmt.Sprintf(confAH, "b", 100, "s3cret"))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)
	time.Sleep(3 * time.Second)
	if h := holders("192.0.2.100", a, b); len(h) != 1 || h[0] != "a" {
		t.Fatalf("VIP held by %v, want [a]", h)
	}
	if b.out.contains("Entering MASTER STATE") {
		t.Fatalf("keepalived became master beside us: it ignored our AH adverts")
	}
	clean("ours master")

	// Ours crashes (a dead machine: killed, link down): keepalived takes
	// over after Master_Down_Interval, numbering above our last advert.
	a.kill()
	a.ns.IP("link", "set", "eth0", "down")
	waitFor(t, 10*time.Second, "keepalived to take over", func() bool { return b.hasAddr("192.0.2.100") })
	a.ns.IP("link", "set", "eth0", "up")

	// Ours comes back with a lower priority and a fresh counter: it follows
	// keepalived's numbers as BACKUP.
	a.start(ours, fmt.Sprintf(confAH, "a", 50, "s3cret"))
	waitHolder(t, 10*time.Second, "192.0.2.100", b, a, b) // our stale VIP removed at start
	time.Sleep(4 * time.Second)
	if h := holders("192.0.2.100", a, b); len(h) != 1 || h[0] != "b" {
		t.Fatalf("VIP held by %v, want [b]: we must accept keepalived's AH adverts", h)
	}
	clean("keepalived master")

	// keepalived stops (priority 0): ours takes over; keepalived returns
	// with the higher priority, starts from our numbers and preempts us.
	b.stop()
	waitHolder(t, 5*time.Second, "192.0.2.100", a, a, b)
	b.start(theirs, fmt.Sprintf(confAH, "b", 100, "s3cret"))
	waitHolder(t, 10*time.Second, "192.0.2.100", b, a, b)
	if !a.out.contains("(VI_1) Master received advert from 192.0.2.2 with higher priority 100, ours 50") {
		t.Errorf("we did not log yielding to keepalived")
	}
	clean("keepalived preempts")

	// A different auth_pass: each refuses the other's ICV, says so, and
	// both end up master.
	a.stop()
	a.start(ours, fmt.Sprintf(confAH, "a", 150, "other"))
	const badICV = "(VI_1) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"
	waitFor(t, 10*time.Second, "both to refuse the other's ICV", func() bool {
		return a.out.contains(badICV) && b.out.contains(badICV)
	})
	waitFor(t, 10*time.Second, "both to be master", func() bool { return a.hasAddr("192.0.2.100") && b.hasAddr("192.0.2.100") })
}

const confAHUnicast = `
global_defs {
    router_id %[1]s
}
vrrp_instance VI_U {
    state BACKUP
    interface eth0
    virtual_router_id 71
    priority %[2]d
    advert_int 1
    unicast_src_ip %[3]s
    unicast_peer {
        %[4]s
    }
    authentication {
        auth_type AH
        auth_pass s3cret
    }
    virtual_ipaddress {
        192.0.2.110/24
    }
}
`

// TestInteropKeepalivedAHUnicast: AH between unicast peers (the ICV then
// leaves the TTL out), keepalived master then ours, neither refusing the
// other's adverts.
func TestInteropKeepalivedAHUnicast(t *testing.T) {
	l := newLab(t)
	ours, theirs := ourBinary(t), realKeepalived(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	a.start(ours, fmt.Sprintf(confAHUnicast, "a", 100, "192.0.2.1", "192.0.2.2"))
	b.start(theirs, fmt.Sprintf(confAHUnicast, "b", 150, "192.0.2.2", "192.0.2.1"))
	waitHolder(t, 10*time.Second, "192.0.2.110", b, a, b)
	time.Sleep(3 * time.Second)
	if h := holders("192.0.2.110", a, b); len(h) != 1 || h[0] != "b" {
		t.Fatalf("VIP held by %v, want [b]", h)
	}
	b.stop()
	waitHolder(t, 5*time.Second, "192.0.2.110", a, a, b)
	b.start(theirs, fmt.Sprintf(confAHUnicast, "b", 50, "192.0.2.2", "192.0.2.1"))
	time.Sleep(5 * time.Second)
	if h := holders("192.0.2.110", a, b); len(h) != 1 || h[0] != "a" {
		t.Fatalf("VIP held by %v, want [a]: keepalived must accept our unicast AH adverts", h)
	}
	if c := complaint(a.out.String()); c != "" {
		t.Errorf("we refused keepalived's adverts: %s", c)
	}
	if c := complaint(b.out.String()); c != "" {
		t.Errorf("keepalived refused our adverts: %s", c)
	}
}
