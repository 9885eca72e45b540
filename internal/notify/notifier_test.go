package notify

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keepalived-go/keepalived/internal/config"
)

// recorder is a fake Runner and FIFO: it records what ran and what was
// written, in order.
type recorder struct {
	mu    sync.Mutex
	ran   []string
	lines []string
	block chan struct{} // when set, scripts wait on it
}

func (r *recorder) run(ctx context.Context, c Command) Result {
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
			return Result{Status: -1, Signal: 15, TimedOut: true}
		}
	}
	r.mu.Lock()
	r.ran = append(r.ran, strings.Join(c.Args, " "))
	r.mu.Unlock()
	return Result{}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.lines = append(r.lines, string(p))
	r.mu.Unlock()
	return len(p), nil
}

func TestNotifierInstanceOrder(t *testing.T) {
	rec := &recorder{}
	n := New(Options{Run: rec.run, FIFOs: FIFOs{VRRP: rec}})
	v := &config.VRRPInstance{Name: "VI_1", NotifyMaster: sc("/m"), NotifyBackup: sc("/b"), Notify: sc("/n"),
		NotifyMasterRxLowerPri: sc("/rx"), NotifyPriorityChanges: true}
	n.Instance(v, Backup, 100)
	n.Instance(v, Master, 100)
	n.MasterRxLowerPri(v, 100)
	n.PriorityChange(v, true, 70)
	n.Instance(v, Stop, 70)
	n.Close(context.Background())
	wantRan := []string{"/b", "/n INSTANCE VI_1 BACKUP 100", "/m", "/n INSTANCE VI_1 MASTER 100", "/rx", "/n INSTANCE VI_1 STOP 70"}
	wantLines := []string{
		"INSTANCE \"VI_1\" BACKUP 100\n", "INSTANCE \"VI_1\" MASTER 100\n", "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 100\n",
		"INSTANCE \"VI_1\" MASTER_PRIORITY 70\n", "INSTANCE \"VI_1\" STOP 70\n"}
	if d := cmp.Diff(wantRan, rec.ran); d != "" {
		t.Errorf("scripts (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantLines, rec.lines); d != "" {
		t.Errorf("FIFO lines (-want +got):\n%s", d)
	}
}

// TestNotifierNeverBlocks: a hanging script delays nothing but the later
// scripts of its own instance.
func TestNotifierNeverBlocks(t *testing.T) {
	rec := &recorder{block: make(chan struct{})}
	n := New(Options{Run: rec.run, FIFOs: FIFOs{All: rec}})
	v := &config.VRRPInstance{Name: "VI_1", NotifyMaster: sc("/m")}
	for i := 0; i < 100; i++ {
		n.Instance(v, Master, 100) // returns although /m never ends
	}
	close(rec.block)
	n.Close(context.Background())
	if len(rec.ran) != 100 || len(rec.lines) != 100 {
		t.Errorf("%d scripts, %d lines; want 100 each", len(rec.ran), len(rec.lines))
	}
}

func TestNotifierCloseKillsOnDeadline(t *testing.T) {
	rec := &recorder{block: make(chan struct{})}
	n := New(Options{Run: rec.run})
	n.Instance(&config.VRRPInstance{Name: "VI_1", NotifyStop: sc("/s")}, Stop, 100)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n.Close(ctx) // returns: the running script is cancelled
	n.Instance(&config.VRRPInstance{Name: "VI_1", NotifyStop: sc("/s")}, Stop, 100)
	if len(rec.ran) != 0 {
		t.Errorf("ran %v after close", rec.ran)
	}
}

func TestNotifierSyncGroupMemberNoRenotify(t *testing.T) {
	rec := &recorder{}
	n := New(Options{Run: rec.run, FIFOs: FIFOs{VRRP: rec}})
	v := &config.VRRPInstance{Name: "VI_1", SyncGroup: "G", Notify: sc("/n")}
	g := &config.VRRPSyncGroup{Name: "G", Notify: sc("/gn")}
	n.Instance(v, Master, 100)
	n.Group(g, Master)
	n.Instance(v, Master, 100) // already in the group's state
	n.Instance(v, Backup, 100)
	n.Close(context.Background())
	want := []string{"INSTANCE \"VI_1\" MASTER 100\n", "GROUP \"G\" MASTER 0\n", "INSTANCE \"VI_1\" BACKUP 100\n"}
	if d := cmp.Diff(want, rec.lines); d != "" {
		t.Errorf("lines (-want +got):\n%s", d)
	}
}

// TestNotifierWriteStatesFIFOOnly: the states re-sent after a reload
// reach both VRRP FIFOs and run no script.
func TestNotifierWriteStatesFIFOOnly(t *testing.T) {
	rec, all := &recorder{}, &recorder{}
	n := New(Options{Run: rec.run, FIFOs: FIFOs{All: all, VRRP: rec}})
	n.WriteStates([]StateOf{{Name: "VI_1", State: Master, Priority: 150}, {Name: "VI_2", State: Backup, Priority: 90}},
		[]StateOf{{Name: "G", State: Master}})
	n.Close(context.Background())
	want := []string{"INSTANCE \"VI_1\" MASTER 150\n", "INSTANCE \"VI_2\" BACKUP 90\n", "GROUP \"G\" MASTER 0\n"}
	for name, r := range map[string]*recorder{"vrrp_notify_fifo": rec, "notify_fifo": all} {
		if d := cmp.Diff(want, r.lines); d != "" {
			t.Errorf("%s lines (-want +got):\n%s", name, d)
		}
	}
	if len(rec.ran) != 0 {
		t.Errorf("scripts ran: %v", rec.ran)
	}
}

func TestNotifierCheckerLines(t *testing.T) {
	rec := &recorder{}
	all := &recorder{}
	n := New(Options{Run: rec.run, FIFOs: FIFOs{All: all, LVS: rec}})
	n.RealServer(RealServerChange{RS: "[192.0.2.2]:tcp:80", VS: "[192.0.2.1]:tcp:80", Up: false, Script: sc("/down")})
	n.VirtualServer(VirtualServerChange{VS: "[192.0.2.1]:tcp:80", Up: false})
	n.Instance(&config.VRRPInstance{Name: "VI_1"}, Master, 100)
	n.Close(context.Background())
	want := []string{"RS [192.0.2.2]:tcp:80 [192.0.2.1]:tcp:80 DOWN\n\x00", "VS [192.0.2.1]:tcp:80 DOWN\n\x00"}
	if d := cmp.Diff(want, rec.lines); d != "" {
		t.Errorf("lvs fifo (-want +got):\n%s", d)
	}
	if len(all.lines) != 3 {
		t.Errorf("notify_fifo got %q, want the 3 lines", all.lines)
	}
	if !cmp.Equal(rec.ran, []string{"/down"}) {
		t.Errorf("ran %v", rec.ran)
	}
}

// fakeSMTP is an in-process SMTP server on 127.0.0.1 recording sessions.
type fakeSMTP struct {
	ln       net.Listener
	mu       sync.Mutex
	sessions [][]string // commands and the DATA text
	reject   string     // command to answer 550
	wg       sync.WaitGroup
}

func newFakeSMTP(t *testing.T) *fakeSMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip(err)
	}
	s := &fakeSMTP{ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *fakeSMTP) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.session(c) }()
	}
}

