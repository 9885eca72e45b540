package check

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config"
)

// Result is one check's outcome.
type Result struct {
	OK bool
	// Recovered are keepalived's lines for a success logged while the
	// checker is down, before the checker's success line: HTTP_GET's
	// "HTTP status code success to [192.0.2.11]:tcp:80 url(/)", one per
	// url.
	Recovered []string
	// Reason says why the check failed, in a few words for events and
	// status ("connection refused", "timeout", "status 503").
	Reason string
	// Log is keepalived's line for this failure, logged while the checker
	// is up when log_all_failures (or checker_log_all_failures) is set,
	// for example "TCP connection to [192.0.2.11]:tcp:80 timeout.".
	Log string
	// Weight, when HasWeight, is the weight the check gives the real
	// server (misc_dynamic: exit status - 2).
	Weight    int64
	HasWeight bool
	// Status is MISC_CHECK's exit status (or signal, see Signaled), -1 on
	// a timeout.
	Status   int
	Signaled bool
}

// Prober makes one check. ctx ends at the checker's connect_timeout (or
// misc_timeout); Probe must return by then.
type Prober interface {
	Probe(ctx context.Context) Result
}

// ProberFunc adapts a function to Prober.
type ProberFunc func(ctx context.Context) Result

// Probe calls f.
func (f ProberFunc) Probe(ctx context.Context) Result { return f(ctx) }

// Trio formats an address as keepalived's inet_sockaddrtotrio:
// "[192.0.2.11]:tcp:80". proto is the virtual server's protocol (TCP, UDP,
// SCTP; "" gives "none").
func Trio(a netip.Addr, proto string, port uint16) string {
	s := ""
	if a.IsValid() {
		s = a.WithZone("").String()
	}
	if proto == "" {
		proto = "none"
	}
	return "[" + s + "]:" + strings.ToLower(proto) + ":" + strconv.Itoa(int(port))
}

// VSName formats a virtual server as keepalived's FMT_VS.
func VSName(vs *config.VirtualServer) string {
	switch {
	case vs.Service.Group != "":
		return "[" + vs.Service.Group + "]:0"
	case vs.Service.IsFwmark:
		return "FWM " + strconv.FormatUint(uint64(vs.Service.Fwmark), 10)
	}
	return Trio(vs.Service.Addr, vs.Protocol, vs.Service.Port)
}

// texts are a checker kind's log lines.
type texts struct {
	// success is logged when the checker goes up.
	success func(name string) string
	// down is logged when the checker goes down; after says retries were
	// made first.
	down func(name, vs string, retry uint32, after bool) string
	// alertUp and alertDown are the smtp_alert subjects.
	alertUp, alertDown string
}

var kindTexts = map[string]texts{
	"TCP_CHECK": {
		success: func(n string) string { return "TCP connection to " + n + " success." },
		down: func(n, _ string, r uint32, after bool) string {
			return downLine("TCP_CHECK on service "+n+" failed", r, after)
		},
		alertUp: "=> TCP CHECK succeed on service <=", alertDown: "=> TCP CHECK failed on service <=",
	},
	"HTTP_GET": {
		success: func(n string) string { return "Remote Web server " + n + " succeed on service." },
		down: func(n, _ string, r uint32, after bool) string {
			return downLine("HTTP_CHECK on service "+n+" failed", r, after)
		},
		alertUp: "=> CHECK succeed on service <=", alertDown: "=> CHECK failed on service : HTTP/SSL request failed <=",
	},
	"SSL_GET": {
		success: func(n string) string { return "Remote Web server " + n + " succeed on service." },
		down: func(n, _ string, r uint32, after bool) string {
			return downLine("SSL_CHECK on service "+n+" failed", r, after)
		},
		alertUp: "=> CHECK succeed on service <=", alertDown: "=> CHECK failed on service : HTTP/SSL request failed <=",
	},
	"UDP_CHECK": {
		success: func(n string) string { return "UDP connection to " + n + " success." },
		down: func(n, _ string, r uint32, after bool) string {
			return downLine("UDP_CHECK on service "+n+" failed", r, after)
		},
		alertUp: "=> UDP CHECK succeed on service <=", alertDown: "=> UDP CHECK failed on service <=",
	},
	"PING_CHECK": {
		success: func(n string) string { return "ICMP connection to " + n + " success." },
		down: func(n, vs string, r uint32, after bool) string {
			if after {
				return fmt.Sprintf("ICMP CHECK on service %s of %s failed after %d retries.", n, vs, r)
			}
			return "ICMP CHECK on service " + n + " failed."
		},
		alertUp: "=> ICMP CHECK succeed on service <=", alertDown: "=> ICMP CHECK failed on service <=",
	},
	"SMTP_CHECK": {
		success: func(n string) string { return "Remote SMTP server " + n + " succeed on service." },
		// SMTP_CHECK logs the last error instead (see smtpDown).
		alertUp: "=> CHECK succeed on service <=", alertDown: "=> CHECK failed on service <=",
	},
	"DNS_CHECK": {
		success: func(string) string { return "" }, // keepalived logs nothing
		alertUp: "=> DNS_CHECK: succeed on service <=", alertDown: "=> DNS_CHECK: failed on service <=",
	},
	"MISC_CHECK": {
		alertUp: "=> MISC CHECK succeeded on service <=", alertDown: "=> MISC CHECK failed on service <=",
	},
}

func downLine(prefix string, retry uint32, after bool) string {
	if after {
		return fmt.Sprintf("%s after %d retries.", prefix, retry)
	}
	return prefix + "."
}

// failing is a prober that always fails with reason (a checker that
// could not be built, such as a bad digest).
func failing(reason string) Prober {
	return ProberFunc(func(context.Context) Result { return Result{Reason: reason, Log: reason} })
}
