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
type tree struct {
	root  Node
	stack []*Node // open blocks, innermost last
	prev  *Node   // the node read just before, if it can take a block
}

// add places one logical line and returns the problem it has, if any.
func (t *tree) add(text string, pos Pos) (words []string, problem string) {
	top := &t.root
	if len(t.stack) > 0 {
		top = t.stack[len(t.stack)-1]
	}
	switch text {
	case "{":
		if t.prev == nil {
			problem = "Unexpected '{' - ignoring"
			t.prev = &Node{Pos: pos, Words: []string{"{"}, Text: "{"}
			top.Children = append(top.Children, t.prev)
		}
		t.prev.Block = true
		t.stack = append(t.stack, t.prev)
		t.prev = nil
		return nil, problem
	case "}":
		if len(t.stack) == 0 {
			problem = "Extra '}' found"
		} else {
			t.stack[len(t.stack)-1].End = pos
			t.stack = t.stack[:len(t.stack)-1]
		}
		t.prev = nil
		return nil, problem
	}
	words, ok := Words(text)
	if !ok {
		problem = "Unmatched quote: '" + text + "'"
	}
	if len(words) == 0 {
		t.prev = nil
		return nil, problem
	}
	n := &Node{Pos: pos, Words: words, Text: text}
	top.Children = append(top.Children, n)
	t.prev = n
	return words, problem
}

// close reports the blocks still open at the end and returns the tree.
func (t *tree) close(report func(Pos, string)) []*Node {
	for _, open := range t.stack {
		report(open.Pos, "'"+open.String()+"' block has no closing '}'")
	}
	t.stack = nil
	return t.root.Children
}
