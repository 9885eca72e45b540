package config

import (
	"strings"
)

// lvsParseHex reads keepalived's hex strings (read_hex_str()): pairs of
// hex digits, blanks allowed between bytes, a lone digit before a blank
// or the end is a byte of its own. With wildcards, an x or X is a
// nibble that matches anything: its bits are clear in the mask. It
// returns nil for an invalid or empty string.
func lvsParseHex(s string, wildcards bool) (data, mask []byte) {
	nibble := func(c byte) (v byte, wild, ok bool) {
		switch {
		case c >= '0' && c <= '9':
			return c - '0', false, true
		case c >= 'a' && c <= 'f':
			return c - 'a' + 10, false, true
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10, false, true
		case wildcards && (c == 'x' || c == 'X'):
			return 0, true, true
		}
		return 0, false, false
	}
	for i := 0; ; {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			break
		}
		v, w, ok := nibble(s[i])
		if !ok {
			return nil, nil
		}
		i++
		var wild byte // keepalived's mask: set bits match anything
		if w {
			wild = 0x0f
		}
		if i < len(s) && s[i] != ' ' {
			v2, w2, ok := nibble(s[i])
			if !ok {
				return nil, nil
			}
			i++
			v, wild = v<<4|v2, wild<<4
			if w2 {
				wild |= 0x0f
			}
		}
		m := ^wild
		data, mask = append(data, v), append(mask, m)
	}
	if !wildcards {
		mask = nil
	}
	return data, mask
}

// lvsFormatHex renders bytes as hex, with x for the nibbles the mask
// clears.
func lvsFormatHex(data, mask []byte) string {
	var b strings.Builder
	const digits = "0123456789abcdef"
	for i, v := range data {
		m := byte(0xff)
		if mask != nil {
			m = mask[i]
		}
		for _, shift := range []uint{4, 0} {
			if m>>shift&0xf == 0 {
				b.WriteByte('x')
			} else {
				b.WriteByte(digits[v>>shift&0xf])
			}
		}
	}
	return b.String()
}
