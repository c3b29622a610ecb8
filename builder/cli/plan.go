package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
)

type planFlags struct {
	file, distro, format, mirror string
}

func init() {
	register(command{name: "plan", summary: "list the targets the matrix expands to", run: runPlan})
}

// runPlan shows what build would do, without Docker: a table for people,
// JSON for scripts (a CI pipeline generator, say).
func runPlan(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var f planFlags
	fs := newFlagSet("plan", "dbuilder plan [-f FILE] [--distro SEL] [--format text|json] [--mirror PREFIX]", stderr)
	fs.StringVar(&f.file, "f", "matrix.yaml", "matrix file")
	fs.StringVar(&f.file, "file", "matrix.yaml", "same as -f")
	fs.StringVar(&f.distro, "distro", "", "targets to show: distro (debian:trixie), target name, distro base (fedora) or glob ('debian:*'); comma-separated")
	fs.StringVar(&f.format, "format", "text", "output format: text or json")
	fs.StringVar(&f.mirror, "mirror", "", mirrorUsage)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if f.format != "text" && f.format != "json" {
		return UsageError{fmt.Errorf("plan: --format must be text or json, got %q", f.format)}
	}
	_, jobs, err := loadJobsWith(f.file, f.distro, sidecarImage(""), f.mirror)
	if err != nil {
		return err
	}
	if f.format == "json" {
		return planJSON(stdout, jobs)
	}
	return planText(stdout, jobs)
}

func planText(w io.Writer, jobs []plan.Job) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tDISTRO\tFAMILY\tFORMAT\tIMAGE\tDOCKER")
	for _, j := range jobs {
		t := j.Target
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
	Reports []string          `json:"reports"`
	Timeout string            `json:"timeout"` // "1h30m", or "none"
	// Resolved names: the builder image a build uses and the cache volume
	// that keeps the target's daemon warm.
	BuilderImage string `json:"builder_image"`
	CacheVolume  string `json:"cache_volume"`
}

func planJSON(w io.Writer, jobs []plan.Job) error {
	out := make([]planTarget, len(jobs))
	for i, j := range jobs {
		t := j.Target
		out[i] = planTarget{
			Name: t.Name, Distro: t.Distro, Family: j.Family.Name, Format: j.Family.Format, Image: j.Distro.Image,
			Axes: t.Axes, Deps: orEmpty(t.Deps()), Docker: t.Test.Docker,
			Preload: orEmpty(t.Test.Preload), Command: t.Test.Command, Reports: orEmpty(t.Test.Reports),
			Timeout:      matrix.FormatTimeout(t.Timeout),
			BuilderImage: j.ImageTag, CacheVolume: j.Names.Cache,
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
