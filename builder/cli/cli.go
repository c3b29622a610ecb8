// Package cli is dbuilder's command line: it parses arguments, runs one
// subcommand and maps its outcome to an exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitFailed      = 1 // a target failed, or a check did
	ExitUsage       = 2 // bad arguments or bad configuration
	ExitInterrupted = 130
)

// Run runs dbuilder with args (without the program name).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := Command(stdout, stderr)
	root.SetArgs(longDashes(root, args))
	return root.ExecuteContext(ctx)
}

// Command is dbuilder's command tree, printing to stdout and stderr. The
// reference pages and man pages are generated from it (cmd/dbuilder-docs).
func Command(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "dbuilder",
		Short: "Build and test Linux packages for many distributions at once",
		Long: `dbuilder builds and tests Linux packages (.deb, .rpm) for every target of a
matrix.yaml at once: one builder image per distro, and a Docker daemon of its
own per target for tests that start containers.`,
		Version: Version,
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				c.SetOut(stdout)
				c.Help()
				return UsageError{errors.New("no command given")}
			}
			msg := fmt.Sprintf("unknown command %q (run 'dbuilder help' for the list)", args[0])
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return UsageError{errors.New(msg)}
		},
		SuggestionsMinimumDistance: 2,
		SilenceErrors:              true,
		SilenceUsage:               true,
		DisableAutoGenTag:          true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("dbuilder {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return UsageError{fmt.Errorf("%s: %w (see '%s --help')", c.CommandPath(), err, c.CommandPath())}
	})
	root.AddCommand(
		newBuildCmd(stdout, stderr), newReleaseCmd(stdout, stderr), newPlanCmd(stdout, stderr),
		newDockerfileCmd(stdout, stderr), newDoctorCmd(stdout, stderr), newInitCmd(stdout, stderr),
		newCICmd(stdout, stderr), newCacheCmd(stdout, stderr), newGCCmd(stdout, stderr),
		newVersionCmd(stdout),
	)
	return root
}

// UsageError marks bad arguments or configuration (exit code 2).
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// FailedError marks a run that completed but where something failed (exit 1);
// the details were already printed.
type FailedError struct{ Msg string }

func (e FailedError) Error() string { return e.Msg }

// ExitCode prints err (if any) and returns the process exit code.
func ExitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "dbuilder: interrupted")
		return ExitInterrupted
	}
	fmt.Fprintln(stderr, "dbuilder: "+strings.TrimSpace(err.Error()))
	var ue UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailed
}
