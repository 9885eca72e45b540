package notify

import (
	"io"
	"log/slog"
	"net"
	"strconv"
)

func fmtInt(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err == nil && strconv.Itoa(v) != s {
		return 0, strconv.ErrSyntax
	}
	return v, err
}

func mustInt(s string) int { v, _ := strconv.Atoi(s); return v }

func parsePort(s string) uint16 { v, _ := strconv.Atoi(s); return uint16(v) }

func portOf(ln net.Listener) string {
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

func testLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
