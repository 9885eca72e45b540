package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/keepalived-go/keepalived/internal/check"
	"github.com/keepalived-go/keepalived/internal/sys/netdial"
)

// genhashDefaultTimeout is keepalived's genhash timeout without -t:
// UINT_MAX microseconds.
const genhashDefaultTimeout = 4294967295 * time.Microsecond

// genhashOpts are genhash's settings from its command line.
type genhashOpts struct {
	server   netip.AddrPort
	path     string
	vhost    string
	protocol check.Protocol
	ssl, sni bool
	verbose  bool
	fwmark   uint32
	timeout  time.Duration

	hasServer, hasPort, hasURL bool
}

// RunGenhash runs keepalived's genhash tool: prog is the program name
// (argv[0], printed in the usage) and args the arguments after it. It
// prints the MD5 digest of the body an HTTP_GET (or SSL_GET, -S) check
// would get, exactly as Debian's genhash 2.2.7 does, and returns the exit
// status: 1 for a bad command line, else 0 even when the server could not
// be reached (genhash then prints keepalived's reason).
func RunGenhash(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) int {
	return runGenhash(ctx, prog, true, len(args)+1, args, stdout, stderr)
}

// runGenhash is genhash as the genhash program (amGenhash) or as
// keepalived -T. argc is keepalived's argc: with 2 or fewer, genhash only
// prints its usage.
func runGenhash(ctx context.Context, prog string, amGenhash bool, argc int, args []string, stdout, stderr io.Writer) int {
	o, ok := parseGenhash(argc, args, stderr)
	if !ok {
		writeGenhashUsage(stderr, prog, amGenhash)
		return 1
	}
	start := time.Now()
	genhashFetch(ctx, o, stdout, stderr)
	if o.verbose {
		fmt.Fprintf(stdout, "\nGlobal response time for [%s] = %d usecs\n", o.path, time.Since(start).Microseconds())
	}
	return 0
}

// genhashFetch makes the request and prints what genhash prints.
func genhashFetch(ctx context.Context, o *genhashOpts, stdout, stderr io.Writer) {
	req := &check.HTTPRequest{
		Path: o.path, Protocol: o.protocol, VirtualHost: o.vhost, Server: o.server, Timeout: o.timeout,
	}
	if o.ssl {
		req.TLS = &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10} // keepalived does not verify without a CA
		if o.sni {
			req.TLS.ServerName = o.vhost
		}
	}
	if o.verbose {
		req.Trace = genhashTrace(stdout)
	}
	conn, err := netdial.Dial(ctx, o.server, o.fwmark, o.timeout)
	if err != nil {
		he := check.ConnectError(err, connectFailure(err))
		fmt.Fprintln(stdout, he.Message())
		if he.Connect == check.ConnectOther {
			fmt.Fprintf(stderr, "genhash: %v\n", err)
		}
		return
	}
	res, err := check.Get(ctx, conn, req)
	var he *check.HTTPError
	switch {
	case errors.As(err, &he) && he.Step == check.StepNoData:
		fmt.Fprintln(stderr, he.Message())
	case errors.As(err, &he):
		fmt.Fprintln(stdout, he.Message())
	case err != nil:
		fmt.Fprintf(stderr, "genhash: %v\n", err)
	default:
		fmt.Fprintln(stdout, res.DigestString())
	}
}

// connectFailure sorts a dial error as keepalived does.
func connectFailure(err error) check.ConnectFailure {
	switch {
	case netdial.Unreachable(err):
		return check.ConnectUnreachable
	case netdial.Failed(err):
		return check.ConnectFailed
	}
	return check.ConnectOther
}

func writeGenhashUsage(w io.Writer, prog string, amGenhash bool) {
	mode := " --genhash"
	if amGenhash {
		mode = ""
	}
	fmt.Fprintf(w, "Usage: %s%s COMMAND [OPTIONS]\n", prog, mode)
	io.WriteString(w, genhashUsage)
}

