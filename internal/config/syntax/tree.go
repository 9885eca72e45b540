package syntax

import "strings"

// Node is one logical line of the configuration: a keyword and its
// arguments, and the lines of the block that follows it, if any.
type Node struct {
	Pos Pos
	// Words are the line's words; Words[0] is the keyword.
	Words []string
	// Text is the whole logical line after preprocessing, for keywords
	// whose value is re-read with other rules (scripts, see ParseCommand).
	Text string
	// Block is set when the line is followed by "{ ... }"; Children are
	// the lines inside.
	Block    bool
	Children []*Node
	// End is where the block's closing '}' was read (zero if none was).
	End Pos
}

// Keyword returns the first word.
func (n *Node) Keyword() string { return n.Words[0] }

// Args returns the words after the keyword.
func (n *Node) Args() []string { return n.Words[1:] }

// String renders the node's line as it was read.
func (n *Node) String() string { return strings.Join(n.Words, " ") }

// tree assembles logical lines into nodes as they are read. A '{' opens a
// block for the line just before it; a '{' with no line before it is
// reported and its contents kept in an unnamed node so that braces stay
// balanced.
//
// A configuration of 10,000 virtual servers is 350,000 lines or more, so
// the tree allocates in chunks: nodes from a slab, their words and the
// blocks' children carved from shared arrays. The children of the open
// blocks wait on one stack (pending) and each block gets its own exactly
// sized slice when it closes.
type tree struct {
	root  Node
	stack []*Node // open blocks, innermost last
	// starts[i] is where stack[i]'s children begin in pending; the
	// root's begin at 0.
	starts  []int
	pending []*Node
	prev    *Node // the node read just before, if it can take a block
	nodes   []Node
	words   []string
	kids    []*Node
}

// add places one logical line and returns the problem it has, if any.
func (t *tree) add(text string, pos Pos) (words []string, problem string) {
	switch text {
	case "{":
		if t.prev == nil {
			problem = "Unexpected '{' - ignoring"
			t.prev = t.node(Node{Pos: pos, Words: []string{"{"}, Text: "{"})
		}
		t.prev.Block = true
		t.stack = append(t.stack, t.prev)
		t.starts = append(t.starts, len(t.pending))
		t.prev = nil
		return nil, problem
	case "}":
		if len(t.stack) == 0 {
			problem = "Extra '}' found"
		} else {
			t.stack[len(t.stack)-1].End = pos
			t.pop()
		}
		t.prev = nil
		return nil, problem
	}
	if n := maxWords(text); cap(t.words)-len(t.words) < n {
		t.words = make([]string, 0, max(n, 1024))
	}
	start := len(t.words)
	var ok bool
	t.words, ok = appendWords(t.words, text)
	words = t.words[start:len(t.words):len(t.words)]
	if !ok {
		problem = "Unmatched quote: '" + text + "'"
	}
	if len(words) == 0 {
		t.prev = nil
		return nil, problem
	}
	t.prev = t.node(Node{Pos: pos, Words: words, Text: text})
	return words, problem
}

// node adds n to the innermost open block (or the top level).
func (t *tree) node(n Node) *Node {
	if len(t.nodes) == cap(t.nodes) {
		t.nodes = make([]Node, 0, 256)
	}
	t.nodes = append(t.nodes, n)
	p := &t.nodes[len(t.nodes)-1]
	t.pending = append(t.pending, p)
	return p
}

// pop closes the innermost open block: it takes its children.
func (t *tree) pop() {
	i := len(t.stack) - 1
	t.stack[i].Children = t.children(t.starts[i])
	t.stack, t.starts = t.stack[:i], t.starts[:i]
}

// children takes the pending nodes from start on, in a slice of their
// own (nil for none, as append would have left it).
func (t *tree) children(start int) []*Node {
	n := len(t.pending) - start
	if n == 0 {
		return nil
	}
	if cap(t.kids)-len(t.kids) < n {
		t.kids = make([]*Node, 0, max(n, 1024))
	}
	k := len(t.kids)
	t.kids = append(t.kids, t.pending[start:]...)
	clear(t.pending[start:])
	t.pending = t.pending[:start]
	return t.kids[k : k+n : k+n]
}

// close reports the blocks still open at the end and returns the tree.
func (t *tree) close(report func(Pos, string)) []*Node {
	for _, open := range t.stack {
		report(open.Pos, "'"+open.String()+"' block has no closing '}'")
	}
	for len(t.stack) > 0 {
		t.pop()
	}
	t.root.Children = t.children(0)
	return t.root.Children
}
