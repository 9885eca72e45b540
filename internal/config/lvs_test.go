package config

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// lvsParse parses src and returns the configuration and its problems.
func lvsParse(t *testing.T, src string) (*Config, Diagnostics) {
	t.Helper()
	return Parse("test.conf", []byte(src), Options{})
}

// lvsMessages joins the problems' messages, for error output.
func lvsMessages(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

// lvsHas tells whether a problem's message contains s.
func lvsHas(ds Diagnostics, s string) bool {
	for _, d := range ds {
		if strings.Contains(d.Msg, s) {
			return true
		}
	}
	return false
}

func TestLVSStatusRange(t *testing.T) {
	tests := []struct {
		in       string
		min, max int
		ok       bool
	}{
		{"200", 200, 200, true},
		{"200-299", 200, 299, true},
		{"100-599", 100, 599, true},
		{"404-404", 404, 404, true},
		{"99", 0, 0, false},
		{"600", 0, 0, false},
		{"302-300", 0, 0, false},
		{"200-600", 0, 0, false},
		{"2xx", 0, 0, false},
		{"200-", 0, 0, false},
		{"-200", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		r, ok := lvsParseStatusRange(tt.in)
		if ok != tt.ok || ok && (r.Min != tt.min || r.Max != tt.max) {
			t.Errorf("lvsParseStatusRange(%q) = %v, %v; want {%d %d}, %v", tt.in, r, ok, tt.min, tt.max, tt.ok)
		}
	}
}

func TestLVSStatusCodesAccepts(t *testing.T) {
	codes := StatusCodes{{200, 204}, {301, 301}}
	for code, want := range map[int]bool{199: false, 200: true, 204: true, 205: false, 301: true, 302: false} {
		if got := codes.Accepts(code); got != want {
			t.Errorf("Accepts(%d) = %v, want %v", code, got, want)
		}
	}
	if got := codes.String(); got != "200-204 301" {
		t.Errorf("String() = %q", got)
	}
}

func TestLVSHex(t *testing.T) {
	tests := []struct {
		in        string
		wildcards bool
		want      string // lvsFormatHex of the result; "" = invalid
	}{
		{"0102", false, "0102"},
		{"01 02 0a0B", false, "01020a0b"},
		{"1 23", false, "0123"},
		{"AbCd", false, "abcd"},
		{"zz", false, ""},
		{"1g", false, ""},
		{"", false, ""},
		{"xx", false, ""},
		{"0x xX 12", true, "0xxx12"},
		{"x1", true, "x1"},
		{"x", true, "0x"},
		{"53 49 50 xX", true, "534950xx"},
	}
	for _, tt := range tests {
		data, mask := lvsParseHex(tt.in, tt.wildcards)
		got := ""
		if data != nil {
			got = lvsFormatHex(data, mask)
		}
		if got != tt.want {
			t.Errorf("lvsParseHex(%q, %v) = %q, want %q", tt.in, tt.wildcards, got, tt.want)
		}
	}
}

func TestLVSHexPatternMatch(t *testing.T) {
	data, mask := lvsParseHex("53 x9 5x", true)
	p := &HexPattern{Data: data, Mask: mask}
	tests := []struct {
		reply []byte
		want  bool
	}{
		{[]byte{0x53, 0x49, 0x50}, true},
		{[]byte{0x53, 0xf9, 0x5f, 0x00}, true},
		{[]byte{0x53, 0x48, 0x50}, false},
		{[]byte{0x54, 0x49, 0x50}, false},
		{[]byte{0x53, 0x49}, false},
	}
	for _, tt := range tests {
		if got := p.Match(tt.reply); got != tt.want {
			t.Errorf("Match(% x) = %v, want %v", tt.reply, got, tt.want)
		}
	}
}

func TestLVSUDPPayload(t *testing.T) {
	cfg, diags := lvsParse(t, `
virtual_server 192.0.2.1 53 {
  lvs_sched rr
  lvs_method NAT
  protocol UDP
  real_server 10.0.0.1 53 {
    UDP_CHECK {
      payload 4f 50 54 49 4f 4e 53
      require_reply 53 49 50 xX
    }
  }
}`)
	if len(diags) != 0 {
		t.Fatalf("unexpected problems:\n%s", lvsMessages(diags))
	}
	c := cfg.VirtualServers[0].RealServers[0].UDPCheck[0]
	if got := c.Payload.String(); got != "4f5054494f4e53" {
		t.Errorf("payload = %s", got)
	}
	if got := c.RequireReply.String(); got != "534950xx" {
		t.Errorf("require_reply = %s", got)
	}
	if c.MaxReplyLength != 255 || c.MinReplyLength != 0 {
		t.Errorf("reply lengths = %d..%d, want 0..255", c.MinReplyLength, c.MaxReplyLength)
	}
}

func TestLVSGroupEntries(t *testing.T) {
	tests := []struct {
		line string
		want string // VSGEntry.String(); "" = rejected
	}{
		{"192.0.2.1 80", "192.0.2.1 80"},
		{"192.0.2.1", "192.0.2.1"},
		{"192.0.2.1 0", "192.0.2.1"},
		{"192.0.2.1-10 80", "192.0.2.1-192.0.2.10 80"},
		{"192.0.2.1-192.0.3.5 80", "192.0.2.1-192.0.3.5 80"},
		{"192.0.2.1-192.0.2.1 80", "192.0.2.1 80"},
		{"192.0.2.0/24 80", "192.0.2.0-192.0.2.255 80"},
		{"192.0.2.4/32 80", "192.0.2.4 80"},
		{"2001:db8::1-ff 443", "2001:db8::1-2001:db8::ff 443"},
		{"2001:db8::/120 443", "2001:db8::-2001:db8::ff 443"},
		{"fwmark 7", "fwmark 7"},
		{"fwmark 7 inet6", "fwmark 7 inet6"},
		{"192.0.2.1/24 80", ""},
		{"192.0.2.0/33 80", ""},
		{"192.0.2.0/0 80", ""},
		{"192.0.2.9-3 80", ""},
		{"192.0.2.9-9 80", ""},
		{"192.0.2.9-256 80", ""},
		{"192.0.2.9-12x 80", ""},
		{"192.0.2.9-192.0.2.1 80", ""},
		{"192.0.2.9-2001:db8::1 80", ""},
		{"192.0.2.256 80", ""},
		{"192.0.2.1 65536", ""},
		{"fwmark -1", ""},
		{"fwmark 1 ipx", ""},
	}
	for _, tt := range tests {
		cfg, diags := lvsParse(t, "virtual_server_group G {\n  "+tt.line+"\n  fwmark 99 inet\n}\n")
		if len(cfg.VirtualServerGroups) != 1 {
			t.Fatalf("%q: group removed:\n%s", tt.line, lvsMessages(diags))
		}
		entries := cfg.VirtualServerGroups[0].Entries
		got := ""
		if len(entries) == 2 {
			got = entries[0].String()
		}
		if got != tt.want {
			t.Errorf("%q: entry %q, want %q (problems: %s)", tt.line, got, tt.want, lvsMessages(diags))
		}
		if (tt.want == "") != (len(diags) > 0) {
			t.Errorf("%q: problems %q", tt.line, lvsMessages(diags))
		}
	}
}

func TestLVSGroupRemoved(t *testing.T) {
	for _, body := range []string{"", "192.0.2.1 80\n2001:db8::1 80\nfwmark 1\n", "bogus\n"} {
		cfg, diags := lvsParse(t, "virtual_server_group G {\n"+body+"}\n")
		if len(cfg.VirtualServerGroups) != 0 || len(diags) == 0 {
			t.Errorf("group %q kept (%d groups), problems %q", body, len(cfg.VirtualServerGroups), lvsMessages(diags))
		}
	}
}

func TestLVSRealServerPorts(t *testing.T) {
	tests := []struct {
		name   string
		vs     string // virtual_server arguments
		method string
		rs     string // real_server arguments
		want   uint16
		warn   bool
	}{
		{"NAT takes VS port", "192.0.2.1 80", "NAT", "10.0.0.1", 80, false},
		{"NAT keeps own port", "192.0.2.1 80", "NAT", "10.0.0.1 8080", 8080, false},
		{"DR takes VS port", "192.0.2.1 80", "DR", "10.0.0.1", 80, false},
		{"DR same port", "192.0.2.1 80", "DR", "10.0.0.1 80", 80, false},
		{"DR port reset", "192.0.2.1 80", "DR", "10.0.0.1 8080", 80, true},
		{"TUN port reset", "192.0.2.1 80", "TUN", "10.0.0.1 8080", 80, true},
		{"fwmark DR cleared", "fwmark 1", "DR", "10.0.0.1 80", 0, true},
		{"fwmark NAT kept", "fwmark 1", "NAT", "10.0.0.1 80", 80, false},
		{"fwmark NAT no port", "fwmark 1", "NAT", "10.0.0.1", 0, false},
		{"port zero is none", "192.0.2.1 80", "DR", "10.0.0.1 000", 80, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "virtual_server " + tt.vs + " {\n lvs_sched rr\n lvs_method " + tt.method +
				"\n real_server " + tt.rs + " {\n }\n}\n"
			if !strings.HasPrefix(tt.vs, "fwmark") {
				src = strings.Replace(src, "lvs_sched rr", "lvs_sched rr\n protocol TCP", 1)
			}
			cfg, diags := lvsParse(t, src)
			rs := cfg.VirtualServers[0].RealServers[0]
			if rs.Addr.Port != tt.want {
				t.Errorf("port = %d, want %d", rs.Addr.Port, tt.want)
			}
			if got := len(diags) > 0; got != tt.warn {
				t.Errorf("problems = %q, want some: %v", lvsMessages(diags), tt.warn)
			}
		})
	}
}

func TestLVSRetryDefaults(t *testing.T) {
	type want struct {
		retry uint32
		dbr   Duration
	}
	tests := []struct {
		name    string
		vs, rs  string // extra lines
		checker string
		want    want
	}{
		{"TCP default", "", "", "TCP_CHECK {\n}", want{1, Second}},
		{"HTTP default", "", "", "HTTP_GET {\n url {\n path /\n }\n}", want{1, 3 * Second}},
		{"SSL default", "", "", "SSL_GET {\n url {\n path /\n }\n}", want{1, 3 * Second}},
		{"DNS default", "", "", "DNS_CHECK {\n}", want{3, 60 * Second}},
		{"DNS default follows delay_loop", "", "", "DNS_CHECK {\n delay_loop 7\n}", want{3, 7 * Second}},
		{"MISC default", "", "", "MISC_CHECK {\n misc_path /bin/true\n}", want{0, Second}},
		{"SMTP default", "", "", "SMTP_CHECK {\n}", want{1, Second}},
		{"UDP default", "", "", "UDP_CHECK {\n}", want{1, Second}},
		{"PING default", "", "", "PING_CHECK {\n}", want{1, Second}},
		{"from VS", "retry 5\ndelay_before_retry 2", "", "DNS_CHECK {\n}", want{5, 2 * Second}},
		{"RS over VS", "retry 5\ndelay_before_retry 2", "retry 4\ndelay_before_retry 0.5", "TCP_CHECK {\n}", want{4, Second / 2}},
		{"checker over RS", "retry 5", "retry 4", "TCP_CHECK {\n retry 0\n delay_before_retry 9\n}", want{0, 9 * Second}},
		{"nb_get_retry", "", "", "HTTP_GET {\n nb_get_retry 6\n url {\n path /\n }\n}", want{6, 3 * Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "virtual_server 192.0.2.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n" + tt.vs +
				"\n real_server 10.0.0.1 80 {\n" + tt.rs + "\n" + tt.checker + "\n }\n}\n"
			cfg, diags := lvsParse(t, src)
			if len(cfg.VirtualServers) != 1 {
				t.Fatalf("no virtual server:\n%s", lvsMessages(diags))
			}
			var got []*CheckParams
			rs := cfg.VirtualServers[0].RealServers[0]
			for _, c := range rs.connCheckers() {
				got = append(got, c.params())
			}
			for _, c := range rs.MiscCheck {
				got = append(got, &c.CheckParams)
			}
			if len(got) != 1 {
				t.Fatalf("%d checkers:\n%s", len(got), lvsMessages(diags))
			}
			if got[0].Retry != tt.want.retry || got[0].DelayBeforeRetry != tt.want.dbr {
				t.Errorf("retry %d, delay_before_retry %s; want %d, %s", got[0].Retry, got[0].DelayBeforeRetry, tt.want.retry, tt.want.dbr)
			}
		})
	}
}

func TestLVSCheckerInheritance(t *testing.T) {
	cfg, diags := lvsParse(t, `
virtual_server 192.0.2.1 80 {
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  delay_loop 20
  connect_timeout 3
  warmup 4
  weight 7
  alpha
  virtualhost vs.example.com
  real_server 10.0.0.1 80 {
    connect_timeout 2
    HTTP_GET {
      url {
        path /
      }
      url {
        path /x
        virtualhost url.example.com
      }
    }
  }
}`)
	if len(diags) != 0 {
		t.Fatalf("unexpected problems:\n%s", lvsMessages(diags))
	}
	rs := cfg.VirtualServers[0].RealServers[0]
	c := rs.HTTPGet[0]
	if rs.Weight != 7 || !rs.Alpha || !c.Alpha {
		t.Errorf("weight %d alpha %v/%v, want 7 true/true", rs.Weight, rs.Alpha, c.Alpha)
	}
	if c.ConnectTimeout != 2*Second || c.DelayLoop != 20*Second || c.Warmup != 4*Second {
		t.Errorf("connect_timeout %s delay_loop %s warmup %s", c.ConnectTimeout, c.DelayLoop, c.Warmup)
	}
	if c.URLs[0].Virtualhost != "vs.example.com" || c.URLs[1].Virtualhost != "url.example.com" {
		t.Errorf("virtualhosts %q %q", c.URLs[0].Virtualhost, c.URLs[1].Virtualhost)
	}
}

func TestLVSDefaults(t *testing.T) {
	cfg, diags := lvsParse(t, `
virtual_server 192.0.2.1 80 {
  real_server 10.0.0.1 80 {
  }
}`)
	vs := cfg.VirtualServers[0]
	if vs.Protocol != "UDP" || vs.Sched != "wlc" || vs.Method.Method != "NAT" {
		t.Errorf("protocol %s sched %s method %s, want UDP wlc NAT", vs.Protocol, vs.Sched, vs.Method)
	}
	if vs.DelayLoop != 60*Second || vs.ConnectTimeout != 5*Second || vs.Quorum != 1 || vs.Weight != 1 {
		t.Errorf("delay_loop %s connect_timeout %s quorum %d weight %d", vs.DelayLoop, vs.ConnectTimeout, vs.Quorum, vs.Weight)
	}
	rs := vs.RealServers[0]
	if !rs.SMTPAlert || vs.SMTPAlert {
		t.Errorf("smtp_alert rs %v vs %v, want true false", rs.SMTPAlert, vs.SMTPAlert)
	}
	for _, msg := range []string{"no protocol set - defaulting to UDP", "no scheduler set", "no forwarding method set"} {
		if !lvsHas(diags, msg) {
			t.Errorf("missing problem %q in:\n%s", msg, lvsMessages(diags))
		}
	}
}

func TestLVSSMTPAlertGlobal(t *testing.T) {
	f := false
	p := &parser{cfg: newConfig()}
	p.cfg.Global.SMTPAlert = &f
	if p.lvsSMTPAlert(nil, true) {
		t.Error("global smtp_alert false not applied")
	}
	tr := true
	p.cfg.Global.SMTPAlertChecker = &tr
	if !p.lvsSMTPAlert(nil, false) {
		t.Error("smtp_alert_checker not preferred")
	}
	if p.lvsSMTPAlert(&f, true) {
		t.Error("object's own smtp_alert not preferred")
	}
}

func TestLVSPersistence(t *testing.T) {
	tests := []struct {
		lines   string
		timeout uint32
		gran    string
	}{
		{"persistence_timeout", 360, ""},
		{"persistence_timeout 50", 50, ""},
		{"persistence_granularity 255.255.255.0", 360, "255.255.255.0"},
		{"persistence_granularity 64", 360, "0.0.0.64"},
		{"persistence_timeout 10\npersistence_granularity 255.255.0.0", 10, "255.255.0.0"},
	}
	for _, tt := range tests {
		cfg, diags := lvsParse(t, "virtual_server 192.0.2.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n"+tt.lines+"\n real_server 10.0.0.1 80 {\n }\n}\n")
		vs := cfg.VirtualServers[0]
		if vs.PersistenceTimeout != tt.timeout || vs.PersistenceGranularity != tt.gran || len(diags) != 0 {
			t.Errorf("%q: timeout %d granularity %q, problems %q", tt.lines, vs.PersistenceTimeout, vs.PersistenceGranularity, lvsMessages(diags))
		}
	}
}

func TestLVSInetAton(t *testing.T) {
	tests := map[string]string{
		"255.255.255.0": "255.255.255.0",
		"64":            "0.0.0.64",
		"1.2":           "1.0.0.2",
		"0xff.0.0.0":    "255.0.0.0",
		"010.0.0.1":     "8.0.0.1",
		"1.2.3.256":     "",
		"1.2.3.4.5":     "",
		"a.b":           "",
		"":              "",
	}
	for in, want := range tests {
		a, ok := lvsParseInetAton(in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != want {
			t.Errorf("lvsParseInetAton(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLVSQuotedEscaped(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`regex "^HTTP/1\.[01] 200"`, []string{"regex", "^HTTP/1.[01] 200"}},
		{`regex "a\\.b"`, []string{"regex", `a\.b`}},
		{`regex 'x y' z`, []string{"regex", "x y", "z"}},
		{`regex a\x41\tb`, []string{"regex", "aA\tb"}},
		{`regex \101`, []string{"regex", "A"}},
	}
	for _, tt := range tests {
		got, err := syntax.SplitEscaped(tt.in)
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("syntax.SplitEscaped(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := syntax.SplitEscaped(`regex "abc`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

func TestLVSMethodString(t *testing.T) {
	tests := []struct {
		line string
		want string
		ok   bool
	}{
		{"lvs_method NAT", "NAT", true},
		{"lvs_method DR", "DR", true},
		{"lvs_method TUN", "TUN", true},
		{"lvs_method TUN type ipip", "TUN", true},
		{"lvs_method TUN type gue port 6080", "TUN type gue port 6080", true},
		{"lvs_method TUN type gue port 6080 remcsum", "TUN type gue port 6080 remcsum", true},
		{"lvs_method TUN type gre csum", "TUN type gre csum", true},
		{"lvs_method TUN type gue", "TUN", false},
		{"lvs_method TUN port 1", "TUN", false},
		{"lvs_method TUN type ipip csum", "TUN", false},
		{"lvs_method TUN type gre remcsum", "TUN", false},
		{"lvs_method TUN type vxlan", "TUN", false},
		{"lvs_method TUN type", "TUN", false},
		{"lvs_method MASQ", "", false},
	}
	for _, tt := range tests {
		p := &parser{cfg: newConfig()}
		var m LVSMethod
		n := &syntax.Node{Words: strings.Fields(tt.line)}
		p.lvsMethod(n, &m, "virtual")
		if m.String() != tt.want || (len(p.diags) == 0) != tt.ok {
			t.Errorf("%q: %q, problems %q; want %q, ok %v", tt.line, m.String(), lvsMessages(p.diags), tt.want, tt.ok)
		}
	}
}

func TestLVSSMTPHosts(t *testing.T) {
	cfg, _ := lvsParse(t, `
virtual_server 192.0.2.1 25 {
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 10.0.0.1 25 {
    SMTP_CHECK {
      connect_port 2525
      host {
        connect_ip 10.0.0.2
      }
    }
    SMTP_CHECK {
      host {
        connect_ip 10.0.0.3
      }
    }
  }
}`)
	var got []string
	for _, c := range cfg.VirtualServers[0].RealServers[0].SMTPCheck {
		got = append(got, netip.AddrPortFrom(c.ConnectIP, c.ConnectPort).String())
	}
	want := "10.0.0.1:2525 10.0.0.2:25 10.0.0.3:25"
	if strings.Join(got, " ") != want {
		t.Errorf("SMTP checkers %v, want %s", got, want)
	}
}

func TestLVSNftablesSchedulers(t *testing.T) {
	for sched, ok := range map[string]bool{"rr": true, "wrr": true, "sh": true, "dh": true, "mh": true, "wlc": false, "lc": false, "sed": false, "twos": false, "": false} {
		src := "virtual_server 192.0.2.1 80 {\n lvs_method NAT\n protocol TCP\n lvs_sched " + sched + "\n real_server 10.0.0.1 80 {\n }\n}\n"
		if sched == "" {
			src = strings.Replace(src, "lvs_sched \n", "", 1)
		}
		nodes, errs := syntax.ParseBytes("test.conf", []byte(src), syntax.Options{})
		if len(errs) != 0 {
			t.Fatal(errs)
		}
		p := &parser{cfg: newConfig()}
		p.cfg.Global.LVSDataplane = "nftables"
		parseBlock(p, nodes, p.cfg, rootTable())
		p.validateLVS()
		refused := false
		for _, d := range p.diags {
			if d.Kind == KindUnsupported && strings.Contains(d.Msg, "nftables") {
				refused = true
				if sched != "" && d.Pos.Line != 4 {
					t.Errorf("%s: reported at line %d, want the lvs_sched line 4", sched, d.Pos.Line)
				}
			}
		}
		if refused == ok {
			t.Errorf("scheduler %q: refused %v, want %v", sched, refused, !ok)
		}
	}
}

func TestLVSEnd(t *testing.T) {
	nodes, _ := syntax.ParseBytes("t.conf", []byte("a {\n  b {\n    c 1\n  }\n}\nd {\n}\n"), syntax.Options{})
	if got := blockEnd(nodes[0]).Line; got != 5 {
		t.Errorf("end of a = %d, want 5", got)
	}
	if got := blockEnd(nodes[0].Children[0]).Line; got != 4 {
		t.Errorf("end of b = %d, want 4", got)
	}
	if got := blockEnd(nodes[1]).Line; got != 7 {
		t.Errorf("end of d = %d, want 7", got)
	}
}

func TestLVSFileCheckTracks(t *testing.T) {
	cfg, diags := lvsParse(t, `
track_file known {
  file /run/known
  weight 10 reverse
}
virtual_server 192.0.2.1 80 {
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 10.0.0.1 80 {
    FILE_CHECK {
      track_file known
    }
    FILE_CHECK {
      track_file unknown
    }
  }
}`)
	fc := cfg.VirtualServers[0].RealServers[0].FileCheck
	if len(fc) != 1 || fc[0].Weight == nil || fc[0].Weight.String() != "10 reverse" {
		t.Errorf("FILE_CHECKs %v", fc)
	}
	if !lvsHas(diags, "track_file unknown not found") {
		t.Errorf("problems %q", lvsMessages(diags))
	}
}

func TestLVSJSON(t *testing.T) {
	files := []string{"lvs_dr_http.conf", "lvs_group_ranges.conf", "lvs_udp.conf", "lvs_smtp.conf", "lvs_misc.conf"}
	for _, f := range files {
		cfg, _ := Load("testdata/golden/"+f, goldenOptions())
		var b strings.Builder
		if err := JSON(&b, cfg); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if !strings.Contains(b.String(), `"virtual_server"`) {
			t.Errorf("%s: no virtual_server in JSON", f)
		}
	}
}
