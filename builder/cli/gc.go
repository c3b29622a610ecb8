package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
)

func init() {
	register(command{name: "gc", summary: "remove what killed runs left behind (cache volumes are kept)", run: runGC})
}

func runGC(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gc", "dbuilder gc [--dry-run]", stderr)
	dry := fs.Bool("dry-run", false, "list what would be removed, remove nothing")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	eng, err := engine.New(ctx)
	if err != nil {
		return UsageError{err}
	}
	defer eng.Close()
	items, err := lifecycle.Leftovers(ctx, eng)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		fmt.Fprintln(stdout, "nothing to remove: no leftovers of dead runs")
		return nil
	}
	verb := "removing"
	if *dry {
		verb = "would remove"
	}
	for _, it := range items {
		fmt.Fprintf(stdout, "%s %s %s (run %s, role %s)\n", verb, it.Kind, it.Name, orDash(it.Run), orDash(it.Role))
	}
	if *dry {
		return nil
	}
	if err := lifecycle.Remove(ctx, eng, items, Version); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed %d resource(s)\n", len(items))
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
