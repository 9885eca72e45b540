package syntax

import (
	"errors"
	"fmt"
	"strings"
)

// Command is a script keyword's value: the argv keepalived executes directly
// (no shell) and the optional user and group to run it as.
type Command struct {
	Args  []string
	User  string
	Group string
}

// String renders the command as keepalived logs it: the words joined by
// blanks, each quoted if it holds a blank or is empty.
func (c Command) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		if a == "" || strings.ContainsAny(a, " \t'\"") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts[i] = a
	}
	return strings.Join(parts, " ")
}

// ParseCommand parses the logical line of a script keyword (notify_master,
// script, misc_path, ...), keyword included, as keepalived's
// notify_script_init() does: the line is split into words with ' and "
// grouping (no escapes); the second word is the command, itself split with
// ' and " quoting and backslash escapes (\a \b \E \f \n \r \t \v \NNN octal,
// \xHH, \cC, \C); the third and fourth words are the user and group. A
// "user:group" third word is split at the colon.
func ParseCommand(line string) (Command, error) {
	words, err := splitQuoted(line, false)
	if err != nil {
		return Command{}, err
	}
	if len(words) < 2 || words[1] == "" {
		return Command{}, errors.New("missing script")
	}
	args, err := splitQuoted(words[1], true)
	if err != nil {
		return Command{}, err
	}
	if len(args) == 0 {
		return Command{}, errors.New("missing script")
	}
	c := Command{Args: args}
	switch rest := words[2:]; {
	case len(rest) > 2:
		return c, fmt.Errorf("extra words after user and group: %q", strings.Join(rest[2:], " "))
	case len(rest) == 2:
		c.User, c.Group = rest[0], strings.TrimPrefix(rest[1], ":")
	case len(rest) == 1:
		c.User, c.Group, _ = strings.Cut(rest[0], ":")
	}
	return c, nil
}

// SplitEscaped splits text as keepalived's alloc_strvec_quoted_escaped()
// does (used for script commands and HTTP_GET regex values): words
// separated by blanks, ' and " quoting inside words, and backslash escapes
// (\a \b \E \f \n \r \t \v \NNN octal, \xHH, \cC, \C).
func SplitEscaped(text string) ([]string, error) { return splitQuoted(text, true) }

// splitQuoted is keepalived's alloc_strvec_quoted_escaped_common(): words
// separated by blanks, ' and " quote runs inside a word, and with escapes
// backslash sequences are decoded (without, the backslash and the next
// character are kept as they are).
func splitQuoted(src string, escapes bool) ([]string, error) {
	var words []string
	i := 0
	for {
		for i < len(src) && isSpace(src[i]) {
			i++
		}
		if i == len(src) {
			return words, nil
		}
		var w []byte
		var quote byte
	word:
		for i < len(src) {
			c := src[i]
			switch {
			case c == '\\':
				if i+1 == len(src) {
					return nil, fmt.Errorf("missing escape character at end of %q", src)
				}
				if !escapes {
					w = append(w, c, src[i+1])
					i += 2
					continue
				}
				var ch byte
				ch, i = unescape(src, i+1)
				w = append(w, ch)
			case quote != 0 && c == quote:
				quote = 0
				i++
			case quote != 0:
				w = append(w, c)
				i++
			case c == '"' || c == '\'':
				quote = c
				i++
			case isSpace(c):
				break word
			default:
				w = append(w, c)
				i++
			}
		}
		if quote != 0 {
			return nil, fmt.Errorf("string %q: missing terminating %c", src, quote)
		}
		words = append(words, string(w))
	}
}

// unescape decodes the escape sequence starting at src[i] (just after the
// backslash) and returns the byte and the index after the sequence.
func unescape(src string, i int) (byte, int) {
	c := src[i]
	switch {
	case c == 'x' && i+1 < len(src) && isHex(src[i+1]):
		var v byte
		i++
		for n := 0; n < 2 && i < len(src) && isHex(src[i]); n++ {
			v = v<<4 | hexVal(src[i])
			i++
		}
		return v, i
	case c == 'c' && i+1 < len(src):
		return src[i+1] & 0x1f, i + 2
	case c >= '0' && c <= '7':
		v := c - '0'
		i++
		for n := 0; n < 2 && i < len(src) && src[i] >= '0' && src[i] <= '7'; n++ {
			v = v<<3 + (src[i] - '0')
			i++
		}
		return v, i
	}
	if r, ok := simpleEscapes[c]; ok {
		return r, i + 1
	}
	return c, i + 1
}

var simpleEscapes = map[byte]byte{
	'a': '\a', 'b': '\b', 'E': 0x1b, 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v',
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
