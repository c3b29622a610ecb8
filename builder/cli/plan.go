package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/dbuilder/dbuilder/builder/matrix"
)

type planFlags struct {
	file, distro, format string
}

func init() {
	register(command{name: "plan", summary: "list the targets the matrix expands to", run: runPlan})
}

// runPlan shows what build would do, without Docker: a table for people,
// JSON for scripts (a CI pipeline generator, say).
func runPlan(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var f planFlags
	fs := newFlagSet("plan", "dbuilder plan [-f FILE] [--distro SEL] [--format text|json]", stderr)
	fs.StringVar(&f.file, "f", "matrix.yaml", "matrix file")
	fs.StringVar(&f.file, "file", "matrix.yaml", "same as -f")
	fs.StringVar(&f.distro, "distro", "", "targets to show: distro (debian:trixie), target name, distro base (fedora) or glob ('debian:*'); comma-separated")
	fs.StringVar(&f.format, "format", "text", "output format: text or json")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if f.format != "text" && f.format != "json" {
		return UsageError{fmt.Errorf("plan: --format must be text or json, got %q", f.format)}
	}
	_, targets, err := loadSelected(f.file, f.distro)
	if err != nil {
		return err
	}
	if f.format == "json" {
		return planJSON(stdout, targets)
	}
	return planText(stdout, targets)
}

func planText(w io.Writer, targets []matrix.Target) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tDISTRO\tFAMILY\tFORMAT\tIMAGE\tDOCKER")
	for _, t := range targets {
		docker := "no"
		if t.Test.Docker {
			docker = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.Distro, t.Family, t.Format, t.Image, docker)
	}
	return tw.Flush()
}

// planTarget is one target in `plan --format json`; its field names are a
// public interface for scripts, so they only ever grow.
type planTarget struct {
	Name    string            `json:"name"`
	Distro  string            `json:"distro"`
	Family  string            `json:"family"`
	Format  string            `json:"format"`
	Image   string            `json:"image"`
	Axes    map[string]string `json:"axes"`
	Deps    []string          `json:"deps"`
	Docker  bool              `json:"docker"`
	Preload []string          `json:"preload"`
	Command string            `json:"command"`
}

func planJSON(w io.Writer, targets []matrix.Target) error {
	out := make([]planTarget, len(targets))
	for i, t := range targets {
		out[i] = planTarget{
			Name: t.Name, Distro: t.Distro, Family: t.Family, Format: t.Format, Image: t.Image,
			Axes: t.Axes, Deps: orEmpty(t.Deps()), Docker: t.Test.Docker,
			Preload: orEmpty(t.Test.Preload), Command: t.Test.Command,
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// orEmpty makes a nil list encode as [] rather than null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
