package release

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
)

// Summary prints a table of what release found per target, each failure
// with its log, and where the repositories are.
func Summary(w io.Writer, jobs []plan.Job, o *Outcome) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tRELEASE\tVERIFIED\tLINT\tREPRODUCIBLE\tREPOSITORY")
	for i, j := range jobs {
		t := o.Targets[i]
		result := "ok"
		if !t.OK {
			result = "failed (" + t.FailedStep + ")"
		}
		repro := "not checked"
		if t.Reproducible != nil {
			repro = yesNo(*t.Reproducible)
		}
		repo := t.Repository
		if repo == "" {
			repo = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", j.Name(), result, yesNo(t.Verified), lintWord(t), repro, repo)
	}
	tw.Flush()
	for i, j := range jobs {
		t := o.Targets[i]
		if len(t.UpgradedFrom) > 0 {
			fmt.Fprintf(w, "%s: upgrade tested: %s\n", j.Name(), strings.Join(t.UpgradedFrom, ", "))
		}
		if len(t.AllowedLeftovers) > 0 {
			fmt.Fprintf(w, "%s: left after purge, allowed by release.allow_leftovers: %s\n", j.Name(), strings.Join(t.AllowedLeftovers, " "))
		}
	}
	for i, j := range jobs {
		t := o.Targets[i]
		if t.OK {
			continue
		}
		fmt.Fprintf(w, "\n%s failed in release step %q: %s\n", j.Name(), t.FailedStep, t.Error)
		if t.Log != "" {
			fmt.Fprintf(w, "  log: %s\n", t.Log)
		}
	}
	if o.Repos == nil {
		return
	}
	fmt.Fprintln(w)
	if o.Repos.Error != "" {
		fmt.Fprintln(w, o.Repos.Error)
		return
	}
	state := "UNSIGNED (no signing key given)"
	if o.Repos.Signed {
		state = "signed with " + o.Repos.Fingerprint + ", public key " + o.Repos.Key
	}
	fmt.Fprintf(w, "repositories in %s, %s; checksums in %s\n", o.Repos.Dir, state, o.Repos.Sums)
	for _, r := range o.Repos.Repos {
		what := fmt.Sprintf("%d package(s), %d added", len(r.Packages), len(r.Added))
		if r.Unchanged {
			what = fmt.Sprintf("%d package(s), not in this release: kept as published", len(r.Packages))
		}
		fmt.Fprintf(w, "  %s %s: %s (%s: %s)\n", r.Format, r.Distro, r.Path, what, strings.Join(r.Packages, ", "))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func lintWord(t report.ReleaseReport) string {
	if t.LintMode == "off" {
		return "off"
	}
	errs, warns := 0, 0
	for _, f := range t.Lint {
		switch f.Severity {
		case "error":
			errs++
		case "warning":
			warns++
		}
	}
	return fmt.Sprintf("%d E, %d W (%s)", errs, warns, t.LintMode)
}
