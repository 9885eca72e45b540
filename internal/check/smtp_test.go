package check

import (
	"bufio"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// fakeSMTP serves each connection with banner, then answers HELO with
// helo and QUIT with "221 bye"; it records the commands received.
func fakeSMTP(t *testing.T, banner, helo string) (netip.AddrPort, func() []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				c.Write([]byte(banner))
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					mu.Lock()
					got = append(got, line)
					mu.Unlock()
					if strings.HasPrefix(line, "QUIT") {
						c.Write([]byte("221 bye\r\n"))
						return
					}
					c.Write([]byte(helo))
				}
			})
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return netip.MustParseAddrPort(ln.Addr().String()), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

func TestSMTPCheck(t *testing.T) {
	tests := []struct {
		name, banner, helo string
		ok                 bool
		log                string
		cmds               string
	}{
		{"good", "220 mail.example.com ESMTP\r\n", "250 hello\r\n", true, "", "HELO chk.example.com\r\n|QUIT\r\n"},
		{"bad banner", "554 go away\r\n", "250 hello\r\n", false, "Bad greeting banner from server ", ""},
		{"multi-line banner refused as keepalived does", "220-first\r\n220 second\r\n", "250 hi\r\n", false, "Bad greeting banner from server ", ""},
		{"bad HELO", "220 ok\r\n", "501 no\r\n", false, "Bad HELO response from server ", "HELO chk.example.com\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ap, cmds := fakeSMTP(t, tt.banner, tt.helo)
			p := probeOf(t, rsConf(ap, "SMTP_CHECK {\nhelo_name chk.example.com\n}"), Options{})
			r := probe(t, p)
			wantLog := ""
			if tt.log != "" {
				wantLog = tt.log + Trio(ap.Addr(), "TCP", ap.Port())
			}
			if r.OK != tt.ok || r.Log != wantLog {
				t.Errorf("ok=%v log=%q, want ok=%v log=%q", r.OK, r.Log, tt.ok, wantLog)
			}
			if tt.ok {
				if got := strings.Join(cmds(), "|"); got != tt.cmds {
					t.Errorf("commands %q, want %q", got, tt.cmds)
				}
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		ap := closedPort(t)
		r := probe(t, probeOf(t, rsConf(ap, "SMTP_CHECK {\n}"), Options{}))
		if r.OK || r.Log != "Error connecting to server "+Trio(ap.Addr(), "TCP", ap.Port()) || r.Reason != "connection refused" {
			t.Errorf("%+v", r)
		}
	})
	t.Run("silent", func(t *testing.T) {
		ap := silentListener(t)
		r := probe(t, probeOf(t, rsConf(ap, "SMTP_CHECK {\nconnect_timeout 0.2\n}"), Options{}))
		if r.OK || r.Log != "Read timeout from server "+Trio(ap.Addr(), "TCP", ap.Port()) {
			t.Errorf("%+v", r)
		}
	})
}

func TestSMTPStatus(t *testing.T) {
	for line, want := range map[string]int{
		"220 ok": 220, "220": 220, "220-more": -1, "22": -1, "2a0 x": -1, "250\r": -1, "": -1, "1234": -1,
	} {
		if got := SMTPStatus([]byte(line)); got != want {
			t.Errorf("SMTPStatus(%q) = %d, want %d", line, got, want)
		}
	}
}

func FuzzSMTPStatus(f *testing.F) {
	for _, s := range []string{"220 ok", "250", "220-x", "", "999 \xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		n := SMTPStatus(line)
		if n != -1 && (n < 0 || n > 999 || len(line) < 3) {
			t.Fatalf("SMTPStatus(%q) = %d", line, n)
		}
	})
}
