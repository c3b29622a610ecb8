// Package release turns built packages into a release (`dbuilder
// release`): each target's packages are installed in a clean container of
// its distro, smoke-tested, purged (nothing may be left) and, when the
// previous release has an earlier version, installed from there and
// upgraded; linted; and (with --check-reproducible) built a second time in
// a varied environment and compared byte for byte. Then the source package
// is added and one apt repository per deb distro and one rpm repository
// per rpm distro are made under DIR/repo, on top of what earlier releases
// published there (kept, never changed), signed when a key is given, with
// a SHA256SUMS over every file. The tools run in a container of a small
// image made locally from Debian packages (tools.go); files travel through
// the Engine API.
package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/run"
	"github.com/dbuilder/dbuilder/distros"
)

// Steps of a target's release, as report.json names them.
const (
	StepBuild        = "build" // the build failed: nothing to release
	StepVerify       = "verify"
	StepLint         = "lint"
	StepReproducible = "reproducible"
	StepChecksum     = "checksum" // a package differs from what its build recorded
	// StepPublished: the repository already holds a file of the same
	// name with other content (a version is released once).
	StepPublished = "published"
)

// LogName is a target's release log in DIR/<target>/.
const LogName = "release.log"

// DiffName is the diffoscope report in DIR/<target>/ when the two builds differ.
const DiffName = "diffoscope.txt"

// Options control a release.
type Options struct {
	OutputDir string
	Run       ident.Run // the build's run: release's containers carry it too
	Jobs      int       // targets checked at once
	// Key is an armored OpenPGP private key (no passphrase); nil makes
	// unsigned repositories. It is never written to disk, a log or an image.
	Key []byte
	// CheckReproducible builds each target a second time in a varied
	// environment (run.Options.Vary) and compares the packages.
	CheckReproducible bool
	// Build are the options the packages were built with; the second
	// build starts from them.
	Build  run.Options
	Origin string // names the repositories (the matrix's name)
	// Previous is another release's repository directory (its DIR/repo,
	// or DIR itself) that upgrade tests start from; "" takes the output
	// directory's own DIR/repo, which the release adds to.
	Previous string
	Stdout   io.Writer
}

// Outcome is what a release did, per target (in the order of the jobs)
// and for the repositories.
type Outcome struct {
	Targets []report.ReleaseReport
	Repos   *report.RepositoriesReport
}

// Failed counts the targets whose release failed.
func (o *Outcome) Failed() int {
	n := 0
	for _, t := range o.Targets {
		if !t.OK {
			n++
		}
	}
	return n
}

// releaser holds what the targets of one release share.
type releaser struct {
	eng    run.Engine
	opt    Options
	tools  string
	out    *console
	signed bool // the repositories will be signed
	// pub is DIR/repo as the last release published it (nil: none), which
	// this one adds to; prev is where upgrades start (pub, or --previous).
	pub, prev *published
	// sources are the source packages made once for the release, by
	// format; sourceErr why they could not be (no repository is made then).
	sources   map[string][]string
	sourceErr error
	// sourceConflict: the published repository holds that version's
	// source package with other content.
	sourceConflict error
}

// BuildJobs are the jobs as a release builds them: verify installs,
// upgrades and purges each target's packages in a clean container itself,
// so the builds leave out the install test (DEP-8 tests still run).
func BuildJobs(jobs []plan.Job) []plan.Job {
	out := slices.Clone(jobs)
	for i := range out {
		out[i].InstallTest = false
	}
	return out
}

