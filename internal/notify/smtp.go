package notify

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Mail is one alert: keepalived's subject and body.
type Mail struct {
	Subject string
	Body    string
}

// Dialer opens the TCP connection to the SMTP server; net.Dialer's
// DialContext fits.
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// SMTP is how alerts are sent (global_defs smtp_server, smtp_helo_name,
// notification_email_from, notification_email, smtp_connect_timeout).
type SMTP struct {
	// Server is host:port.
	Server string
	// Helo is the HELO name ("" = "localhost", as keepalived).
	Helo string
	From string
	To   []string
	// Timeout bounds the connection and each reply (keepalived's
	// smtp_connect_timeout, default 30 s).
	Timeout time.Duration
	Dial    Dialer
	// Now stamps the Date header (nil = time.Now).
	Now func() time.Time
}

// LogError is a failure to send an alert: Line is keepalived's log line,
// Err the cause.
type LogError struct {
	Line string
	Err  error
}

// Error is keepalived's line.
func (e *LogError) Error() string { return e.Line }

// Unwrap returns the cause.
func (e *LogError) Unwrap() error { return e.Err }

// SMTPError is a reply with an unexpected code.
type SMTPError struct {
	Cmd    string // HELO, MAIL, RCPT, DATA, BODY, QUIT
	Server string
	Code   int
}

// Error is keepalived's log line.
func (e *SMTPError) Error() string {
	return fmt.Sprintf("Error processing %s cmd on SMTP server %s. SMTP status code = %d", e.Cmd, e.Server, e.Code)
}

// ReadReply reads one SMTP reply (RFC 5321 4.2: lines "CODE-text"
// continue, "CODE text" ends) and returns the code of its last line.
func ReadReply(r *bufio.Reader) (int, error) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		code, last, err := parseReplyLine(line)
		if err != nil {
			return 0, err
		}
		if last {
			return code, nil
		}
	}
}

// parseReplyLine reads "250-text", "250 text" or "250".
func parseReplyLine(line string) (code int, last bool, err error) {
	line = strings.TrimRight(line, "\r\n")
	if len(line) < 3 {
		return 0, false, fmt.Errorf("short SMTP reply %q", line)
	}
	code, err = strconv.Atoi(line[:3])
	if err != nil || code < 100 || code > 599 || line[0] == '+' {
		return 0, false, fmt.Errorf("bad SMTP reply code in %q", line)
	}
	if len(line) == 3 || line[3] == ' ' {
		return code, true, nil
	}
	if line[3] == '-' {
		return code, false, nil
	}
	return 0, false, fmt.Errorf("bad SMTP reply %q", line)
}

// angle puts an address in <> unless it already ends with one
// ("Name <a@b>" sends "<a@b>"), as keepalived's mail_cmd/rcpt_cmd.
func angle(addr string) string {
	if strings.HasSuffix(addr, ">") {
		if i := strings.LastIndexByte(addr, '<'); i >= 0 {
			return addr[i:]
		}
	}
	return "<" + addr + ">"
}

// Message renders the DATA part keepalived sends (body_cmd): Date, From,
// Subject, X-Mailer and To headers, the body and the final dot.
func (s *SMTP) Message(m Mail) string {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Date: %s\r\nFrom: %s\r\nSubject: %s\r\nX-Mailer: Keepalived\r\nTo:",
		now().Format("Mon, 02 Jan 2006 15:04:05 -0700"), s.From, m.Subject)
	for i, to := range s.To {
		sep := ""
		if i > 0 {
			sep = ",\r\n"
		}
		fmt.Fprintf(&b, "%s %s", sep, to)
	}
	fmt.Fprintf(&b, "\r\n\r\n%s\r\n\r\n.\r\n", dotStuff(m.Body))
	return b.String()
}

// dotStuff doubles a leading dot on body lines (RFC 5321 4.5.2), which
// keepalived's fixed bodies never need but a checker message might.
func dotStuff(body string) string {
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") {
			lines[i] = "." + l
		}
	}
	return strings.Join(lines, "\n")
}

// Send delivers m: HELO, MAIL FROM, one RCPT TO per recipient, DATA, the
// message, QUIT. Each step waits at most Timeout. Errors read as
// keepalived logs them (capitalised, ending with a period), since the
// notifier logs them as they are.
func (s *SMTP) Send(ctx context.Context, m Mail) error {
	if len(s.To) == 0 {
		return errors.New("no notification_email recipients")
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	dial := s.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	server := s.serverName()
	dctx, cancel := context.WithTimeout(ctx, timeout)
	conn, err := dial(dctx, "tcp", s.Server)
	cancel()
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return &LogError{Line: "Timeout connecting SMTP server " + server + ".", Err: err}
		}
		return &LogError{Line: "SMTP connection ERROR to " + server + ".", Err: err}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	r := bufio.NewReader(conn)
	step := func(cmd, line string, want int) error {
		conn.SetDeadline(time.Now().Add(timeout))
		if line != "" {
			if _, err := conn.Write([]byte(line)); err != nil {
				return &LogError{Line: "Cannot send data to remote SMTP server " + server + ".", Err: err}
			}
		}
		code, err := ReadReply(r)
		if err != nil {
			if isTimeout(err) {
				return &LogError{Line: "Timeout reading data to remote SMTP server " + server + ".", Err: err}
			}
			return &LogError{Line: "Error reading data from remote SMTP server " + server + ".", Err: err}
		}
		if code != want {
			return &SMTPError{Cmd: cmd, Server: server, Code: code}
		}
		return nil
	}
	if err := step("CONNECT", "", 220); err != nil {
		return err
	}
	helo := s.Helo
	if helo == "" {
		helo = "localhost"
	}
	steps := []struct {
		cmd, line string
		want      int
	}{
		{"HELO", "HELO " + helo + "\r\n", 250},
		{"MAIL", "MAIL FROM:" + angle(s.From) + "\r\n", 250},
	}
	for _, to := range s.To {
		steps = append(steps, struct {
			cmd, line string
			want      int
		}{"RCPT", "RCPT TO:" + angle(to) + "\r\n", 250})
	}
	steps = append(steps, []struct {
		cmd, line string
		want      int
	}{
		{"DATA", "DATA\r\n", 354},
		{"BODY", s.Message(m), 250},
		{"QUIT", "QUIT\r\n", 221},
	}...)
	for _, st := range steps {
		if err := step(st.cmd, st.line, st.want); err != nil {
			return err
		}
	}
	return nil
}

// serverName is keepalived's FMT_SMTP_HOST: [ip]:port.
func (s *SMTP) serverName() string {
	host, port, err := net.SplitHostPort(s.Server)
	if err != nil {
		return s.Server
	}
	return "[" + host + "]:" + port
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
