package check

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Protocol is the HTTP version an HTTP_GET request uses (keepalived's
// http_protocol keyword, genhash -P).
type Protocol int

// The protocols keepalived knows.
const (
	HTTP10  Protocol = iota // "GET ... HTTP/1.0", the default
	HTTP10C                 // HTTP/1.0 with "Connection: close"
	HTTP11                  // HTTP/1.1, always with "Connection: close"
)

// ParseProtocol reads an http_protocol value: "1.0", "1.0c" or "1.0C",
// "1.1".
func ParseProtocol(s string) (Protocol, bool) {
	switch s {
	case "1.0":
		return HTTP10, true
	case "1.0c", "1.0C":
		return HTTP10C, true
	case "1.1":
		return HTTP11, true
	}
	return 0, false
}

// HTTPRequest describes one HTTP_GET or SSL_GET url check.
type HTTPRequest struct {
	Path        string         // the url's path, sent as it is
	Protocol    Protocol       // HTTP version
	VirtualHost string         // the Host header; "" means Server as ip:port
	Server      netip.AddrPort // the address connected to, for the Host header
	// TLS, when not nil, makes the exchange SSL_GET: the handshake is made
	// on the connection first. keepalived does not verify the server's
	// certificate unless told to; ServerName is sent as SNI.
	TLS *tls.Config
	// Timeout bounds each step (handshake, write, each read) as
	// keepalived's connect_timeout does; 0 means no bound beyond ctx.
	Timeout time.Duration
	// Trace, when not nil, is told what is read (genhash -v).
	Trace *HTTPTrace
}

// HTTPTrace receives the response as keepalived's verbose genhash dumps
// it. Every field may be nil.
type HTTPTrace struct {
	// HeaderRead is called for each read made while the header is not
	// complete.
	HeaderRead func()
	// Header is called once with the header, terminator included.
	Header func(header []byte)
	// Body is called with each part of the body that goes into the digest;
	// first says whether it came in the read that completed the header.
	Body func(part []byte, first bool)
	// Digest is called with the digest when the server closed the
	// connection cleanly.
	Digest func(sum [md5.Size]byte)
}

// HTTPResult is what an HTTP_GET exchange gave.
type HTTPResult struct {
	StatusCode int // 0 if the status line could not be read
	// ContentLength is the Content-Length header's value, -1 without one.
	ContentLength int64
	BodyBytes     int64          // body bytes received (all of them)
	Digest        [md5.Size]byte // MD5 of the body, limited to ContentLength
}

// DigestString is the digest as genhash prints it and as the digest
// keyword takes it: 32 lowercase hex digits.
func (r *HTTPResult) DigestString() string { return fmt.Sprintf("%x", r.Digest[:]) }

// Step names the part of the exchange an HTTPError happened in.
type Step int

// The steps of an exchange, in order.
const (
	StepConnect   Step = iota // dialing (reported by the caller, see ConnectError)
	StepHandshake             // the TLS handshake
	StepWrite                 // sending the request
	StepFirstRead             // waiting for the first byte of the response
	StepRead                  // reading the rest of the response
	StepNoData                // the response had no header terminator
)

// HTTPError is a failed exchange: the step, whether it timed out, and the
// cause.
type HTTPError struct {
	Step    Step
	Timeout bool
	TLS     bool // the exchange was SSL_GET
	// Connect says, for StepConnect, how the connection failed.
	Connect ConnectFailure
	Err     error
}

// ConnectFailure is how a connection attempt failed, as keepalived's
// tcp_bind_connect and tcp_socket_state sort them.
type ConnectFailure int

// The ways a connection fails.
const (
	ConnectFailed      ConnectFailure = iota // refused, reset, host unreachable: "Connection failed"
	ConnectTimeout                           // no answer in time: "Timeout connecting"
	ConnectUnreachable                       // no route, at once: "HTTP_CHECK - network unreachable"
	ConnectOther                             // anything else: "Error connecting"
)

// ErrNoData is the cause of a StepNoData error.
var ErrNoData = errors.New("no data received from remote webserver")

func (e *HTTPError) Error() string {
	if e.Step == StepNoData {
		return ErrNoData.Error()
	}
	return e.Message() + ": " + e.Err.Error()
}

func (e *HTTPError) Unwrap() error { return e.Err }

// Message is keepalived's wording for the failure, as genhash prints it
// and as the checker logs it before the server's name ("Timeout WEB
// read", "Connection failed", ...).
func (e *HTTPError) Message() string {
	switch {
	case e.Step == StepConnect:
		return e.Connect.String()
	case e.Step == StepHandshake && e.Timeout:
		return "Timeout connecting"
	case e.Step == StepHandshake:
		return "SSL handshake/communication error connecting to"
	case e.Step == StepWrite && e.Timeout:
		return "Timeout WEB write"
	case e.Step == StepWrite:
		return "Cannot send get request to"
	case e.Step == StepFirstRead && e.Timeout:
		return "Timeout WEB read"
	case e.Step == StepRead && e.Timeout && e.TLS:
		return "Timeout SSL read"
	case e.Step == StepRead && e.Timeout:
		return "Timeout HTTP read"
	case e.TLS && (e.Step == StepRead || e.Step == StepFirstRead):
		return "SSL read error from"
	case e.Step == StepRead || e.Step == StepFirstRead:
		return "Read error with"
	}
	return ErrNoData.Error()
}

// String is keepalived's wording for the failure.
func (f ConnectFailure) String() string {
	switch f {
	case ConnectTimeout:
		return "Timeout connecting"
	case ConnectUnreachable:
		return "HTTP_CHECK - network unreachable"
	case ConnectOther:
		return "Error connecting"
	}
	return "Connection failed"
}

// ConnectError wraps a dial error as the StepConnect HTTPError. A timeout
// (of err or of ctx) is a ConnectTimeout whatever kind says.
func ConnectError(err error, kind ConnectFailure) *HTTPError {
	if isTimeout(err) {
		kind = ConnectTimeout
	}
	return &HTTPError{Step: StepConnect, Timeout: kind == ConnectTimeout, Connect: kind, Err: err}
}

// BuildRequest is the request keepalived sends (check_http.c's
// request_template):
//
//	GET <path> HTTP/1.<0|1>\r\n
//	User-Agent: KeepAliveClient\r\n
//	[Connection: close\r\n]          (1.0C and 1.1)
//	Host: <vhost | ip:port | [ipv6]:port>\r\n
//	\r\n
func BuildRequest(r *HTTPRequest) []byte {
	minor, conn := 0, ""
	switch r.Protocol {
	case HTTP10C:
		conn = "Connection: close\r\n"
	case HTTP11:
		minor, conn = 1, "Connection: close\r\n"
	}
	host := r.VirtualHost
	if host == "" {
		host = hostPort(r.Server)
	}
	return fmt.Appendf(nil, "GET %s HTTP/1.%d\r\nUser-Agent: KeepAliveClient\r\n%sHost: %s\r\n\r\n",
		r.Path, minor, conn, host)
}

// hostPort is ip:port, the IPv6 literal in brackets (RFC 2732), without
// a zone.
func hostPort(ap netip.AddrPort) string {
	a := ap.Addr().WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is6() {
		return "[" + a.String() + "]:" + strconv.Itoa(int(ap.Port()))
	}
	return a.String() + ":" + strconv.Itoa(int(ap.Port()))
}

// maxHeader is how much keepalived buffers while looking for the end of
// the header (MAX_BUFFER_LENGTH less its terminating NUL): a longer header
// ends the read as if the server had closed.
const maxHeader = 4096 - 1

// Get makes the HTTP_GET (or, with r.TLS, SSL_GET) exchange on conn as
// keepalived does: send the request, read until the server closes the
// connection, and digest the body (the bytes after the first "\r\n\r\n",
// limited to Content-Length when present). The status code is not judged
// here. conn is closed when Get returns. ctx cancels the exchange.
func Get(ctx context.Context, conn net.Conn, r *HTTPRequest) (*HTTPResult, error) {
	defer conn.Close()
	raw := conn
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	isTLS := r.TLS != nil
	fail := func(step Step, err error) error {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return &HTTPError{Step: step, Timeout: isTimeout(err), TLS: isTLS, Err: err}
	}
	if isTLS {
		tc := tls.Client(conn, r.TLS)
		conn = tc
		setDeadline(conn, r.Timeout)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fail(StepHandshake, err)
		}
	}
	setDeadline(conn, r.Timeout)
	if _, err := conn.Write(BuildRequest(r)); err != nil {
		return nil, fail(StepWrite, err)
	}
	rd := newHTTPReader(r.Trace)
	rd.tls = isTLS
	if err := rd.readAll(conn, r.Timeout); err != nil {
		return nil, fail(rd.step(), err)
	}
	// The server has closed (or sent more than keepalived reads): the
	// close is a reset, as for TCP_CHECK (see abort).
	resetOnClose(raw)
	return rd.result()
}

