package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/distros"
)

// Summary prints the table of results and, for each failure, which step
// failed, the last log lines and where the whole log is.
func Summary(w io.Writer, results []Result) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tARCH\tRESULT\tDURATION\tSTEPS\tARTIFACTS")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Target, archWord(r), Word(r), r.Duration.Round(100*time.Millisecond), stepList(r), artifactList(r))
	}
	tw.Flush()
	resourceTable(w, results)
	packageTestLines(w, results)
	for _, r := range results {
		if r.OK || r.Target == "" {
			continue
		}
		if r.Cancelled {
			fmt.Fprintf(w, "\n%s cancelled (an interrupt, or --fail-fast after another target failed)\n", r.Target)
			continue
		}
		if te := (TimeoutError{}); errors.As(r.Err, &te) {
			fmt.Fprintf(w, "\ntarget %s: %v\n", r.Target, r.Err)
			fmt.Fprintf(w, "  its time limit is timeout: in the matrix (or an override matching it), or --timeout; none means no limit\n")
		} else {
			fmt.Fprintf(w, "\n%s failed", r.Target)
			if r.Step != "" {
				fmt.Fprintf(w, " in step %q", r.Step)
			}
			fmt.Fprintf(w, ": %v\n", r.Err)
		}
		if len(r.Tail) > 0 {
			fmt.Fprintf(w, "  last log lines:\n    %s\n", strings.Join(r.Tail, "\n    "))
		}
		if r.Log != "" {
			fmt.Fprintf(w, "  full log: %s\n", r.Log)
		}
		if kept := keptArtifacts(r.Dir); kept > 0 {
			fmt.Fprintf(w, "  the last good packages (%d file(s) from an earlier run) are kept in %s\n", kept, r.Dir)
		}
	}
}

// stepList shows where a target's time went ("image 0.1s, build 12.3s, ...");
// for a cached result, where it came from.
func stepList(r Result) string {
	if r.Cached != nil {
		return fmt.Sprintf("from run %s, %s", r.Cached.Run, r.Cached.Finished.Local().Format("2006-01-02 15:04:05"))
	}
	parts := make([]string, 0, len(r.Steps))
	for _, s := range r.Steps {
		parts = append(parts, fmt.Sprintf("%s %.1fs", s.Name, s.Duration.Seconds()))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// archWord names the target's architecture, and says when it ran emulated.
func archWord(r Result) string {
	if r.Emulated {
		return r.Arch + " (emulated)"
	}
	if r.Arch == "" {
		return "-"
	}
	return r.Arch
}

func artifactList(r Result) string {
	if len(r.Artifacts) == 0 {
		return "-"
	}
	var names []string
	for _, a := range r.Artifacts {
		if distros.IsPackage(a) {
			names = append(names, filepath.Base(a))
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("%d file(s)", len(r.Artifacts))
	}
	return strings.Join(names, ", ")
}

// keptArtifacts counts the files an earlier good build left in dir.
func keptArtifacts(dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		switch e.Name() {
		case artifacts.FailedLog, LogFile, ResultFile, ReportsDir, artifacts.FailedPrefix + ReportsDir, PackageTestsDir, artifacts.FailedPrefix + PackageTestsDir:
		default:
			n++
		}
	}
	return n
}

// resourceTable shows what each target used, when it was measured.
func resourceTable(w io.Writer, results []Result) {
	measured := false
	for _, r := range results {
		measured = measured || r.Resources != nil
	}
	if !measured {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tBUILD CPU\tBUILD PEAK MEM\tBUILD READ/WRITTEN\tDAEMON CPU\tDAEMON PEAK MEM\tDAEMON READ/WRITTEN")
	for _, r := range results {
		if r.Resources == nil {
			continue
		}
		b, d := r.Resources.Build, r.Resources.Daemon
		if d == nil {
			d = &Usage{}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Target, seconds(b.CPUSeconds), mib(b.PeakMemory), io2(b),
			seconds(d.CPUSeconds), mib(d.PeakMemory), io2(*d))
	}
	tw.Flush()
	ioLegend(w, results)
}

func seconds(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1fs", *v)
}

func mib(v *int64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f MiB", float64(*v)/(1<<20))
}

func io2(u Usage) string {
	if u.ReadBytes == nil || u.WrittenBytes == nil {
		return "not accounted"
	}
	return fmt.Sprintf("%.1f/%.1f MiB (%s)", float64(*u.ReadBytes)/(1<<20), float64(*u.WrittenBytes)/(1<<20), u.IOSource)
}

// ioLegend says, under the summary's table, what each I/O source shown counts.
func ioLegend(w io.Writer, results []Result) {
	used := map[string]bool{}
	for _, r := range results {
		if r.Resources == nil {
			continue
		}
		used[r.Resources.Build.IOSource] = true
		if d := r.Resources.Daemon; d != nil {
			used[d.IOSource] = true
		}
	}
	for _, s := range []string{IOProcess, IOCgroupV2, IOCgroupV1} {
		if used[s] {
			fmt.Fprintf(w, "  I/O (%s): %s\n", s, ioCounts[s])
		}
	}
}