func (s *fakeSMTP) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	var log []string
	recorded := false
	record := func() {
		if !recorded {
			recorded = true
			s.mu.Lock()
			s.sessions = append(s.sessions, log)
			s.mu.Unlock()
		}
	}
	defer record()
	c.Write([]byte("220-fake.example ESMTP\r\n220 ready\r\n"))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		log = append(log, line)
		cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		if s.reject != "" && strings.HasPrefix(line, s.reject) {
			c.Write([]byte("550 no\r\n"))
			continue
		}
		switch cmd {
		case "DATA":
			c.Write([]byte("354 go ahead\r\n"))
			var data bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			log = append(log, data.String())
			c.Write([]byte("250 queued\r\n"))
		case "QUIT":
			record() // before the reply: the client returns on it
			c.Write([]byte("221 bye\r\n"))
			return
		default:
			c.Write([]byte("250 ok\r\n"))
		}
	}
}

func (s *fakeSMTP) got() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.sessions...)
}

func TestSMTPSendAlert(t *testing.T) {
	srv := newFakeSMTP(t)
	host, port, _ := net.SplitHostPort(srv.ln.Addr().String())
	g := &config.Global{
		SMTPServer: &config.SMTPServer{Host: host, Port: parsePort(port)}, SMTPHeloName: "lb1.example",
		NotificationEmailFrom: "Keepalived <ka@example.org>", NotificationEmail: []string{"ops@example.org", "b@example.org"},
		SMTPConnectTimeout: 5 * config.Second,
	}
	mail := MailFromConfig(g, "root@lb1", nil)
	mail.Now = func() time.Time { return time.Date(2021, 3, 1, 9, 44, 8, 0, time.UTC) }
	var logs bytes.Buffer
	n := New(Options{Mail: mail, RouterID: "LB1", Log: testLogger(&logs)})
	v := &config.VRRPInstance{Name: "VI_1", SMTPAlert: true}
	n.Instance(v, Master, 100)
	n.Instance(v, Master, 100) // same state: no second mail
	n.Close(context.Background())
	sessions := srv.got()
	if len(sessions) != 1 {
		t.Fatalf("%d sessions, want 1; logs %s", len(sessions), logs.String())
	}
	want := []string{
		"HELO lb1.example",
		"MAIL FROM:<ka@example.org>",
		"RCPT TO:<ops@example.org>",
		"RCPT TO:<b@example.org>",
		"DATA",
		"Date: Mon, 01 Mar 2021 09:44:08 +0000\r\n" +
			"From: Keepalived <ka@example.org>\r\n" +
			"Subject: [LB1] VRRP Instance VI_1 - Entering MASTER state\r\n" +
			"X-Mailer: Keepalived\r\n" +
			"To: ops@example.org,\r\n b@example.org\r\n" +
			"\r\n" +
			"=> VRRP Instance is now owning VRRP VIPs <=\r\n" +
			"\r\n",
		"QUIT",
	}
	if d := cmp.Diff(want, sessions[0]); d != "" {
		t.Errorf("session (-want +got):\n%s", d)
	}
}

