package nft

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// TestIntegrationNotrack: with the notrack table, the director's marked
// connections to a real server work and leave no conntrack entry, in
// either direction (the server's answer and close come back untracked);
// an unmarked one, and the director's own connection to the VIP (whose
// NAT must be undone on the way back), are tracked and work. A new mark
// replaces the rules; mark 0 removes the table.
func TestIntegrationNotrack(t *testing.T) {
	l := newLab(t)
	r := lvs.NewReconciler(l.dp)
	if _, err := r.Start(service("rr", 0, dest(11, 1)), true); err != nil {
		t.Fatal(err) // its NAT hooks turn conntrack on in the director
	}
	const mark = 0x4b47
	if err := setNotrack(l.dp.conn, mark); err != nil {
		t.Fatal(err)
	}
	entries := func() int {
		t.Helper()
		n, err := strconv.Atoi(strings.TrimSpace(l.director.Exec("cat", "/proc/sys/net/netfilter/nf_conntrack_count")))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	get := func(addr string, mark uint32) string {
		t.Helper()
		var body string
		err := l.director.Do(func() error {
			d := net.Dialer{Timeout: 2 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
				var serr error
				if err := c.Control(func(fd uintptr) {
					if mark != 0 {
						serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(mark))
					}
				}); err != nil {
					return err
				}
				return serr
			}}
			c, err := d.Dial("tcp4", addr)
			if err != nil {
				return err
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
			b, err := io.ReadAll(c)
			body = string(b[strings.LastIndex(string(b), "\n")+1:])
			return err
		})
		if err != nil {
			t.Fatalf("GET %s (mark %#x): %v", addr, mark, err)
		}
		return body
	}

	base := entries()
	if got := get("198.51.100.11:8080", mark); got != "rs1" {
		t.Errorf("marked GET: %q, want rs1", got)
	}
	if n := entries(); n != base {
		t.Errorf("a marked connection left %d conntrack entries, want none", n-base)
	}
	if got := get("198.51.100.11:8080", 0); got != "rs1" {
		t.Errorf("unmarked GET: %q, want rs1", got)
	}
	if n := entries(); n != base+1 {
		t.Errorf("an unmarked connection: %d conntrack entries, want 1", n-base)
	}
	if got := get("192.0.2.100:80", 0); got != "rs1" {
		t.Errorf("the director's GET of the VIP: %q, want rs1 (DNAT)", got)
	}
	if n := entries(); n != base+2 {
		t.Errorf("with the VIP's: %d conntrack entries, want 2", n-base)
	}

	if err := setNotrack(l.dp.conn, 7); err != nil {
		t.Fatal(err)
	}
	list := l.director.Exec("nft", "list", "table", "inet", NotrackTableName)
	for _, want := range []string{"type filter hook output priority raw", "meta mark 0x00000007 notrack",
		"type filter hook prerouting priority raw", "socket mark 0x00000007 notrack"} {
		if !strings.Contains(list, want) {
			t.Errorf("table after SetNotrack(7) has no %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "4b47") {
		t.Errorf("the earlier mark's rules stayed:\n%s", list)
	}
	for range 2 { // the second finds no table to delete
		if err := setNotrack(l.dp.conn, 0); err != nil {
			t.Fatal(err)
		}
	}
	tables, err := l.dp.conn.ListTables()
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if tb.Name == NotrackTableName {
			t.Errorf("table %s stays after SetNotrack(0)", tb.Name)
		}
	}
	if got := get("198.51.100.11:8080", mark); got != "rs1" || entries() != base+3 {
		t.Errorf("without the table a marked connection: %q, %d entries, want rs1 tracked (3)", got, entries()-base)
	}
}

// TestBatchErrorIsOneLine: the errors google/nftables joins (one line
// each) read as one line, and errors.Is still finds the errno.
func TestBatchErrorIsOneLine(t *testing.T) {
	joined := fmt.Errorf("conn.Receive: %w", errors.Join(errors.Join(&netlink.OpError{Op: "receive", Err: unix.ENOENT}),
		&netlink.OpError{Op: "receive", Err: unix.ENOENT}))
	err := fmt.Errorf("table inet %s: %w", NotrackTableName, batchError{joined})
	want := "table inet keepalived_go_notrack: conn.Receive: netlink receive: no such file or directory; netlink receive: no such file or directory"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	if !errors.Is(err, unix.ENOENT) {
		t.Error("errors.Is(ENOENT) is false through batchError")
	}
}
