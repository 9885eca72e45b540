package check

import (
	"bytes"
	"context"
	"net"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// smtpBuffMax is keepalived's SMTP_BUFF_MAX: a line longer than this
// wraps the buffer.
const smtpBuffMax = 512

// SMTPStatus reads a reply's status as keepalived's smtp_get_status: three
// digits followed by a space or the end of the line; -1 otherwise (so a
// continuation line "220-..." is not a status). line has no newline.
func SMTPStatus(line []byte) int {
	if len(line) < 3 || (len(line) > 3 && line[3] != ' ') {
		return -1
	}
	n := 0
	for _, c := range line[:3] {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// smtpProber is SMTP_CHECK: read the banner (220), send HELO (250), send
// QUIT and read one line. As keepalived, only the first line of each
// reply is read.
func (m *Manager) smtpProber(vs *config.VirtualServer, c *config.SMTPCheck) Prober {
	ep := endpointsOf(c.CheckConn)
	name := Trio(c.ConnectIP, vs.Protocol, c.ConnectPort)
	d := m.opts.Dialer
	helo := []byte("HELO " + c.HeloName + "\r\n")
	timeout := c.ConnectTimeout.Std()
	fail := func(msg, reason string) Result {
		return Result{Reason: reason, Log: msg + " server " + name}
	}
	return ProberFunc(func(ctx context.Context) Result {
		conn, err := ep.dial(ctx, d, "tcp")
		if err != nil {
			if isTimeout(err) {
				return fail("Connection timeout to", "timeout")
			}
			return fail("Error connecting to", Reason(err))
		}
		defer conn.Close()
		stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
		defer stop()
		s := smtpSession{conn: conn, timeout: timeout}
		steps := []struct {
			send []byte
			want int
			bad  string
		}{
			{nil, 220, "Bad greeting banner from"},
			{helo, 250, "Bad HELO response from"},
			{[]byte("QUIT\r\n"), -2, ""},
		}
		for _, st := range steps {
			if st.send != nil {
				if err := s.write(st.send); err != nil {
					if isTimeout(err) {
						return fail("Write timeout to", "timeout")
					}
					return fail("Write failure to", Reason(err))
				}
			}
			line, err := s.readLine()
			if err != nil {
				if isTimeout(err) {
					return fail("Read timeout from", "timeout")
				}
				return fail("Read failure from", Reason(err))
			}
			if st.want != -2 && SMTPStatus(line) != st.want {
				return fail(st.bad, "reply "+string(firstN(line, 40)))
			}
		}
		return Result{OK: true}
	})
}

func firstN(b []byte, n int) []byte { return b[:min(len(b), n)] }

// smtpSession reads lines as keepalived's smtp_get_line_cb: until a
// newline, the rest of that read discarded.
type smtpSession struct {
	conn    net.Conn
	timeout time.Duration
}

func (s *smtpSession) write(b []byte) error {
	setDeadline(s.conn, s.timeout)
	_, err := s.conn.Write(b)
	return err
}

func (s *smtpSession) readLine() ([]byte, error) {
	buf := make([]byte, 0, smtpBuffMax)
	for {
		setDeadline(s.conn, s.timeout)
		if len(buf) >= smtpBuffMax-1 {
			buf = buf[:0]
		}
		n, err := s.conn.Read(buf[len(buf) : smtpBuffMax-1])
		if n <= 0 {
			if err == nil {
				continue
			}
			return nil, err
		}
		buf = buf[:len(buf)+n]
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			return buf[:i], nil // with its \r, as keepalived
		}
	}
}
