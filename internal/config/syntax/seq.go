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
// count times, the k-th time with each name in vars set to value(k).
type loop struct {
	vars  []string
	count int
	value func(k int) []string
	text  string
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
	n, ok := seqCount(start, step, last)
	if !ok {
		return loop{}, fmt.Errorf("~SEQ produces more than %d lines '%s'", maxSeqLines, line)
	}
	base := 10
	if hex {
		base = 16
	}
	value := func(k int) []string {
		return []string{strconv.FormatInt(start+int64(k)*step, base)}
	}
	return loop{vars: []string{name}, count: n, value: value, text: text}, nil
}

// seqCount is the number of values from start to last by step (step is
// not 0 and goes from start towards last), or ok=false when that is more
// than maxSeqLines. It works on the unsigned distance, so values near the
// ends of int64 neither overflow nor loop.
func seqCount(start, step, last int64) (n int, ok bool) {
	var dist, stride uint64
	if step > 0 {
		dist, stride = uint64(last)-uint64(start), uint64(step)
	} else {
		dist, stride = uint64(start)-uint64(last), -uint64(step)
	}
	if c := dist / stride; c < maxSeqLines {
		return int(c) + 1, true
	}
	return 0, false
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
	var sets [][]string
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
		sets = append(sets, set)
		if strings.HasPrefix(p, ")") {
			lp.text = strings.TrimLeft(p[1:], " \t")
			lp.count = len(sets)
			lp.value = func(k int) []string { return sets[k] }
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
