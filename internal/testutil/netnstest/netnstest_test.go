package netnstest

import (
	"io"
	"net"
	"testing"
	"time"
)

func TestLANConnectsNodes(t *testing.T) {
	lan := NewLAN(t, "lan")
	a, b := New(t, "a"), New(t, "b")
	lan.Attach(a, "eth0")
	lan.Attach(b, "eth0")
	a.IP("addr", "add", "192.0.2.1/24", "dev", "eth0")
	b.IP("addr", "add", "192.0.2.2/24", "dev", "eth0")
	var ln net.Listener
	if err := b.Do(func() (err error) {
		ln, err = net.Listen("tcp", "192.0.2.2:0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			_, _ = c.Write([]byte("hello"))
			c.Close()
		}
	}()
	var got []byte
	if err := a.Do(func() error {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		got, err = io.ReadAll(c)
		return err
	}); err != nil {
		t.Fatalf("TCP across the LAN: %v", err)
	}
	if string(got) != "hello" {
		t.Fatalf("read %q across the LAN, want hello", got)
	}
}

func TestDoEntersNamespace(t *testing.T) {
	ns := New(t, "do")
	ns.IP("link", "add", "x0", "type", "bridge")
	err := ns.Do(func() error {
		_, err := net.InterfaceByName("x0")
		return err
	})
	if err != nil {
		t.Fatalf("x0 not seen inside the namespace: %v", err)
	}
	if _, err := net.InterfaceByName("x0"); err == nil {
		t.Fatal("x0 seen outside the namespace")
	}
}
