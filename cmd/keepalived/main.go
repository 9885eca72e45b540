// Command keepalived is keepalived-go's daemon, with keepalived's command
// line (see internal/cli).
package main

import (
	"context"
	"os"

	"github.com/keepalived-go/keepalived/internal/cli"
)

func main() {
	os.Exit(cli.RunProgram(context.Background(), os.Args, os.Stdout, os.Stderr))
}
