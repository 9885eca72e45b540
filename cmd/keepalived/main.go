// Command keepalived is keepalived-go's daemon, with keepalived's command
// line (see internal/cli).
package main

import (
	"context"
	"os"

	"github.com/keepalived-go/keepalived/internal/cli"
)

func main() {
	os.Exit(cli.RunKeepalived(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
