package cli

import (
	"crypto/md5"
	"fmt"
	"io"
	"strings"

	"github.com/keepalived-go/keepalived/internal/check"
)

// The banners of genhash -v (check_http.c).
const (
	bannerHeaderHex   = "-----------------------[    HTTP Header Buffer    ]-----------------------\n"
	bannerHeaderASCII = "-----------------------[ HTTP Header Ascii Buffer ]-----------------------\n"
	bannerHTML        = "-----------------------[        HTML Buffer        ]-----------------------\n"
	bannerHash        = "-----------------------[    HTML hash resulting    ]-----------------------\n"
	bannerHashFinal   = "-----------------------[ HTML hash final resulting ]-----------------------\n"
)

// genhashTrace prints the response as genhash -v does.
func genhashTrace(w io.Writer) *check.HTTPTrace {
	return &check.HTTPTrace{
		HeaderRead: func() { io.WriteString(w, bannerHeaderHex) },
		Header: func(h []byte) {
			dumpBuffer(w, h)
			io.WriteString(w, bannerHeaderASCII)
			fmt.Fprintf(w, "%s\n", h)
		},
		Body: func(part []byte, first bool) {
			if first {
				io.WriteString(w, bannerHTML)
			}
			dumpBuffer(w, part)
		},
		Digest: func(sum [md5.Size]byte) {
			io.WriteString(w, "\n"+bannerHash)
			dumpBuffer(w, sum[:])
			io.WriteString(w, bannerHashFinal)
		},
	}
}

// dumpBuffer writes b as keepalived's dump_buffer: 16 bytes a line, the
// decimal offset, hex bytes with a "-" after the eighth, then the
// printable characters.
func dumpBuffer(w io.Writer, b []byte) {
	var sb strings.Builder
	for off := 0; off < len(b); off += 16 {
		line := b[off:min(off+16, len(b))]
		fmt.Fprintf(&sb, "%.4d ", off&0xffff)
		for i := range 16 {
			if i < len(line) {
				fmt.Fprintf(&sb, "%3.2x", line[i])
			} else {
				sb.WriteString("   ")
			}
			if i == 7 {
				sb.WriteString(" -")
			}
		}
		sb.WriteString("   ")
		for i := range 16 {
			switch {
			case i >= len(line):
				sb.WriteByte(' ')
			case line[i] >= 0x20 && line[i] <= 0x7e:
				sb.WriteByte(line[i])
			default:
				sb.WriteByte('.')
			}
		}
		sb.WriteByte('\n')
	}
	io.WriteString(w, sb.String())
}
