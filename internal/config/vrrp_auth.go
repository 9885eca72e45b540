package config

import (
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// VRRPAuth is the authentication block (VRRPv2 only, RFC 2338 §5.3.6).
type VRRPAuth struct {
	// Type is PASS or AH.
	Type string `json:"auth_type"`
	// Pass is the password, at most 8 characters (longer ones are
	// truncated).
	Pass string `json:"auth_pass,omitempty"`
}

// VRRPAuthHMAC is the auth_hmac block (keepalived 2.4): an HMAC-SHA256
// trailer on adverts.
type VRRPAuthHMAC struct {
	Keys      []VRRPAuthHMACKey `json:"key"`
	ActiveKey int               `json:"active_key"`
	// TimeWindow is the freshness window in seconds (1..300); 0 is
	// derived from advert_int (3 adverts, 5..300 s).
	TimeWindow int `json:"time_window"`
	// AntiReplay is "time" (default) or "monotonic".
	AntiReplay string `json:"anti_replay"`
	// Mode is enforce (default), permissive or receive-only.
	Mode string `json:"mode"`
}

// VRRPAuthHMACKey is one auth_hmac key: an id 1..255 and its secret as
// written ("hex:...", "file:PATH" or an ASCII string), 32..64 bytes.
type VRRPAuthHMACKey struct {
	ID    int    `json:"id"`
	Value string `json:"-"`
}

// String renders the key line without its secret.
func (k VRRPAuthHMACKey) String() string {
	if strings.HasPrefix(k.Value, "file:") {
		return strconv.Itoa(k.ID) + " " + k.Value
	}
	return strconv.Itoa(k.ID) + " <secret>"
}

// Authentication keywords, for the authentication block.
var vrrpAuthTable = table[VRRPInstance]{
	"auth_type": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		s, ok := p.vrrpArg(n, 1)
		switch {
		case !ok:
		case s == "AH" || s == "PASS":
			v.Auth.Type = s
		default:
			p.errorf(n, KindValue, "(%s) unknown authentication type '%s'", v.Name, s)
		}
	}),
	"auth_pass": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		s, ok := p.vrrpArg(n, 1)
		if !ok {
			return
		}
		if len(s) > 8 {
			p.errorf(n, KindValue, "Truncating auth_pass to %d characters", 8)
			s = s[:8]
		}
		v.Auth.Pass = s
	}),
}

// vrrpAuthentication reads the authentication block.
//
// Syntax:
//
//	authentication {
//	    auth_type PASS|AH
//	    auth_pass PASSWORD
//	}
func vrrpAuthentication(p *parser, n *syntax.Node, v *VRRPInstance) {
	if v.Auth == nil {
		v.Auth = &VRRPAuth{}
	}
	parseBlock(p, n.Children, v, vrrpAuthTable)
}

// vrrpAuthHMACBlock reads the auth_hmac block.
//
// Syntax:
//
//	auth_hmac {
//	    key 1..255 hex:HEX|file:PATH|STRING
//	    active_key 1..255
//	    time_window 1..300
//	    anti_replay time|monotonic
//	    mode enforce|permissive|receive-only
//	}
func vrrpAuthHMACBlock(p *parser, n *syntax.Node, v *VRRPInstance) {
	if v.AuthHMAC == nil {
		v.AuthHMAC = &VRRPAuthHMAC{AntiReplay: "time", Mode: "enforce"}
	}
	parseBlock(p, n.Children, v, vrrpAuthHMACTable)
}

var vrrpAuthHMACTable = table[VRRPInstance]{
	"key": kw(vrrpAuthHMACKey),
	"active_key": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		if id, ok := p.vrrpUintKw(n, v, 1, 255, "(%[1]s) auth_hmac active_key '%[2]s' must be between 1 and 255"); ok {
			v.AuthHMAC.ActiveKey = int(id)
		}
	}),
	"time_window": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		if w, ok := p.vrrpUintKw(n, v, 1, 300, "(%[1]s) auth_hmac time_window '%[2]s' must be between 1 and 300 seconds"); ok {
			v.AuthHMAC.TimeWindow = int(w)
		}
	}),
	"anti_replay": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		s, ok := p.vrrpArg(n, 1)
		switch {
		case !ok:
		case s == "time" || s == "monotonic":
			v.AuthHMAC.AntiReplay = s
		default:
			p.errorf(n, KindValue, "(%s) auth_hmac anti_replay '%s' must be time or monotonic", v.Name, s)
		}
	}),
	"mode": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		s, ok := p.vrrpArg(n, 1)
		switch {
		case !ok:
		case s == "enforce" || s == "permissive" || s == "receive-only":
			v.AuthHMAC.Mode = s
		default:
			p.errorf(n, KindValue, "(%s) auth_hmac mode '%s' must be enforce, permissive or receive-only", v.Name, s)
		}
	}),
}

func vrrpAuthHMACKey(p *parser, n *syntax.Node, v *VRRPInstance) {
	ah := v.AuthHMAC
	if len(n.Words) < 3 {
		p.errorf(n, KindMissing, "(%s) auth_hmac key needs an id and a value", v.Name)
		return
	}
	id, ok := p.uintWord(n, n.Words[1], 1, 255)
	if !ok {
		p.errorf(n, KindValue, "(%s) auth_hmac key id '%s' must be between 1 and 255", v.Name, n.Words[1])
		return
	}
	val := n.Words[2]
	if l := vrrpHMACKeyLen(val); l >= 0 && (l < 32 || l > 64) {
		p.errorf(n, KindValue, "(%s) auth_hmac key %d length %d not in range [%d, %d]", v.Name, id, l, 32, 64)
		return
	}
	for _, k := range ah.Keys {
		if k.ID == int(id) {
			p.errorf(n, KindDuplicate, "(%s) duplicate auth_hmac key id %d", v.Name, id)
			return
		}
	}
	ah.Keys = append(ah.Keys, VRRPAuthHMACKey{ID: int(id), Value: val})
}

// vrrpHMACKeyLen returns the length in bytes of an inline key, or -1 for
// a key read from a file when the daemon starts.
func vrrpHMACKeyLen(s string) int {
	switch {
	case strings.HasPrefix(s, "file:"):
		return -1
	case strings.HasPrefix(s, "hex:"):
		return len(vrrpHexBytes(s[4:]))
	}
	return len(s)
}

// vrrpHexBytes reads hex digits in pairs, blanks allowed between pairs (a
// single digit before a blank is one byte), as keepalived's
// read_hex_str(); nil if s holds anything else.
func vrrpHexBytes(s string) []byte {
	var out []byte
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		j := i + 1
		if j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		b, err := strconv.ParseUint(s[i:j], 16, 8)
		if err != nil {
			return nil
		}
		out = append(out, byte(b))
		i = j
	}
	return out
}
