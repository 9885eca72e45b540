// Command keepalivedctl is keepalived-go's operator tool (see
// internal/cli).
package main

import (
	"context"
	"os"

	"github.com/keepalived-go/keepalived/internal/cli"
)

func main() {
	os.Exit(cli.RunCtlProgram(context.Background(), os.Args, os.Stdout, os.Stderr))
}
