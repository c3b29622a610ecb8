package release

import (
	"archive/tar"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/run"
	"github.com/dbuilder/dbuilder/distros"
)

// sourceScript starts a format's source script (distros/scripts/
// source-*.sh) on the tree in /release/src.
const sourceScript = `export DBUILDER_SRC=/release/src DBUILDER_OUT=/release/out DBUILDER_WORK=/release/work
exec sh -e /release/source.sh
`

// sourcePackages builds the source package of each format that makes one
// in the release tools container (Repo.SourceScript), once per release,
// from the tree the targets were built from, into dir/FORMAT. A format
// none of whose targets built is skipped: no repository gets it. It
// returns the files by format; its error names what failed and where the
// log is.
func (r *releaser) sourcePackages(ctx context.Context, jobs []plan.Job, built []report.Result, dir string) (map[string][]string, error) {
	out := map[string][]string{}
	for i, j := range jobs {
		layout := j.Format.Repo()
		f := j.Format.Name()
		if layout.SourceScript == "" || !built[i].OK {
			continue
		}
		if _, done := out[f]; done {
			continue
		}
		files, err := r.sourcePackage(ctx, j, layout.SourceScript, filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		out[f] = files
	}
	return out, nil
}

func (r *releaser) sourcePackage(ctx context.Context, j plan.Job, script, dir string) ([]string, error) {
	text, err := distros.Script(script)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(r.opt.OutputDir, SourceLog)
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	log := &targetLog{w: f, con: r.out, prefix: "[source] "}
	defer log.Flush()
	log.Printf("release: source package (%s) of %s, once for every %s repository", script, j.SourceDir, j.Format.Name())
	src, out := j.SourceDir, r.opt.OutputDir
	b := box{
		Image: r.tools, Script: []byte(sourceScript), Data: map[string][]byte{"source.sh": text},
		Tree: func(tw *tar.Writer) error { return run.SourceTar(tw, src, "release/src", out) },
		Out:  "out", OutDir: dir, Labels: r.labels(j),
	}
	code, err := b.run(ctx, r.eng, log)
	if err != nil {
		return nil, err
	}
	if code != 0 {
		return nil, fmt.Errorf("%s failed (exit code %d); see %s", script, code, logPath)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("%s made no files; see %s", script, logPath)
	}
	return files, nil
}

// SourceLog is the log of building the source packages, in the output directory.
const SourceLog = "source.log"

// checkSources refuses source packages that the published repositories of
// the targets' distros already hold with other content, before any target
// is checked: the same version's source is released once.
func checkSources(pub *published, jobs []plan.Job, sources map[string][]string) error {
	for _, j := range jobs {
		files := map[string]string{}
		for _, f := range sources[j.Format.Name()] {
			files[filepath.Base(f)] = f
		}
		if len(files) == 0 {
			continue
		}
		if _, _, err := pub.find(j.Format.Repo(), RepoName(j.Target.Distro)).merge(files); err != nil {
			return err
		}
	}
	return nil
}
