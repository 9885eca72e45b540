package lab

import (
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLabConnectsNodesAndCleansUp(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	l, err := New("kgolabtest")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Node("a", "192.0.2.1/24"); err != nil {
		t.Fatal(err)
	}
	if err := l.Node("b", "192.0.2.2/24", "2001:db8::2/64"); err != nil {
		t.Fatal(err)
	}
	if !l.HasAddr("b", netip.MustParseAddr("2001:db8::2")) {
		t.Fatal("b lacks its IPv6 address")
	}
	var ln net.Listener
	if err := l.Do("b", func() (err error) { ln, err = net.Listen("tcp", "192.0.2.2:8080"); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	var got []byte
	if err := l.Do("a", func() error {
		c, err := net.DialTimeout("tcp", "192.0.2.2:8080", 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		got, err = io.ReadAll(c)
		return err
	}); err != nil || string(got) != "hi" {
		t.Fatalf("a -> b: %q, %v", got, err)
	}
	// A process started in a node lives in its namespace and dies with
	// the lab.
	cmd := exec.Command("sleep", "60")
	if err := l.Start("a", cmd); err != nil {
		t.Fatal(err)
	}
	self, _ := os.Readlink("/proc/self/ns/net")
	child, _ := os.Readlink("/proc/" + itoa(cmd.Process.Pid) + "/ns/net")
	if child == "" || child == self {
		t.Fatalf("child netns %q, ours %q", child, self)
	}
	l.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the lab's process survived Close")
	}
	entries, _ := os.ReadDir(netnsDir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "kgolabtest-") {
			t.Fatalf("namespace %s left behind", e.Name())
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
