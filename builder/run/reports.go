package run

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/report"
)

// Bounds on what test.reports copies out: reports are small; a glob that
// catches a build tree's large files is a mistake, not a report.
const (
	maxReportFiles = 200
	maxReportBytes = 64 << 20
)

// collectReports copies the files the job's test.reports globs match out
// of the stopped build container into stageDir/report.ReportsDir, through the
// Engine API like the packages. It runs whether the build or the test
// passed or failed (a failing test's report matters most) and never fails
// the target: what it cannot copy it says in the log. It returns the files
// copied, relative to stageDir.
func (r *runner) collectReports(ctx context.Context, id string, globs []string, stageDir string, log *targetLog) []string {
	if len(globs) == 0 || ctx.Err() != nil {
		return nil
	}
	dst := filepath.Join(stageDir, report.ReportsDir)
	if _, err := os.Lstat(dst); err == nil {
		log.Printf("dbuilder: test.reports: not copied: the build left %s/ in %s, the name dbuilder keeps for test reports", report.ReportsDir, OutDir)
		return nil
	}
	tree := r.builtDir(ctx, id)
	c := &reportCopier{globs: globs, matched: map[string]bool{}}
	for _, root := range reportRoots(globs) {
		src := path.Join(tree, root)
		rc, err := r.eng.CopyFrom(ctx, id, src)
		if errors.Is(err, engine.ErrNotFound) {
			continue
		}
		if err != nil {
			log.Printf("dbuilder: test.reports: copying from %s: %v", src, err)
			continue
		}
		files, err := c.copy(rc, root, dst)
		rc.Close()
		for _, f := range files {
			c.files = append(c.files, path.Join(report.ReportsDir, f))
		}
		if err != nil {
			log.Printf("dbuilder: test.reports: copying from %s: %v", src, err)
		}
	}
	if len(c.files) == 0 {
		os.Remove(dst) // only if empty: no reports directory without reports
	}
	for _, g := range globs {
		if !c.matched[g] {
			log.Printf("dbuilder: test.reports: no file in %s matched %s", tree, g)
		}
	}
	if c.skipped > 0 {
		log.Printf("dbuilder: test.reports: %d more matching file(s) left out (at most %d files, %d MiB)", c.skipped, maxReportFiles, maxReportBytes>>20)
	}
	sort.Strings(c.files)
	if len(c.files) > 0 {
		log.Printf("dbuilder: test.reports: copied %s", strings.Join(c.files, ", "))
	}
	return c.files
}

// builtDir is the tree test.command ran in: what the build script wrote
// to BuiltDirFile, else SrcDir.
func (r *runner) builtDir(ctx context.Context, id string) string {
	rc, err := r.eng.CopyFrom(ctx, id, BuiltDirFile)
	if err != nil {
		return SrcDir
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	h, err := tr.Next()
	if err != nil || h.Typeflag != tar.TypeReg || h.Name != path.Base(BuiltDirFile) || h.Size > 4096 {
		return SrcDir
	}
	b, err := io.ReadAll(tr)
	dir := strings.TrimSpace(string(b))
	if err != nil || !path.IsAbs(dir) || path.Clean(dir) != dir || strings.ContainsAny(dir, "\n\x00") {
		return SrcDir
	}
	return dir
}

// reportRoots are the directories to copy out for globs: each glob's
// fixed leading directory, leaving out those inside another one.
func reportRoots(globs []string) []string {
	var roots []string
	for _, g := range globs {
		roots = append(roots, matrix.ReportRoot(g))
	}
	sort.Strings(roots)
	var out []string
	for _, r := range roots {
		covered := false
		for _, o := range out {
			if o == "" || r == o || strings.HasPrefix(r, o+"/") {
				covered = true
			}
		}
		if !covered {
			out = append(out, r)
		}
	}
	return out
}

// reportCopier passes the regular files of a container tar stream that
// match a glob on to artifacts.Extract, which refuses anything that would
// land outside the reports directory.
type reportCopier struct {
	globs   []string
	matched map[string]bool // globs that matched a file
	seen    map[string]bool
	files   []string
	count   int
	bytes   int64
	skipped int
}

// copy reads a CopyFrom stream of the directory root (relative to the
// built tree) and extracts the matching files into dst.
func (c *reportCopier) copy(rc io.Reader, root, dst string) ([]string, error) {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(c.filter(rc, root, pw))
	}()
	files, err := artifacts.Extract(pr, dst)
	pr.CloseWithError(err)
	return files, err
}

// filter writes the matching regular files of the stream to w as a tar
// stream under one top directory, as Extract expects.
func (c *reportCopier) filter(r io.Reader, root string, w io.Writer) error {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	tr := tar.NewReader(r)
	tw := tar.NewWriter(w)
	tw.WriteHeader(&tar.Header{Name: "reports/", Typeflag: tar.TypeDir, Mode: 0o755})
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the container's tar stream: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		rel := h.Name
		if i := strings.IndexByte(rel, '/'); i >= 0 {
			rel = rel[i+1:] // drop the copied directory's own name
		} else {
			continue
		}
		rel = path.Join(root, rel)
		if c.seen[rel] || !c.match(rel) {
			continue
		}
		c.seen[rel] = true
		if c.count >= maxReportFiles || c.bytes+h.Size > maxReportBytes {
			c.skipped++
			continue
		}
		c.count++
		c.bytes += h.Size
		if err := tw.WriteHeader(&tar.Header{Name: "reports/" + rel, Typeflag: tar.TypeReg, Mode: 0o644, Size: h.Size}); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
	return tw.Close()
}

func (c *reportCopier) match(rel string) bool {
	hit := false
	for _, g := range c.globs {
		if matrix.MatchReport(g, rel) {
			c.matched[g] = true
			hit = true
		}
	}
	return hit
}
