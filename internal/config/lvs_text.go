package config

import (
	"encoding/hex"
	"errors"
	"strings"
)

// lvsQuotedEscaped splits a raw line as keepalived's
// alloc_strvec_quoted_escaped() does: words separated by blanks, ' and "
// quoting inside words, and backslash escapes everywhere (\a \b \E \f \n
// \r \t \v, \xHH..., \cC, \NNN octal, \C = C).
func lvsQuotedEscaped(line string) ([]string, error) {
	var words []string
	i := 0
	for {
		for i < len(line) && strings.IndexByte(" \t\f\n\r\v", line[i]) >= 0 {
			i++
		}
		if i == len(line) {
			return words, nil
		}
		var w []byte
		var quote byte
	word:
		for i < len(line) {
			c := line[i]
			switch {
			case c == '\\':
				b, n, err := lvsEscape(line[i+1:])
				if err != nil {
					return nil, err
				}
				w = append(w, b)
				i += 1 + n
			case quote != 0 && c == quote:
				quote = 0
				i++
			case quote != 0:
				w = append(w, c)
				i++
			case c == '"' || c == '\'':
				quote = c
				i++
			case strings.IndexByte(" \t\f\n\r\v", c) >= 0:
				break word
			default:
				w = append(w, c)
				i++
			}
		}
		if quote != 0 {
			return nil, errors.New("missing terminating " + string(quote))
		}
		words = append(words, string(w))
	}
}

// lvsEscape decodes the escape after a backslash, returning the byte and
// the number of characters read.
func lvsEscape(s string) (byte, int, error) {
	if s == "" {
		return 0, 0, errors.New("missing escape char at end")
	}
	isHex := func(c byte) bool { return strings.IndexByte("0123456789abcdefABCDEF", c) >= 0 }
	switch c := s[0]; {
	case c == 'x' && len(s) > 1 && isHex(s[1]):
		var v byte
		n := 1
		for n < len(s) && isHex(s[n]) {
			d, _ := hex.DecodeString("0" + string(s[n]))
			v = v<<4 | d[0]
			n++
		}
		return v, n, nil
	case c == 'c' && len(s) > 1:
		return s[1] & 0x1f, 2, nil
	case c >= '0' && c <= '7':
		v, n := c-'0', 1
		for n < 3 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
			v = v<<3 + s[n] - '0'
			n++
		}
		return v, n, nil
	}
	simple := map[byte]byte{'a': '\a', 'b': '\b', 'E': 0x1b, 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}
	if b, ok := simple[s[0]]; ok {
		return b, 1, nil
	}
	return s[0], 1, nil
}

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