func setDeadline(conn net.Conn, d time.Duration) {
	if d > 0 {
		conn.SetDeadline(time.Now().Add(d))
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// httpReader follows a response as keepalived's http_process_response.
type httpReader struct {
	trace   *HTTPTrace
	buf     []byte // the header so far, until it is complete
	header  bool   // the header is complete
	reads   int
	status  int
	clen    int64 // -1: no Content-Length
	rx      int64 // body bytes received
	md5     hashWriter
	tooLong bool // the header did not fit keepalived's buffer
	tls     bool
}

type hashWriter interface {
	io.Writer
	Sum(b []byte) []byte
}

func newHTTPReader(trace *HTTPTrace) *httpReader {
	if trace == nil {
		trace = &HTTPTrace{}
	}
	return &httpReader{trace: trace, clen: -1, md5: md5.New()}
}

// readAll reads until EOF. An error other than EOF is returned.
func (h *httpReader) readAll(conn net.Conn, timeout time.Duration) error {
	chunk := make([]byte, readSize)
	for {
		setDeadline(conn, timeout)
		n, err := conn.Read(chunk[:h.Room()])
		h.reads++
		if n > 0 {
			h.feed(chunk[:n])
		}
		if h.tooLong || errors.Is(err, io.EOF) || (h.tls && errors.Is(err, io.ErrUnexpectedEOF)) {
			return nil // keepalived also ends an SSL read on a close without close_notify
		}
		if err != nil {
			return err
		}
	}
}

// readSize is the most one read takes once the header is complete.
const readSize = 4096

// Room is the most the next read may take (Response): while the header
// is incomplete, what is left of keepalived's 4095-byte buffer, so that
// the header search sees what keepalived's would; 0 once the header has
// overflowed it, which ends the reading.
func (h *httpReader) Room() int {
	switch {
	case h.tooLong:
		return 0
	case h.header:
		return readSize
	}
	return maxHeader - len(h.buf)
}

// Feed takes the bytes of one read made by an Exchanger (Response).
func (h *httpReader) Feed(p []byte) {
	h.reads++
	h.feed(p)
}

// step is the step a read error happened in.
func (h *httpReader) step() Step {
	if h.reads <= 1 {
		return StepFirstRead
	}
	return StepRead
}

// feed takes the bytes of one read.
func (h *httpReader) feed(p []byte) {
	if h.header {
		h.body(p, false)
		return
	}
	if h.trace.HeaderRead != nil {
		h.trace.HeaderRead()
	}
	h.buf = append(h.buf, p...)
	end := bytes.Index(h.buf, []byte("\r\n\r\n"))
	if end < 0 {
		h.tooLong = len(h.buf) >= maxHeader
		return
	}
	hdr := h.buf[:end+4]
	h.header = true
	h.status = statusCode(hdr)
	h.clen = contentLength(hdr)
	if h.trace.Header != nil {
		h.trace.Header(hdr)
	}
	h.body(h.buf[end+4:], true)
	h.buf = nil
}

// body digests a part of the body, up to Content-Length.
func (h *httpReader) body(p []byte, first bool) {
	use := p
	if h.clen >= 0 {
		left := max(h.clen-h.rx, 0)
		use = p[:min(int64(len(p)), left)]
	}
	h.rx += int64(len(p))
	if len(use) == 0 {
		return
	}
	h.md5.Write(use)
	if h.trace.Body != nil {
		h.trace.Body(use, first)
	}
}

func (h *httpReader) result() (*HTTPResult, error) {
	res := &HTTPResult{StatusCode: h.status, ContentLength: h.clen, BodyBytes: h.rx}
	h.md5.Sum(res.Digest[:0])
	if h.trace.Digest != nil {
		h.trace.Digest(res.Digest) // keepalived dumps it even without a header
	}
	if !h.header {
		return nil, &HTTPError{Step: StepNoData, Err: ErrNoData}
	}
	return res, nil
}

// statusCode reads the status code as keepalived's extract_status_code:
// the three digits after the first space of the status line, followed by
// a space; 0 when they are not there.
func statusCode(hdr []byte) int {
	i := bytes.IndexAny(hdr, " \r")
	if i < 0 || hdr[i] != ' ' {
		return 0
	}
	code := hdr[i+1:]
	if len(code) < 4 || code[3] != ' ' {
		return 0
	}
	n, err := strconv.Atoi(string(code[:3]))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// contentLength reads the first "Content-Length:" (case-sensitive, as
// keepalived's extract_content_length) of the header: a decimal number
// after optional white space, ending the line; -1 when absent or not so.
// As strtoul, no digits read as 0 if the line ends there.
func contentLength(hdr []byte) int64 {
	const tag = "Content-Length:"
	i := bytes.Index(hdr, []byte(tag))
	if i < 0 {
		return -1
	}
	v := hdr[i+len(tag):]
	j := 0
	for j < len(v) && isCSpace(v[j]) {
		j++
	}
	digits := j
	for digits < len(v) && v[digits] >= '0' && v[digits] <= '9' {
		digits++
	}
	if digits == j {
		// strtoul read nothing: end is the start of the value.
		if len(v) > 0 && v[0] != '\r' && v[0] != '\n' {
			return -1
		}
		return 0
	}
	if digits < len(v) && v[digits] != '\r' && v[digits] != '\n' {
		return -1
	}
	n, err := strconv.ParseUint(string(v[j:digits]), 10, 64)
	if err != nil || n > math.MaxInt64 {
		return math.MaxInt64 // strtoul saturates
	}
	return int64(n)
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
