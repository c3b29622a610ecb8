package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
)

func init() {
	register(command{name: "gc", summary: "remove what killed runs left behind (cache volumes are kept)", run: runGC})
}

func runGC(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gc", "dbuilder gc [--dry-run] [--output DIR]", stderr)
	dry := fs.Bool("dry-run", false, "list what would be removed, remove nothing")
	output := fs.String("output", "dist", "output directory to clear of dead runs' staging directories")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	eng, err := connect(ctx, stderr)
	if err != nil {
		return UsageError{err}
	}
	defer eng.Close()
	live := lifecycle.NewLiveness(eng)
	waiting := func(n int, d time.Duration) {
		fmt.Fprintf(stdout, "waiting up to %s for %d run(s) owned on other hosts to show they are alive\n", d.Round(time.Second), n)
	}
	items, err := lifecycle.Leftovers(ctx, eng, live, waiting)
	if err != nil {
		return err
	}
	verb := "removing"
	if *dry {
		verb = "would remove"
	}
	alive := func(run string) bool { return live.Alive(ctx, run) }
	for _, d := range artifacts.SweepStaging(*output, alive, *dry) {
		fmt.Fprintf(stdout, "%s staging directory %s\n", verb, filepath.Join(*output, d))
	}
	if len(items) == 0 {
		fmt.Fprintln(stdout, "no containers or volumes of dead runs to remove")
		return nil
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
