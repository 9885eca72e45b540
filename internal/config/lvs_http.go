package config

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// HTTPCheck is an HTTP_GET or SSL_GET: each URL is fetched and must pass.
type HTTPCheck struct {
	CheckConn
	CheckParams
	// HTTPProtocol is 1.0, 1.0C (1.0 with "Connection: close") or 1.1.
	HTTPProtocol string `json:"http_protocol"`
	Virtualhost  string `json:"virtualhost,omitempty"`
	EnableSNI    bool   `json:"enable_sni,omitempty"`
	SNIName      string `json:"sni_name,omitempty"`
	FastRecovery bool   `json:"fast_recovery,omitempty"`
	// TLSCompliant (SSL_GET only) expects a clean TLS shutdown.
	TLSCompliant bool       `json:"tls_compliant,omitempty"`
	URLs         []*HTTPURL `json:"url"`
	Pos          syntax.Pos `json:"-"`
}

func (c *HTTPCheck) conn() *CheckConn     { return &c.CheckConn }
func (c *HTTPCheck) params() *CheckParams { return &c.CheckParams }

// HTTPURL is a url block of an HTTP_GET or SSL_GET.
type HTTPURL struct {
	Path string `json:"path"`
	// Digest is the MD5 of the body, in lower-case hex.
	Digest     string      `json:"digest,omitempty"`
	StatusCode StatusCodes `json:"status_code"`
	// Virtualhost is the Host header sent: the url's, else the
	// checker's, the real server's or the virtual server's (none: the
	// connection's address and port).
	Virtualhost    string       `json:"virtualhost,omitempty"`
	Regex          string       `json:"regex,omitempty"`
	RegexNoMatch   bool         `json:"regex_no_match,omitempty"`
	RegexOptions   RegexOptions `json:"regex_options,omitempty"`
	RegexStack     *RegexStack  `json:"regex_stack,omitempty"`
	RegexMinOffset uint64       `json:"regex_min_offset,omitempty"`
	RegexMaxOffset *uint64      `json:"regex_max_offset,omitempty"`
	TLSCompliant   bool         `json:"tls_compliant,omitempty"`
	Pos            syntax.Pos   `json:"-"`
}

// StatusRange is an inclusive range of HTTP status codes.
type StatusRange struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// StatusCodes are the status codes a url accepts (default 200-299).
type StatusCodes []StatusRange

// String renders the codes as the value of status_code.
func (s StatusCodes) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		parts[i] = strconv.Itoa(r.Min)
		if r.Max != r.Min {
			parts[i] += "-" + strconv.Itoa(r.Max)
		}
	}
	return strings.Join(parts, " ")
}

// Accepts tells whether code is one of the codes.
func (s StatusCodes) Accepts(code int) bool {
	for _, r := range s {
		if r.Min <= code && code <= r.Max {
			return true
		}
	}
	return false
}

// RegexOptions are PCRE2 option names (caseless, multiline, ...).
type RegexOptions []string

// String renders the options as the value of regex_options.
func (o RegexOptions) String() string { return strings.Join(o, " ") }

// RegexStack is the PCRE2 JIT stack's start and maximum size, in bytes.
type RegexStack struct {
	Start uint64 `json:"start"`
	Max   uint64 `json:"max"`
}

// String renders the sizes as the value of regex_stack.
func (r *RegexStack) String() string {
	return strconv.FormatUint(r.Start, 10) + " " + strconv.FormatUint(r.Max, 10)
}

// lvsRegexOptions are the regex_options keepalived knows.
var lvsRegexOptions = map[string]bool{
	"allow_empty_class": true, "alt_bsux": true, "auto_callout": true, "caseless": true,
	"dollar_endonly": true, "dotall": true, "dupnames": true, "extended": true,
	"firstline": true, "match_unset_backref": true, "multiline": true, "never_ucp": true,
	"never_utf": true, "no_auto_capture": true, "no_auto_possess": true,
	"no_dotstar_anchor": true, "no_start_optimize": true, "ucp": true, "ungreedy": true,
	"utf": true, "never_backslash_c": true, "alt_circumflex": true, "alt_verbnames": true,
	"use_offset_limit": true,
}

