package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/distros"
)

type planFlags struct {
	matrixFlags
	format, platform string
}

func newPlanCmd(stdout, stderr io.Writer) *cobra.Command {
	var f planFlags
	c := &cobra.Command{
		Use:   "plan [flags]",
		Short: "list the targets the matrix expands to",
		Long: `List the targets the matrix expands to, without building: a table for people,
JSON (--format json) for scripts such as a CI pipeline generator.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runPlan(c.Context(), f, stdout, stderr) },
	}
	f.add(c, "targets to show")
	c.Flags().StringVar(&f.format, "format", "text", "output format: text or json")
	addPlatform(c.Flags(), &f.platform)
	return c
}

// runPlan shows what build would do, without building.
func runPlan(ctx context.Context, f planFlags, stdout, stderr io.Writer) error {
	if f.format != "text" && f.format != "json" {
		return UsageError{fmt.Errorf("plan: --format must be text or json, got %q", f.format)}
	}
	_, jobs, err := planFor(ctx, stderr, f.config(stderr, ""), f.platform)
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
	fmt.Fprintln(tw, "TARGET\tDISTRO\tFAMILY\tFORMAT\tIMAGE\tDOCKER\tPACKAGE TESTS")
	for _, j := range jobs {
		t := j.Target
		docker := "no"
		if t.Test.Docker {
			docker = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.Distro, t.Family, t.Format, t.Image, docker, packageTestWords(j))
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
	// BuildUser and TestUser run the build and test.command: the build
	// user's name, or "root" (build.root, test.root).
	BuildUser string `json:"build_user"`
	TestUser  string `json:"test_user"`
	// Arch is the target's architecture; Foreign says the daemon planned
	// for runs it through emulation.
	Arch    string `json:"arch"`
	Foreign bool   `json:"foreign"`
	// Resolved names: the builder image a build uses and the cache volume
	// that keeps the target's daemon warm.
	BuilderImage string `json:"builder_image"`
	CacheVolume  string `json:"cache_volume"`
	// The tests of the installed packages that run after the build.
	Autopkgtest bool   `json:"autopkgtest"`
	InstallTest bool   `json:"install_test"`
	Installed   string `json:"installed"`
}

// packageTestWords names the tests of the installed packages j runs.
func packageTestWords(j plan.Job) string {
	var w []string
	if j.InstallTest {
		w = append(w, "install")
	}
	if j.Autopkgtest {
		w = append(w, "autopkgtest")
	}
	if len(w) == 0 {
		return "none"
	}
	return strings.Join(w, ", ")
}

func planJSON(w io.Writer, jobs []plan.Job) error {
	out := make([]planTarget, len(jobs))
	for i, j := range jobs {
		t := j.Target
		out[i] = planTarget{
			Name: t.Name, Distro: t.Distro, Family: j.Family.Name, Format: j.Family.Format, Image: j.Distro.Image,
			Axes: t.Axes, Deps: orEmpty(t.Deps()), Docker: t.Test.Docker,
			Preload: orEmpty(t.Test.Preload), Command: t.Test.Command, Reports: orEmpty(t.Test.Reports),
			Timeout: matrix.FormatTimeout(t.Timeout), BuildUser: userName(t.Build.Root), TestUser: userName(t.Test.Root),
			Arch: j.Arch, Foreign: j.Foreign,
			BuilderImage: j.ImageTag, CacheVolume: j.Names.Cache,
			Autopkgtest: j.Autopkgtest, InstallTest: j.InstallTest, Installed: t.Test.Installed,
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// userName is who runs a step: root when the matrix asks, else the build user.
func userName(root bool) string {
	if root {
		return "root"
	}
	return distros.BuildUser.Name
}

// orEmpty makes a nil list encode as [] rather than null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
