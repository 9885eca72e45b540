package check

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// TLSConfig builds SSL_GET's client configuration from the SSL block
// (nil: none) as keepalived's check_ssl.c does: the client certificate
// and key when given, the CA file loaded; like keepalived, which never
// asks OpenSSL to verify the peer, the server's certificate is not
// verified. readFile reads the files (the daemon passes os.ReadFile).
func TLSConfig(ssl *config.SSLContext, readFile func(string) ([]byte, error)) (*tls.Config, error) {
	cfg := &tls.Config{InsecureSkipVerify: true} // keepalived does not verify (see above)
	if ssl == nil {
		return cfg, nil
	}
	if ssl.CA != "" {
		pem, err := readFile(ssl.CA)
		if err != nil {
			return nil, fmt.Errorf("SSL ca %s: %w", ssl.CA, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("SSL ca %s: no PEM certificate", ssl.CA)
		}
		cfg.RootCAs = pool
	}
	if ssl.Certificate != "" {
		keyFile := ssl.Key
		if keyFile == "" {
			keyFile = ssl.Certificate
		}
		certPEM, err := readFile(ssl.Certificate)
		if err != nil {
			return nil, fmt.Errorf("SSL certificate %s: %w", ssl.Certificate, err)
		}
		keyPEM, err := readFile(keyFile)
		if err != nil {
			return nil, fmt.Errorf("SSL key %s: %w", keyFile, err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("SSL certificate %s: %w", ssl.Certificate, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// httpURL is a url block ready to check.
type httpURL struct {
	path    string
	vhost   string
	codes   config.StatusCodes
	digest  [16]byte
	hasMD5  bool
	re      *regexp.Regexp
	noMatch bool
	minOff  int
	maxOff  int // 0: no limit
}

// maxRegexBody bounds the body kept for a regex without
// regex_max_offset.
const maxRegexBody = 1 << 20

// CompileRegex compiles a url's regex with its regex_options. Go's RE2
// syntax differs from PCRE2: no backreferences or lookaround (such a
// regex is refused here), and of the options only caseless, multiline,
// dotall and ungreedy have an effect.
func CompileRegex(u *config.HTTPURL) (*regexp.Regexp, error) {
	flags := ""
	for _, o := range u.RegexOptions {
		switch o {
		case "caseless":
			flags += "i"
		case "multiline":
			flags += "m"
		case "dotall":
			flags += "s"
		case "ungreedy":
			flags += "U"
		}
	}
	expr := u.Regex
	if flags != "" {
		expr = "(?" + flags + ")" + expr
	}
	return regexp.Compile(expr)
}

func newHTTPURL(u *config.HTTPURL) (*httpURL, error) {
	h := &httpURL{path: u.Path, vhost: u.Virtualhost, codes: u.StatusCode, noMatch: u.RegexNoMatch,
		minOff: int(min(u.RegexMinOffset, maxRegexBody))}
	if len(h.codes) == 0 {
		h.codes = config.StatusCodes{{Min: 200, Max: 299}}
	}
	if u.Digest != "" {
		b, err := hex.DecodeString(u.Digest)
		if err != nil || len(b) != 16 {
			return nil, fmt.Errorf("url %s: digest %q is not 32 hex digits", u.Path, u.Digest)
		}
		copy(h.digest[:], b)
		h.hasMD5 = true
	}
	if u.Regex != "" {
		re, err := CompileRegex(u)
		if err != nil {
			return nil, fmt.Errorf("url %s: regex: %w", u.Path, err)
		}
		h.re = re
		if u.RegexMaxOffset != nil {
			h.maxOff = int(min(*u.RegexMaxOffset, maxRegexBody))
		}
	}
	return h, nil
}

// httpProber is HTTP_GET and SSL_GET: every url must answer with an
// accepted status, the digest and the regex.
func (m *Manager) httpProber(vs *config.VirtualServer, c *config.HTTPCheck, ssl bool) Prober {
	ep := endpointsOf(c.CheckConn)
	name := Trio(c.ConnectIP, vs.Protocol, c.ConnectPort)
	proto, _ := ParseProtocol(c.HTTPProtocol)
	var urls []*httpURL
	for _, u := range c.URLs {
		h, err := newHTTPURL(u)
		if err != nil {
			return failing(err.Error())
		}
		urls = append(urls, h)
	}
	p := &httpProbe{d: m.opts.Dialer, ep: ep, name: name, proto: proto, urls: urls,
		timeout: c.ConnectTimeout.Std(), check: "HTTP_CHECK"}
	if !ssl {
		// The requests do not change: an Exchanger sends them as they are.
		for _, u := range urls {
			p.reqs = append(p.reqs, BuildRequest(p.request(u)))
		}
	}
	if ssl {
		p.check = "SSL_CHECK"
		p.tls = m.opts.TLS
		if p.tls == nil {
			p.tls = &tls.Config{InsecureSkipVerify: true}
		}
		p.tls = p.tls.Clone()
		if c.EnableSNI {
			p.sni = c.SNIName
			if p.sni == "" {
				p.sni = "-" // the url's virtualhost
			}
		}
	}
	return p
}

type httpProbe struct {
	d       Dialer
	ep      endpoints
	name    string
	check   string
	proto   Protocol
	urls    []*httpURL
	timeout time.Duration
	tls     *tls.Config
	sni     string   // "": none; "-": the url's virtualhost
	reqs    [][]byte // HTTP_GET: each url's request, for an Exchanger
}

// Probe checks every url in order; the first failure ends the check.
func (p *httpProbe) Probe(ctx context.Context) Result {
	ok := Result{OK: true}
	for _, u := range p.urls {
		r := p.url(ctx, u)
		if !r.OK {
			return r
		}
		ok.Recovered = append(ok.Recovered, r.Recovered...)
	}
	return ok
}

func (p *httpProbe) fail(msg, reason string) Result {
	return Result{Reason: reason, Log: msg + " server " + p.name + "."}
}

// request is u's request.
func (p *httpProbe) request(u *httpURL) *HTTPRequest {
	return &HTTPRequest{Path: u.path, Protocol: p.proto, VirtualHost: u.vhost, Server: p.ep.dst, Timeout: p.timeout}
}

// url fetches one url and judges the answer. connect_timeout bounds each
// step (the connection, the handshake, the sending, each read), as in
// keepalived.
func (p *httpProbe) url(ctx context.Context, u *httpURL) Result {
	dctx, cancel := ctx, context.CancelFunc(func() {})
	if p.timeout > 0 {
		dctx, cancel = context.WithTimeout(ctx, p.timeout)
	}
	conn, err := p.ep.dial(dctx, p.d, "tcp")
	cancel()
	if err != nil {
		return p.connectFailed(err)
	}
	req := p.request(u)
	if p.tls != nil {
		req.TLS = p.tls
		if p.sni != "" {
			req.TLS = p.tls.Clone()
			req.TLS.ServerName = p.sni
			if p.sni == "-" {
				req.TLS.ServerName = u.vhost
			}
		}
	}
	var body []byte
	req.Trace = u.bodyTrace(&body)
	res, err := Get(ctx, conn, req)
	return p.judge(u, res, err, body)
}

// exchange fetches url i and the ones after it on x, one after the other
// as keepalived does, and calls finish with the result: the first
// failure, or ok with every url's success line.
func (p *httpProbe) exchange(x Exchanger, i int, ok Result, finish func(Result)) {
	if i == len(p.urls) { // no url is a success, as in keepalived
		finish(ok)
		return
	}
	u := p.urls[i]
	var body []byte
	rd := newHTTPReader(u.bodyTrace(&body))
	x.Exchange(p.ep.src, p.ep.dst, p.ep.iface, p.ep.fwmark, p.timeout, p.reqs[i], rd, func(step Step, err error) {
		var r Result
		switch {
		case err != nil && step == StepConnect:
			r = p.connectFailed(err)
		case err != nil:
			rd.reads++ // the read that failed, for step
			if step == StepRead {
				step = rd.step()
			}
			r = p.getError(&HTTPError{Step: step, Timeout: isTimeout(err), Err: err})
		default:
			res, err := rd.result()
			r = p.judge(u, res, err, body)
		}
		if !r.OK {
			finish(r)
			return
		}
		ok.Recovered = append(ok.Recovered, r.Recovered...)
		p.exchange(x, i+1, ok, finish)
	})
}

// bodyTrace keeps the body a regex is matched against in *body (nil
// without a regex).
func (u *httpURL) bodyTrace(body *[]byte) *HTTPTrace {
	if u.re == nil {
		return nil
	}
	limit := maxRegexBody
	if u.maxOff > 0 {
		limit = u.maxOff
	}
	return &HTTPTrace{Body: func(part []byte, _ bool) {
		*body = append(*body, part[:min(len(part), max(limit-len(*body), 0))]...)
	}}
}

// connectFailed is the result of a failed connection.
func (p *httpProbe) connectFailed(err error) Result {
	he := ConnectError(err, ConnectFailed)
	return p.fail(he.Message(), Reason(err))
}

// judge is the result of one url's exchange.
func (p *httpProbe) judge(u *httpURL, res *HTTPResult, err error, body []byte) Result {
	if err != nil {
		return p.getError(err)
	}
	switch {
	case !u.codes.Accepts(res.StatusCode):
		return p.fail("HTTP status code error to", fmt.Sprintf("status %d", res.StatusCode))
	case u.hasMD5 && res.Digest != u.digest:
		return p.fail("MD5 digest error to", "digest mismatch")
	case u.re != nil && matchFrom(u.re, body, u.minOff) == u.noMatch:
		return Result{Reason: "regex mismatch", Log: "Regex match failed server " + p.name + "."}
	}
	// check_http.c's http_handle_response: the last test passed names
	// the success.
	what := "HTTP status code"
	switch {
	case u.re != nil:
		what = "Regex match"
	case u.hasMD5:
		what = "MD5 digest"
	}
	return Result{OK: true, Recovered: []string{what + " success to " + p.name + " url(" + u.path + ")"}}
}

// matchFrom says whether re matches body at or after offset min.
func matchFrom(re *regexp.Regexp, body []byte, minOff int) bool {
	if minOff >= len(body) {
		return minOff == 0 && re.Match(body)
	}
	return re.Match(body[minOff:])
}

// getError turns Get's error into a result with keepalived's message.
func (p *httpProbe) getError(err error) Result {
	var he *HTTPError
	if !errors.As(err, &he) {
		return p.fail("Read error with", Reason(err))
	}
	msg := he.Message()
	reason := Reason(he.Err)
	switch {
	case he.Step == StepNoData:
		return Result{Reason: "no data", Log: "Read, no data received from  server " + p.name + "."}
	case he.Step == StepHandshake && !he.Timeout:
		reason = "tls: " + strings.TrimPrefix(Reason(he.Err), "tls: ")
	}
	return p.fail(msg, reason)
}
