// Command genhash is keepalived's digest tool for HTTP_GET and SSL_GET
// (see internal/cli).
package main

import (
	"context"
	"os"

	"github.com/keepalived-go/keepalived/internal/cli"
)

func main() {
	os.Exit(cli.RunGenhash(context.Background(), os.Args[0], os.Args[1:], os.Stdout, os.Stderr))
}