var httpCommon = table[HTTPCheck]{
	"nb_get_retry": kw(parseHTTPNbGetRetry),
	"virtualhost": kw(func(p *parser, n *syntax.Node, c *HTTPCheck) {
		p.lvsString(n, &c.Virtualhost, "HTTP_GET virtualhost name missing")
	}),
	"http_protocol": kw(parseHTTPProtocol),
	"enable_sni":    kw(func(p *parser, n *syntax.Node, c *HTTPCheck) { p.lvsBool(n, &c.EnableSNI) }),
	"sni_name":      kw(parseHTTPSNIName),
	"fast_recovery": kw(func(p *parser, n *syntax.Node, c *HTTPCheck) { p.lvsBool(n, &c.FastRecovery) }),
}

var httpGetTable = lvsCheckTable[HTTPCheck](lvsMerge(httpCommon, table[HTTPCheck]{
	"url": blk(func(p *parser, n *syntax.Node, c *HTTPCheck) { parseHTTPURL(p, n, c, urlTable) }),
}))

var sslGetTable = lvsCheckTable[HTTPCheck](lvsMerge(httpCommon, table[HTTPCheck]{
	"url":           blk(func(p *parser, n *syntax.Node, c *HTTPCheck) { parseHTTPURL(p, n, c, sslURLTable) }),
	"tls_compliant": kw(func(p *parser, n *syntax.Node, c *HTTPCheck) { p.lvsBool(n, &c.TLSCompliant) }),
}))

// parseHTTPCheck reads an HTTP_GET or SSL_GET block; one without a valid
// url is dropped.
//
// Syntax:
//
//	HTTP_GET|SSL_GET {
//	    (the keywords of TCP_CHECK)
//	    nb_get_retry N              # deprecated: retry
//	    virtualhost STRING
//	    http_protocol 1.0|1.0C|1.1
//	    enable_sni [BOOL]
//	    sni_name STRING
//	    fast_recovery [BOOL]
//	    tls_compliant [BOOL]        # SSL_GET
//	    url {
//	        path PATH
//	        digest MD5HEX
//	        status_code N|N-M ...
//	        virtualhost STRING
//	        regex "PATTERN"
//	        regex_no_match
//	        regex_options OPTION ...
//	        regex_stack START MAX
//	        regex_min_offset N
//	        regex_max_offset N
//	        tls_compliant [BOOL]    # SSL_GET
//	    }
//	}
func parseHTTPCheck(p *parser, n *syntax.Node, rs *RealServer, list *[]*HTTPCheck, t table[HTTPCheck]) {
	c := &HTTPCheck{CheckConn: newCheckConn(rs), CheckParams: newCheckParams(1, 3*Second), HTTPProtocol: "1.0", Pos: n.Pos}
	parseBlock(p, n.Children, c, t)
	if len(c.URLs) == 0 {
		p.report(blockEnd(n), Error, KindMissing, "HTTP/SSL_GET checker has no urls specified - ignoring")
		return
	}
	if p.lvsConnOK(n, &c.CheckConn) {
		*list = append(*list, c)
	}
}

// parseHTTPNbGetRetry reads the deprecated spelling of retry.
//
// Syntax:
//
//	nb_get_retry N
func parseHTTPNbGetRetry(p *parser, n *syntax.Node, c *HTTPCheck) {
	p.deprecated(n, "retry")
	if v, ok := p.uint(n, 1, 0, math.MaxUint32); ok {
		r := uint32(v)
		c.retry = &r
	}
}

// parseHTTPProtocol reads the HTTP version of the request (1.0C is 1.0
// with "Connection: close").
//
// Syntax:
//
//	http_protocol 1.0|1.0C|1.1
func parseHTTPProtocol(p *parser, n *syntax.Node, c *HTTPCheck) {
	if len(n.Words) < 2 {
		p.errorf(n, KindMissing, "Missing http_protocol version")
		return
	}
	switch v := n.Words[1]; v {
	case "1.0", "1.1":
		c.HTTPProtocol = v
	case "1.0C", "1.0c":
		c.HTTPProtocol = "1.0C"
	default:
		p.errorf(n, KindValue, "Invalid http_protocol version %s", v)
	}
}

