package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
)

type gcFlags struct {
	output string
	dryRun bool
}

func newGCCmd(stdout, stderr io.Writer) *cobra.Command {
	var f gcFlags
	c := &cobra.Command{
		Use:   "gc [flags]",
		Short: "remove what killed runs left behind (cache volumes are kept)",
		Args:  noArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runGC(c.Context(), f, stdout, stderr) },
	}
	c.Flags().BoolVar(&f.dryRun, "dry-run", false, "list what would be removed, remove nothing")
	addOutput(c.Flags(), &f.output, "output `DIR` to clear of dead runs' staging directories")
	return c
}

func runGC(ctx context.Context, f gcFlags, stdout, stderr io.Writer) error {
	s, err := open(ctx, config(stderr, "", "", "", ""))
	if err != nil {
		return err
	}
	defer s.Close()
	eng := s.Engine
	live := lifecycle.NewLiveness(eng)
	waiting := func(n int, d time.Duration) {
		fmt.Fprintf(stdout, "waiting up to %s for %d run(s) owned on other hosts to show they are alive\n", d.Round(time.Second), n)
	}
	items, err := lifecycle.Leftovers(ctx, eng, live, waiting)
	if err != nil {
		return err
	}
	verb := "removing"
	if f.dryRun {
		verb = "would remove"
	}
	alive := func(run string) bool { return live.Alive(ctx, run) }
	for _, d := range artifacts.SweepStaging(f.output, alive, f.dryRun) {
		fmt.Fprintf(stdout, "%s staging directory %s\n", verb, filepath.Join(f.output, d))
	}
	if len(items) == 0 {
		fmt.Fprintln(stdout, "no containers or volumes of dead runs to remove")
		return nil
	}
	for _, it := range items {
		fmt.Fprintf(stdout, "%s %s %s (run %s, role %s)\n", verb, it.Kind, it.Name, orDash(it.Run), orDash(it.Role))
	}
	if f.dryRun {
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
