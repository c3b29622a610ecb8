// Command dbuilder builds and tests Linux packages for many distributions.
package main

import (
	"os"

	"github.com/dbuilder/dbuilder/builder/cli"
)

func main() {
	ctx, stop := cli.SignalContext()
	defer stop()
	os.Exit(cli.ExitCode(cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}
