package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// newFlagSet makes a FlagSet whose errors we report ourselves (exit 2).
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args allowing flags after positional arguments (as
// users type them), and checks there are at most maxArgs positionals.
func parseFlags(fs *flag.FlagSet, args []string, maxArgs int) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return helpShown{}
			}
			return UsageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) > maxArgs {
		return UsageError{fmt.Errorf("%s: unexpected argument %q", fs.Name(), pos[maxArgs])}
	}
	// Re-parse nothing: hand positionals back through fs.Args.
	fs.Parse(append([]string{"--"}, pos...))
	return nil
}

// helpShown means -h was given: usage is printed, exit 0.
type helpShown struct{}

func (helpShown) Error() string { return "" }

// parseSize reads "512m", "2g", "1048576" into bytes; "" is 0.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	mult := int64(1)
	switch strings.ToLower(s[len(s)-1:]) {
	case "k":
		mult = 1 << 10
	case "m":
		mult = 1 << 20
	case "g":
		mult = 1 << 30
	}
	num := s
	if mult > 1 {
		num = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size (like 512m or 2g)", s)
	}
	return n * mult, nil
}

// explicitlySet reports whether the user gave flag name on the command line.
func explicitlySet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
