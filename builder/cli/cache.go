package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

type cacheFlags struct {
	file, distro string
	olderThan    time.Duration
	dryRun       bool
}

func newCacheCmd(stdout, stderr io.Writer) *cobra.Command {
	c := group("cache ls|prune", "list (ls) or remove (prune) the targets' cache volumes",
		"dbuilder cache ls | dbuilder cache prune [--older-than D] [-f FILE --distro SEL] [--dry-run]")
	ls := &cobra.Command{
		Use: "ls", Short: "list the targets' cache volumes", Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runCache(c.Context(), "ls", cacheFlags{}, stdout, stderr)
		},
	}
	var f cacheFlags
	prune := &cobra.Command{
		Use: "prune [flags]", Short: "remove the targets' cache volumes", Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runCache(c.Context(), "prune", f, stdout, stderr) },
	}
	fs := prune.Flags()
	addFile(fs, &f.file)
	addDistro(fs, &f.distro, "only the caches of these targets of the matrix")
	fs.DurationVar(&f.olderThan, "older-than", 0, "only caches not used for this long (e.g. 168h)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "list, remove nothing")
	completeDistro(prune)
	c.AddCommand(ls, prune)
	return c
}

func runCache(ctx context.Context, sub string, f cacheFlags, stdout, stderr io.Writer) error {
	cfg := config(stderr, "", "", "", "")
	if f.distro != "" {
		cfg.File, cfg.Select = f.file, f.distro
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	var only map[string]bool
	if f.distro != "" {
		only = map[string]bool{}
		for _, j := range s.Jobs {
			only[j.Names.Cache], only[j.Names.CCache], only[j.Names.Work] = true, true, true
		}
	}
	eng := s.Engine
	caches, err := lifecycle.Caches(ctx, eng, inspectorImage(ctx, eng), Version)
	if err != nil {
		return err
	}
	if sub == "ls" {
		printCaches(stdout, caches)
		return nil
	}
	var gone []string
	for _, c := range caches {
		switch {
		case only != nil && !only[c.Volume]:
		case f.olderThan > 0 && !c.LastUsed.IsZero() && time.Since(c.LastUsed) < f.olderThan:
		case c.InUse:
			fmt.Fprintf(stdout, "keeping %s: in use by a running build\n", c.Volume)
		default:
			gone = append(gone, c.Volume)
		}
	}
	for _, v := range gone {
		if f.dryRun {
			fmt.Fprintf(stdout, "would remove %s\n", v)
			continue
		}
		if err := eng.VolumeRemove(ctx, v); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %s\n", v)
	}
	if len(gone) == 0 {
		fmt.Fprintln(stdout, "no cache volume matched")
	}
	return nil
}

func printCaches(w io.Writer, caches []lifecycle.Cache) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VOLUME\tKIND\tMATRIX\tTARGET\tSIZE\tLAST USED\tIN USE")
	for _, c := range caches {
		size, used := "?", "never"
		if c.Size >= 0 {
			size = fmt.Sprintf("%.1f MiB", float64(c.Size)/(1<<20))
		}
		if !c.LastUsed.IsZero() {
			used = c.LastUsed.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%v\n", c.Volume, c.Kind, c.Matrix, c.Target, size, used, c.InUse)
	}
	tw.Flush()
}

// inspectorImage picks a local image with sh, du and stat.
func inspectorImage(ctx context.Context, eng engine.Engine) string {
	for _, ref := range []string{sidecar.OwnRef(Version), sidecar.Official, "debian:bookworm", "debian:trixie"} {
		if _, err := eng.Image(ctx, ref); err == nil {
			return ref
		}
	}
	return ""
}