const genhashUsage = `Commands:
   -s server-address -p port -u url
   -S -s server-address -p port -u url
   -h

Options:
Either long or short options are allowed.
   --use-ssl         -S       Use SSL connection to remote server.
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
   --server          -s       Use the specified remote server address.
   --port            -p       Use the specified remote server port.
   --url             -u       Use the specified remote server url.
   --use-virtualhost -V       Use the specified virtualhost in GET query.
   --verbose         -v       Use verbose mode output.
   --help            -h       Display this short inlined help screen.
   --fwmark          -m       Use the specified FW mark.
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
                                1.0c means 1.0 with 'Connection: close'
   --timeout         -t       Timeout in seconds
`

// genhashSetters apply one option's value; a false return is a bad value
// (the message is printed) and stops the parse.
var genhashSetters = map[byte]func(o *genhashOpts, v string, stderr io.Writer) bool{
	'v': func(o *genhashOpts, _ string, _ io.Writer) bool { o.verbose = true; return true },
	'S': func(o *genhashOpts, _ string, _ io.Writer) bool { o.ssl = true; return true },
	'I': func(o *genhashOpts, _ string, _ io.Writer) bool { o.sni = true; return true },
	's': (*genhashOpts).setServer,
	'V': func(o *genhashOpts, v string, _ io.Writer) bool { o.vhost = v; return true },
	'p': (*genhashOpts).setPort,
	'u': func(o *genhashOpts, v string, _ io.Writer) bool { o.path, o.hasURL = v, true; return true },
	'm': (*genhashOpts).setFwmark,
	'P': (*genhashOpts).setProtocol,
	't': (*genhashOpts).setTimeout,
}

// setServer takes an IP address, as inet_stosockaddr: anything from the
// first '-' or '/' on is dropped; no zone, no brackets, no name.
func (o *genhashOpts) setServer(v string, stderr io.Writer) bool {
	s := v
	if i := strings.IndexAny(s, "-/"); i >= 0 {
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || a.Is6() != strings.Contains(v, ":") {
		fmt.Fprintf(stderr, "server should be an IP, not %s\n", v)
		return false
	}
	o.server = netip.AddrPortFrom(a, o.server.Port())
	o.hasServer = true
	return true
}

// setPort takes 1-65535 as strtol(3) reads it.
func (o *genhashOpts) setPort(v string, stderr io.Writer) bool {
	n, err := strconv.ParseInt(strings.TrimLeft(v, " \t\n\v\f\r"), 10, 64)
	if err != nil || n <= 0 || n > 65535 {
		fmt.Fprintf(stderr, "invalid port number '%s'\n", v)
		return false
	}
	o.server = netip.AddrPortFrom(o.server.Addr(), uint16(n))
	o.hasPort = true
	return true
}

func (o *genhashOpts) setFwmark(v string, stderr io.Writer) bool {
	n, ok := genhashUnsigned(v, true)
	if !ok {
		fmt.Fprintf(stderr, "invalid fwmark '%s'\n", v)
		return false
	}
	o.fwmark = uint32(n)
	return true
}

func (o *genhashOpts) setTimeout(v string, stderr io.Writer) bool {
	n, ok := genhashUnsigned(v, false)
	if !ok {
		fmt.Fprintf(stderr, "invalid timeout '%s'\n", v)
		return false
	}
	o.timeout = time.Duration(uint32(n)) * time.Second
	return true
}

// genhashUnsigned reads a number as genhash's -m and -t do: blanks, then
// decimal digits to the end; -m also takes an empty value as 0.
func genhashUnsigned(v string, emptyOK bool) (uint64, bool) {
	s := strings.TrimLeft(v, " \t")
	if s == "" {
		return 0, emptyOK
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return n, true
}

func (o *genhashOpts) setProtocol(v string, stderr io.Writer) bool {
	p, ok := check.ParseProtocol(v)
	if !ok {
		fmt.Fprintf(stderr, "invalid HTTP protocol version '%s'\n", v)
		return false
	}
	o.protocol = p
	return true
}
