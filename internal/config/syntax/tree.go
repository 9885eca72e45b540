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

// build assembles logical lines into a tree. A '{' opens a block for the
// line just before it; a '{' with no line before it is reported and its
// contents kept in an unnamed node so that braces stay balanced.
func build(lines []logical) ([]*Node, []Error) {
	var errs []Error
	root := &Node{}
	stack := []*Node{root}
	var prev *Node // the node read just before, if it can take a block
	for _, ln := range lines {
		top := stack[len(stack)-1]
		switch ln.text {
		case "{":
			if prev == nil {
				errs = append(errs, Error{Pos: ln.pos, Msg: "Unexpected '{' - ignoring"})
				prev = &Node{Pos: ln.pos, Words: []string{"{"}, Text: "{"}
				top.Children = append(top.Children, prev)
			}
			prev.Block = true
			stack = append(stack, prev)
			prev = nil
		case "}":
			if len(stack) == 1 {
				errs = append(errs, Error{Pos: ln.pos, Msg: "Extra '}' found"})
			} else {
				stack[len(stack)-1].End = ln.pos
				stack = stack[:len(stack)-1]
			}
			prev = nil
		default:
			words, ok := Words(ln.text)
			if !ok {
				errs = append(errs, Error{Pos: ln.pos, Msg: "Unmatched quote: '" + ln.text + "'"})
			}
			if len(words) == 0 {
				prev = nil
				continue
			}
			n := &Node{Pos: ln.pos, Words: words, Text: ln.text}
			top.Children = append(top.Children, n)
			prev = n
		}
	}
	for _, open := range stack[1:] {
		errs = append(errs, Error{Pos: open.Pos, Msg: "'" + open.String() + "' block has no closing '}'"})
	}
	return root.Children, errs
}
