// Package cli is dbuilder's command line: it parses arguments, runs one
// subcommand and maps its outcome to an exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitFailed      = 1 // a target failed, or a check did
	ExitUsage       = 2 // bad arguments or bad configuration
	ExitInterrupted = 130
)

// command is one subcommand; each lives in its own file and registers here.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// Run runs dbuilder with args (without the program name).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return UsageError{errors.New("no command given")}
		}
		return nil
	}
	if args[0] == "--version" || args[0] == "version" {
		fmt.Fprintln(stdout, "dbuilder", Version)
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		return UsageError{fmt.Errorf("unknown command %q (run 'dbuilder help' for the list)", args[0])}
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "dbuilder: build and test Linux packages for many distributions at once.")
	fmt.Fprintln(w, "\nUsage: dbuilder COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'dbuilder COMMAND -h' for a command's flags.")
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
	if errors.As(err, new(helpShown)) {
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
