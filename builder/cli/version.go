package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/dbuilder/dbuilder/builder/version"
)

// Version is dbuilder's version (see package version).
var Version = version.Version

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use: "version", Short: "print dbuilder's version", Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(stdout, "dbuilder", Version)
			return err
		},
	}
}
