// Package syntax reads keepalived.conf text into a tree of positioned
// lines, applying keepalived's preprocessor on the way.
//
// It reproduces keepalived's lib/parser.c read_line() pipeline, one physical
// line at a time:
//
//  1. lines over 1023 bytes and lines with NUL bytes are reported and dropped;
//  2. decomment: leading blanks removed, '!' and '#' outside double quotes
//     start a comment, "\#" and "\!" outside quotes are literal, a trailing
//     '\' is kept as a continuation marker, trailing blanks removed;
//  3. "@ID rest" and "@^ID rest" conditional lines against the config id;
//  4. "$NAME=VALUE" definitions, multi-line when VALUE ends in '\';
//  5. "~SEQ(var, start, step, end) rest", "~SEQx(...)" and "~LST(...)"
//     repeat the rest of the line with $var set (they nest);
//  6. "$NAME" and "${NAME}" late, recursive substitution, with the predefined
//     ${_PWD} ${_INSTANCE} ${_RANDOM [MIN [MAX]]} ${_ENV NAME} ${_HASH}
//     ${_BANG}; the result is decommented again and, when it starts with
//     '@' or still holds a '$', read again from step 3 (keepalived 2.2.7);
//  7. "include FILE" (and includer, includem, includew, includeb, includea)
//     with glob and csh brace patterns, relative to the including file;
//  8. brace splitting: the first '{' or '}' outside quotes ends a logical
//     line, so "}}" closes two blocks;
//  9. tokenising on blanks and double quotes.
//
// The logical lines are then assembled into a tree (Node): a line followed
// by '{' owns the lines up to the matching '}'. Every node and every error
// carries the file and line it came from. A configuration expands to at
// most 1<<21 lines (one ~SEQ to at most 1<<20), so that nested loops and
// multi-line definitions cannot multiply without end.
package syntax