func TestSMTPErrors(t *testing.T) {
	srv := newFakeSMTP(t)
	srv.reject = "RCPT"
	m := &SMTP{Server: srv.ln.Addr().String(), From: "a@b", To: []string{"c@d"}, Timeout: 5 * time.Second}
	err := m.Send(context.Background(), Mail{Subject: "s", Body: "b"})
	want := "Error processing RCPT cmd on SMTP server [127.0.0.1]:" + portOf(srv.ln) + ". SMTP status code = 550"
	if err == nil || err.Error() != want {
		t.Errorf("Send = %v, want %q", err, want)
	}

	// A closed port: logged, never blocking a transition.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	var logs bytes.Buffer
	n := New(Options{Mail: &SMTP{Server: addr, From: "a@b", To: []string{"c@d"}, Timeout: 2 * time.Second}, Log: testLogger(&logs)})
	n.Instance(&config.VRRPInstance{Name: "VI_1", SMTPAlert: true}, Fault, 100)
	n.Close(context.Background())
	if !strings.Contains(logs.String(), "SMTP connection ERROR to [127.0.0.1]:") {
		t.Errorf("logs %q, want the connection error", logs.String())
	}
}

func TestNoEmailFaults(t *testing.T) {
	srv := newFakeSMTP(t)
	n := New(Options{Mail: &SMTP{Server: srv.ln.Addr().String(), From: "a@b", To: []string{"c@d"}}, NoEmailFaults: true})
	n.Instance(&config.VRRPInstance{Name: "VI_1", SMTPAlert: true}, Fault, 100)
	n.Group(&config.VRRPSyncGroup{Name: "G", SMTPAlert: true}, Backup)
	n.Close(context.Background())
	sessions := srv.got()
	if len(sessions) != 1 || !strings.Contains(sessions[0][4], "Subject: [] VRRP Group G - Entering BACKUP state\r\n") {
		t.Errorf("sessions %q, want only the group's BACKUP mail", sessions)
	}
}

func TestReadReply(t *testing.T) {
	tests := []struct {
		in   string
		code int
		ok   bool
	}{
		{"220 ready\r\n", 220, true},
		{"250-a\r\n250-b\r\n250 c\r\n", 250, true},
		{"250\r\n", 250, true},
		{"25\r\n", 0, false},
		{"abc def\r\n", 0, false},
		{"250x\r\n", 0, false},
		{"250-a\r\n", 0, false}, // EOF before the last line
	}
	for _, tt := range tests {
		code, err := ReadReply(bufio.NewReader(strings.NewReader(tt.in)))
		if code != tt.code || (err == nil) != tt.ok {
			t.Errorf("ReadReply(%q) = %d, %v", tt.in, code, err)
		}
	}
}

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"220 ready\r\n", "250-a\r\n250 b\r\n", "550\r\n", "+00 x\r\n", "999 x\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := ReadReply(bufio.NewReader(strings.NewReader(s)))
		if err == nil && (code < 100 || code > 599) {
			t.Fatalf("code %d from %q", code, s)
		}
	})
}

func TestAngle(t *testing.T) {
	for in, want := range map[string]string{"a@b": "<a@b>", "Name <a@b>": "<a@b>", "<a@b>": "<a@b>", "x>": "<x>>"} {
		if got := angle(in); got != want {
			t.Errorf("angle(%q) = %q, want %q", in, got, want)
		}
	}
}
