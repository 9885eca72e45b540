package syntax

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxSeqLines bounds the lines one ~SEQ/~LST may produce.
const maxSeqLines = 1 << 20

// loop is a parsed ~SEQ or ~LST line: the rest of the line (text) is read
// once per entry of sets, with each name in vars set to the entry's values.
type loop struct {
	vars []string
	sets [][]string
	text string
}

// parseSeq parses "~SEQ(var, end)", "~SEQ(var, start, end)",
// "~SEQ(var, start, step, end)" and the hex form "~SEQx(...)". Arguments
// may use parameters and C number prefixes (0x..).
func (l *lexer) parseSeq(line string, pos Pos) (loop, error) {
	p := line[len("~SEQ"):]
	hex := strings.HasPrefix(p, "x")
	if hex {
		p = p[1:]
	}
	p = strings.TrimLeft(p, " \t")
	if !strings.HasPrefix(p, "(") {
		return loop{}, fmt.Errorf("invalid ~SEQ specification '%s'", line)
	}
	p = strings.TrimLeft(p[1:], " \t")
	end := strings.IndexByte(p, ')')
	if end < 0 {
		return loop{}, fmt.Errorf("~SEQ missing terminating ')' '%s'", line)
	}
	inner, text := p[:end], strings.TrimLeft(p[end+1:], " \t")
	name, args, _ := strings.Cut(inner, ",")
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, " \t") || !strings.Contains(inner, ",") {
		return loop{}, fmt.Errorf("invalid ~SEQ definition '%s'", line)
	}
	args, more, _, err := l.substitute(args, pos)
	if err != nil {
		return loop{}, err
	}
	if len(more) > 0 {
		return loop{}, fmt.Errorf("~SEQ parameter is multiline definition '%s'", line)
	}
	var nums []int64
	for _, a := range strings.Split(args, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(a), 0, 64)
		if err != nil {
			return loop{}, fmt.Errorf("invalid ~SEQ definition '%s'", line)
		}
		nums = append(nums, n)
	}
	var start, step, last int64
	switch len(nums) {
	case 1:
		last, start, step = nums[0], 1, 1
		if last < 0 {
			start = -1
		}
		if last < 1 {
			step = -1
		}
	case 2:
		start, last, step = nums[0], nums[1], 1
		if start > last {
			step = -1
		}
	case 3:
		start, step, last = nums[0], nums[1], nums[2]
		if step == 0 || start < last && step < 0 || start > last && step > 0 {
			return loop{}, fmt.Errorf("invalid ~SEQ values '%s'", line)
		}
	default:
		return loop{}, fmt.Errorf("invalid ~SEQ definition '%s'", line)
	}
	if hex && (start < 0 || last < 0) {
		return loop{}, fmt.Errorf("~SEQx is only valid for positive numbers '%s'", line)
	}
	lp := loop{vars: []string{name}, text: text}
	for v := start; step > 0 && v <= last || step < 0 && v >= last; v += step {
		if len(lp.sets) == maxSeqLines {
			return loop{}, fmt.Errorf("~SEQ produces more than %d lines '%s'", maxSeqLines, line)
		}
		s := strconv.FormatInt(v, 10)
		if hex {
			s = strconv.FormatInt(v, 16)
		}
		lp.sets = append(lp.sets, []string{s})
	}
	return lp, nil
}

// parseLst parses "~LST(var, v1, v2, ...)" and
// "~LST({a, b}, {1, 2}, {3, 4})"; missing values in a set are empty.
func parseLst(line string) (loop, error) {
	bad := fmt.Errorf("invalid ~LST specification '%s'", line)
	p := strings.TrimLeft(line[len("~LST"):], " \t")
	if !strings.HasPrefix(p, "(") {
		return loop{}, bad
	}
	p = strings.TrimLeft(p[1:], " \t")
	vars, p, err := lstGroup(p, true)
	if err != nil {
		return loop{}, bad
	}
	lp := loop{vars: vars}
	for {
		if !strings.HasPrefix(p, ",") {
			return loop{}, bad
		}
		var set []string
		set, p, err = lstGroup(strings.TrimLeft(p[1:], " \t"), false)
		if err != nil {
			return loop{}, bad
		}
		if len(set) > len(vars) {
			return loop{}, fmt.Errorf("~LST specification has too many values '%s'", line)
		}
		for len(set) < len(vars) {
			set = append(set, "")
		}
		lp.sets = append(lp.sets, set)
		if strings.HasPrefix(p, ")") {
			lp.text = strings.TrimLeft(p[1:], " \t")
			return lp, nil
		}
	}
}

// lstGroup reads one item, or a {a, b} group of items, and returns the rest
// with leading blanks removed.
func lstGroup(p string, names bool) (items []string, rest string, err error) {
	stop := " \t,})"
	if strings.HasPrefix(p, "{") {
		p = strings.TrimLeft(p[1:], " \t")
		for {
			i := strings.IndexAny(p, stop)
			if i < 0 {
				return nil, "", errors.New("unterminated group")
			}
			items = append(items, p[:i])
			p = strings.TrimLeft(p[i:], " \t")
			if strings.HasPrefix(p, "}") {
				return items, strings.TrimLeft(p[1:], " \t"), nil
			}
			if !strings.HasPrefix(p, ",") {
				return nil, "", errors.New("bad group")
			}
			p = strings.TrimLeft(p[1:], " \t")
		}
	}
	i := strings.IndexAny(p, stop)
	if i < 0 {
		return nil, "", errors.New("unterminated list")
	}
	if names && p[:i] == "" {
		return nil, "", errors.New("empty name")
	}
	return []string{p[:i]}, strings.TrimLeft(p[i:], " \t"), nil
}