// parseHTTPSNIName reads sni_name (keepalived 2.3): a name enables SNI
// with it; no name enables SNI with the virtual host.
//
// Syntax:
//
//	sni_name [NAME]
func parseHTTPSNIName(p *parser, n *syntax.Node, c *HTTPCheck) {
	switch {
	case len(n.Words) >= 2:
		c.SNIName = lvsArg(p, n)
	case c.SNIName != "":
		p.errorf(n, KindConflict, "sni_name already specified as %s - ignoring setting to default", c.SNIName)
		return
	}
	c.EnableSNI = true
}

var urlTable = table[HTTPURL]{
	"path":        kw(func(p *parser, n *syntax.Node, u *HTTPURL) { p.lvsString(n, &u.Path, "HTTP_GET url path missing") }),
	"digest":      kw(parseURLDigest),
	"status_code": kw(parseURLStatusCode),
	"virtualhost": kw(func(p *parser, n *syntax.Node, u *HTTPURL) {
		p.lvsString(n, &u.Virtualhost, "Missing HTTP_GET virtualhost name")
	}),
	"regex":            kw(parseURLRegex),
	"regex_no_match":   kw(func(p *parser, n *syntax.Node, u *HTTPURL) { u.RegexNoMatch = lvsFlag(p, n) }),
	"regex_options":    kw(parseURLRegexOptions),
	"regex_stack":      kw(parseURLRegexStack),
	"regex_min_offset": kw(func(p *parser, n *syntax.Node, u *HTTPURL) { u.RegexMinOffset, _ = p.lvsRegexOffset(n) }),
	"regex_max_offset": kw(parseURLRegexMaxOffset),
}

var sslURLTable = lvsMerge(urlTable, table[HTTPURL]{
	"tls_compliant": kw(func(p *parser, n *syntax.Node, u *HTTPURL) { p.lvsBool(n, &u.TLSCompliant) }),
})

// parseHTTPURL reads a url block (see parseHTTPCheck); one without a path
// is dropped, one without status_code accepts 200-299.
func parseHTTPURL(p *parser, n *syntax.Node, c *HTTPCheck, t table[HTTPURL]) {
	u := &HTTPURL{Pos: n.Pos}
	parseBlock(p, n.Children, u, t)
	end := blockEnd(n)
	if u.Path == "" {
		p.report(end, Error, KindMissing, "HTTP/SSL_GET checker url has no path - ignoring")
		return
	}
	if len(u.StatusCode) == 0 {
		u.StatusCode = StatusCodes{{200, 299}}
	}
	p.lvsURLRegexCheck(end, u)
	c.URLs = append(c.URLs, u)
}

// lvsURLRegexCheck applies keepalived's url_check() rules on the regex
// options (which it only logs).
func (p *parser) lvsURLRegexCheck(end syntax.Pos, u *HTTPURL) {
	if u.Regex == "" {
		if len(u.RegexOptions) > 0 || u.RegexNoMatch || u.RegexMinOffset != 0 || u.RegexMaxOffset != nil || u.RegexStack != nil {
			p.report(end, Info, KindMissing, "regex parameters specified without regex")
			u.RegexOptions, u.RegexNoMatch, u.RegexMinOffset, u.RegexMaxOffset, u.RegexStack = nil, false, 0, nil, nil
		}
		return
	}
	if u.RegexMaxOffset != nil && u.RegexMinOffset > *u.RegexMaxOffset {
		p.report(end, Info, KindConflict, "regex min offset %d > regex_max_offset %d - ignoring", u.RegexMinOffset, *u.RegexMaxOffset)
		u.RegexMinOffset, u.RegexMaxOffset = 0, nil
	}
}

// parseURLDigest reads the MD5 digest of the body (32 hex digits, as
// genhash prints).
//
// Syntax:
//
//	digest MD5HEX
func parseURLDigest(p *parser, n *syntax.Node, u *HTTPURL) {
	if !lvsNeed(p, n) {
		return
	}
	d := n.Words[1]
	switch {
	case u.Digest != "":
		p.errorf(n, KindDuplicate, "Digest '%s' is a duplicate", d)
	case len(d) != 32:
		p.errorf(n, KindValue, "digest '%s' character length should be 32 rather than %d", d, len(d))
	case strings.Trim(strings.ToLower(d), "0123456789abcdef") != "":
		p.errorf(n, KindValue, "Unable to interpret hex digit in '%s'", d)
	default:
		u.Digest = strings.ToLower(d)
	}
}