// Release checks the targets that built (built[i] is jobs[i]'s result) and
// makes the repositories when every target passed. Its error is for the
// release as a whole (no tools image, an unusable key); failed targets are
// in the outcome.
func Release(ctx context.Context, eng run.Engine, jobs []plan.Job, built []report.Result, opt Options) (*Outcome, error) {
	if opt.Stdout == nil {
		opt.Stdout = io.Discard
	}
	if opt.Jobs < 1 {
		opt.Jobs = 1
	}
	r := &releaser{eng: eng, opt: opt, tools: ident.ReleaseToolsImage(opt.Run.Version), out: &console{w: opt.Stdout}, signed: opt.Key != nil}
	var err error
	if r.pub, r.prev, err = preflight(opt.OutputDir, opt.Previous, opt.Key != nil); err != nil {
		return nil, err
	}
	var key *signingKey
	if opt.Key != nil {
		k, err := parseKey(opt.Key)
		if err != nil {
			return nil, err
		}
		key = k
	}
	note, err := EnsureTools(ctx, eng, opt.Run.Version, r.out.prefixed("[release-tools] "))
	if err != nil {
		return nil, err
	}
	if note != "" {
		r.out.line("dbuilder: " + note)
	}
	anchor, err := lifecycle.StartAnchor(ctx, eng, r.tools, opt.Run)
	if err != nil {
		return nil, err
	}
	defer anchor.Close()

	o := &Outcome{Targets: make([]report.ReleaseReport, len(jobs))}
	dir := filepath.Join(opt.OutputDir, ".dbuilder", "staging", opt.Run.ID)
	defer func() {
		os.RemoveAll(filepath.Join(dir, "second-build"))
		os.RemoveAll(filepath.Join(dir, "source"))
		os.Remove(dir) // when empty
	}()
	r.sources, r.sourceErr = r.sourcePackages(ctx, jobs, built, filepath.Join(dir, "source"))
	if r.sourceErr == nil {
		// Published with other content: the targets that would get it fail
		// at once (their version was released already).
		r.sourceConflict = checkSources(r.pub, jobs, r.sources)
		r.sourceErr = r.sourceConflict
	}
	if r.sourceErr != nil {
		r.out.line("dbuilder: source package: " + r.sourceErr.Error())
	}
	var second map[string]report.Result
	if opt.CheckReproducible {
		second, err = r.secondBuild(ctx, jobs, built, filepath.Join(dir, "second-build"))
		if err != nil {
			return nil, err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Jobs)
	for i, j := range jobs {
		if !built[i].OK {
			o.Targets[i] = report.ReleaseReport{FailedStep: StepBuild, Error: "the build failed; nothing to release", Lint: []report.LintFinding{}, Checksums: []report.Artifact{}, LintMode: j.Target.Release.Lint}
			continue
		}
		g.Go(func() error {
			var sb *report.Result
			if s, ok := second[j.Name()]; ok {
				sb = &s
			}
			o.Targets[i] = r.target(gctx, j, built[i], sb)
			return nil
		})
	}
	g.Wait()
	if ctx.Err() != nil {
		return o, ctx.Err()
	}
	o.Repos = r.repositories(ctx, jobs, built, o.Targets, key)
	return o, nil
}

// target runs the checks of one target in order; the first that fails
// ends it. Its log is DIR/<target>/release.log.
func (r *releaser) target(ctx context.Context, j plan.Job, b report.Result, second *report.Result) report.ReleaseReport {
	rep := report.ReleaseReport{LintMode: j.Target.Release.Lint, Lint: []report.LintFinding{}, Checksums: []report.Artifact{}}
	logPath := filepath.Join(b.Dir, LogName)
	f, err := os.Create(logPath)
	if err != nil {
		rep.FailedStep, rep.Error = StepVerify, err.Error()
		return rep
	}
	defer f.Close()
	rep.Log = logPath
	log := &targetLog{w: f, con: r.out, prefix: "[" + j.Name() + "] "}
	defer log.Flush()
	os.Remove(filepath.Join(b.Dir, DiffName)) // an earlier release's
	pkgs := packages(b)
	if sums, err := checksums(b.Dir, pkgs); err == nil {
		rep.Checksums = sums
	}
	fail := func(step string, err error) report.ReleaseReport {
		rep.FailedStep, rep.Error = step, err.Error()
		log.Printf("release: %s failed: %v", step, err)
		return rep
	}
	if len(pkgs) == 0 {
		return fail(StepVerify, fmt.Errorf("the build left no %s in %s", j.Format.Package().Suffix, b.Dir))
	}
	if err := checkRecorded(b, releaseFiles(b)); err != nil {
		return fail(StepChecksum, err)
	}
	if err := r.checkPublished(j, b); err != nil {
		return fail(StepPublished, err)
	}
	if r.sourceConflict != nil && len(r.sources[j.Format.Name()]) > 0 {
		return fail(StepPublished, fmt.Errorf("source package: %w", r.sourceConflict))
	}

	up, err := planUpgrade(r.prev, j, b.Dir, pkgs)
	if err != nil {
		return fail(StepVerify, fmt.Errorf("reading the previous repository: %w", err))
	}
	if up == nil && r.prev != nil {
		log.Printf("release: verify: the previous repository (%s) has no earlier version of these packages for %s: no upgrade to test", r.prev.Dir, j.Target.Distro)
	}
	log.Printf("release: verify: installing %s in a clean %s container", strings.Join(pkgs, ", "), j.Distro.Image)
	v, err := r.verify(ctx, j, b.Dir, pkgs, up, log)
	rep.UpgradedFrom, rep.Leftovers, rep.AllowedLeftovers = v.UpgradedFrom, v.Leftovers, v.Allowed
	if err != nil {
		var ve *verifyError
		if errors.As(err, &ve) {
			rep.VerifyStep, rep.MaintainerScript = ve.Step, ve.Script
		}
		return fail(StepVerify, err)
	}
	rep.Verified = true
	for _, u := range v.UpgradedFrom {
		log.Printf("release: verify: upgraded %s", u)
	}

	if j.Target.Release.Lint != matrix.LintOff {
		findings, err := r.lint(ctx, j, b.Dir, pkgs, log)
		rep.Lint = findings
		if err != nil {
			return fail(StepLint, err)
		}
		if errs := countErrors(findings); errs > 0 && j.Target.Release.Lint == matrix.LintError {
			return fail(StepLint, fmt.Errorf("%d lint error(s) and release.lint is error", errs))
		}
	} else {
		log.Printf("release: lint: off (release.lint)")
	}

	if r.opt.CheckReproducible {
		same, report, err := r.compare(ctx, j, b, second, log)
		if err != nil {
			return fail(StepReproducible, err)
		}
		rep.Reproducible = &same
		if !same {
			rep.Diffoscope = report
			return fail(StepReproducible, fmt.Errorf("the second build's packages differ; diffoscope's report: %s", report))
		}
	}
	rep.OK = true
	log.Printf("release: %s passed", j.Name())
	return rep
}

// labels are the labels of a release container of job j.
func (r *releaser) labels(j plan.Job) map[string]string {
	return r.opt.Run.Labels(labels.RoleRelease, j.Names)
}

// packages are a target's package files (.deb, .rpm...), relative to its directory.
func packages(b report.Result) []string {
	var out []string
	for _, a := range b.Artifacts {
		if distros.IsPackage(a) {
			out = append(out, a)
		}
	}
	return out
}

// console serialises whole lines from the targets on the terminal.
type console struct {
	mu sync.Mutex
	w  io.Writer
}

func (c *console) line(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintln(c.w, s)
}

// prefixed is a writer that sends complete lines to the console with prefix.
func (c *console) prefixed(prefix string) *targetLog {
	return &targetLog{w: io.Discard, con: c, prefix: prefix}
}

// targetLog writes to a file and, line by line with a prefix, to the console.
type targetLog struct {
	mu     sync.Mutex
	w      io.Writer
	con    *console
	prefix string
	buf    []byte
}

func (l *targetLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Write(p)
	l.buf = append(l.buf, p...)
	for {
		i := strings.IndexByte(string(l.buf), '\n')
		if i < 0 {
			break
		}
		l.con.line(l.prefix + string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

// Printf writes one line.
func (l *targetLog) Printf(format string, a ...any) {
	fmt.Fprintf(l, format+"\n", a...)
}

// Flush sends a last unfinished line.
func (l *targetLog) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.con.line(l.prefix + string(l.buf))
		l.buf = nil
	}
}

// checkPublished refuses a target whose files the published repository of
// its distro already holds with other content: a version is released once.
func (r *releaser) checkPublished(j plan.Job, b report.Result) error {
	files := map[string]string{}
	for _, p := range releaseFiles(b) {
		files[path.Base(p)] = filepath.Join(b.Dir, filepath.FromSlash(p))
	}
	_, _, err := r.pub.find(j.Format.Repo(), RepoName(j.Target.Distro)).merge(files)
	return err
}
