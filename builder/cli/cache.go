package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

func init() {
	register(command{name: "cache", summary: "list (ls) or remove (prune) the targets' cache volumes", run: runCache})
}

func runCache(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "ls" && args[0] != "prune") {
		return UsageError{fmt.Errorf("usage: dbuilder cache ls | dbuilder cache prune [--older-than D] [-f FILE --distro SEL] [--dry-run]")}
	}
	sub := args[0]
	fs := newFlagSet("cache "+sub, "dbuilder cache "+sub+" [flags]", stderr)
	older := fs.Duration("older-than", 0, "prune: only caches not used for this long (e.g. 168h)")
	file := fs.String("f", "matrix.yaml", "prune: matrix whose targets --distro selects")
	sel := fs.String("distro", "", "prune: only these targets of the matrix")
	dry := fs.Bool("dry-run", false, "prune: list, remove nothing")
	if err := parseFlags(fs, args[1:], 0); err != nil {
		return err
	}
	var only map[string]bool
	if *sel != "" {
		_, jobs, err := loadJobs(*file, *sel, sidecarImage(""))
		if err != nil {
			return err
		}
		only = map[string]bool{}
		for _, j := range jobs {
			only[j.Names.Cache], only[j.Names.CCache], only[j.Names.Work] = true, true, true
		}
	}
	eng, err := connect(ctx, stderr)
	if err != nil {
		return UsageError{err}
	}
	defer eng.Close()
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
		case *older > 0 && !c.LastUsed.IsZero() && time.Since(c.LastUsed) < *older:
		case c.InUse:
			fmt.Fprintf(stdout, "keeping %s: in use by a running build\n", c.Volume)
		default:
			gone = append(gone, c.Volume)
		}
	}
	for _, v := range gone {
		if *dry {
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