// parseURLStatusCode adds codes or ranges (100..599) to the url's; a bad
// one is reported and the others kept.
//
// Syntax:
//
//	status_code N|N-M ...
func parseURLStatusCode(p *parser, n *syntax.Node, u *HTTPURL) {
	for _, w := range n.Args() {
		r, ok := lvsParseStatusRange(w)
		if !ok {
			p.errorf(n, KindValue, "Invalid HTTP_GET status code '%s'", w)
			continue
		}
		u.StatusCode = append(u.StatusCode, r)
	}
}

// lvsParseStatusRange reads "N" or "N-M" with 100 <= N <= M <= 599.
func lvsParseStatusRange(w string) (StatusRange, bool) {
	min, rest := lvsStrtoul(w, 10)
	max := min
	if strings.HasPrefix(rest, "-") {
		max, rest = lvsStrtoul(rest[1:], 10)
	}
	if rest != "" || min < 100 || max > 599 || min > max {
		return StatusRange{}, false
	}
	return StatusRange{int(min), int(max)}, true
}

// parseURLRegex reads the pattern, re-read from the raw line with
// keepalived's quoting and backslash escapes. keepalived compiles it with
// PCRE2; a pattern Go's regexp cannot compile is logged.
//
// Syntax:
//
//	regex "PATTERN"
func parseURLRegex(p *parser, n *syntax.Node, u *HTTPURL) {
	words, err := syntax.SplitEscaped(n.Text)
	if err != nil || len(words) != 2 {
		p.infof(n, KindValue, "regex missing or too many fields")
		return
	}
	u.Regex = words[1]
	if _, err := regexp.Compile(u.Regex); err != nil {
		p.infof(n, KindUnsupported, "regex '%s' is not supported by Go's regexp: %v", u.Regex, err)
	}
}

// parseURLRegexOptions reads PCRE2 options; unknown ones are logged and
// ignored.
//
// Syntax:
//
//	regex_options OPTION ...
func parseURLRegexOptions(p *parser, n *syntax.Node, u *HTTPURL) {
	for _, o := range n.Args() {
		if !lvsRegexOptions[o] {
			p.infof(n, KindValue, "unknown regex option '%s' - ignoring", o)
			continue
		}
		u.RegexOptions = append(u.RegexOptions, o)
	}
}

// parseURLRegexStack reads the PCRE2 JIT stack sizes; keepalived only logs
// bad values.
//
// Syntax:
//
//	regex_stack START MAX
func parseURLRegexStack(p *parser, n *syntax.Node, u *HTTPURL) {
	if len(n.Words) != 3 {
		p.infof(n, KindValue, "regex_stack requires start and max values")
		return
	}
	start, err1 := strconv.ParseUint(n.Words[1], 10, 64)
	max, err2 := strconv.ParseUint(n.Words[2], 10, 64)
	switch {
	case err1 != nil || err2 != nil:
		p.infof(n, KindValue, "regex_stack invalid start or max value")
	case start > max:
		p.infof(n, KindConflict, "regex stack start cannot exceed max value")
	default:
		u.RegexStack = &RegexStack{Start: start, Max: max}
	}
}

// parseURLRegexMaxOffset reads the last offset where the match may start.
//
// Syntax:
//
//	regex_max_offset N
func parseURLRegexMaxOffset(p *parser, n *syntax.Node, u *HTTPURL) {
	if v, ok := p.lvsRegexOffset(n); ok {
		u.RegexMaxOffset = &v
	}
}

// lvsRegexOffset reads regex_min_offset or regex_max_offset; keepalived
// only logs a bad value (and uses 0).
func (p *parser) lvsRegexOffset(n *syntax.Node) (uint64, bool) {
	if len(n.Words) != 2 {
		p.infof(n, KindValue, "Missing or too may options for %s", n.Keyword())
		return 0, false
	}
	v, err := strconv.ParseUint(n.Words[1], 10, 64)
	if err != nil {
		p.infof(n, KindValue, "Invalid %s %s specified", n.Keyword(), n.Words[1])
		return 0, false
	}
	return v, true
}
