package syntax

import "strings"

// decomment removes leading and trailing blanks and comments from a line, as
// keepalived's decomment() does. '!' and '#' outside double quotes start a
// comment; "\#" and "\!" outside quotes stand for the literal character; a
// '\' at the very end is kept as a continuation marker (only meaningful to
// multi-line definitions). unterminated reports an odd number of quotes.
func decomment(s string) (out string, unterminated bool) {
	s = strings.TrimLeft(s, " \t")
	if !strings.ContainsAny(s, "!#\"\\") {
		return strings.TrimRight(s, " \t"), false
	}
	var b strings.Builder
	quote, cont := false, false
loop:
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			quote = !quote
		case c == '\\':
			if i+1 == len(s) {
				cont = true
				break loop
			}
			next := s[i+1]
			if !quote && (next == '#' || next == '!') {
				b.WriteByte(next)
			} else {
				b.WriteByte(c)
				b.WriteByte(next)
			}
			i++
			continue
		case !quote && (c == '!' || c == '#'):
			break loop
		}
		b.WriteByte(c)
	}
	out = strings.TrimRight(b.String(), " \t")
	if cont {
		out += `\`
	}
	return out, quote
}

// isBlank reports whether c is a space or a tab (C isblank).
func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// isSpace reports whether c is in the set keepalived splits words on
// (C isspace: " \t\f\n\r\v"). A comparison, not a strings.IndexByte per
// character: it is the lexer's innermost loop.
func isSpace(c byte) bool { return c == ' ' || c-'\t' <= '\r'-'\t' }

// Words splits a logical line into keepalived's words: blanks separate
// words, and a word starting with a double quote runs to the next double
// quote (the quotes are removed, blanks inside are kept, there are no
// escapes). A quote inside a word also ends it: a"b c"d gives a, b c, d.
// An unmatched quote ends the line and is reported through ok = false.
func Words(line string) (words []string, ok bool) {
	if n := maxWords(line); n > 0 {
		words = make([]string, 0, n)
	}
	return appendWords(words, line)
}

// appendWords appends line's words (see Words) to words.
func appendWords(words []string, line string) ([]string, bool) {
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return words, true
		}
		if line[i] == '"' {
			end := strings.IndexByte(line[i+1:], '"')
			if end < 0 {
				return words, false
			}
			words = append(words, line[i+1:i+1+end])
			i += end + 2
			continue
		}
		j := i
		for j < len(line) && line[j] != '"' && !isSpace(line[j]) {
			j++
		}
		words = append(words, line[i:j])
		i = j
	}
}

// maxWords bounds the number of words Words finds in line: word starts
// are non-blanks after a blank or a quote, and quotes.
func maxWords(line string) int {
	n := 0
	after := true // after a blank, a quote or at the start
	for i := 0; i < len(line); i++ {
		c := line[i]
		blank := isSpace(c)
		if !blank && (after || c == '"') {
			n++
		}
		after = blank || c == '"'
	}
	return n
}

// splitBrace finds the first '{' or '}' outside double quotes and splits the
// line there, as keepalived does since 1.4.2. A line starting with a brace
// yields the brace alone; otherwise the text before the brace. rest is what
// is left to be read as the next line ("" if nothing).
func splitBrace(line string) (head, rest string) {
	if line == "" {
		return "", ""
	}
	p := -1
	if line[0] == '{' || line[0] == '}' {
		p = 0
	} else {
		for i := 0; i < len(line); i++ {
			if line[i] == '"' {
				end := strings.IndexByte(line[i+1:], '"')
				if end < 0 {
					break
				}
				i += end + 1
				continue
			}
			if line[i] == '{' || line[i] == '}' {
				p = i
				break
			}
		}
	}
	if p < 0 {
		return strings.TrimRight(line, " \t"), ""
	}
	if p == 0 {
		head, rest = line[:1], strings.TrimLeft(line[1:], " \t")
	} else {
		head, rest = line[:p], line[p:]
	}
	return strings.TrimRight(head, " \t"), strings.TrimRight(rest, " \t")
}
