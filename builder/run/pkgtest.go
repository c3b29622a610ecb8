package run

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/pkgtest"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// AptArchives is the volume, in the target's daemon, that keeps the
// testbeds' apt downloads between runs (/var/cache/apt/archives): apt
// checks each file against the archive's sums before it uses it.
const AptArchives = "dbuilder-apt-archives"

// testDir is where the package tests' containers get their files.
const testDir = "/dbuilder"

// packageTests tests the installed packages after a good build: the
// install test (install, test.installed, remove), then the package's DEP-8
// tests under autopkgtest. Both run in clean containers of the distro, with
// the target's daemon in reach when it has one.
func (r *runner) packageTests(ctx context.Context, j plan.Job, sc *sidecar.Sidecar, log *targetLog, stageDir string, res *report.Result) error {
	var pkgs []string
	for _, f := range res.Artifacts {
		if p := j.Format.Package(); strings.HasSuffix(f, p.Suffix) && (p.SourceSuffix == "" || !strings.HasSuffix(f, p.SourceSuffix)) {
			pkgs = append(pkgs, f)
		}
	}
	if (j.InstallTest || j.Autopkgtest) && len(pkgs) == 0 {
		return fmt.Errorf("the build made no %s packages to test", j.Format.Package().Suffix)
	}
	if j.InstallTest {
		log.SetStep(StepInstall)
		if err := r.installTest(ctx, j, sc, log, stageDir, pkgs, res); err != nil {
			return err
		}
	}
	if j.Autopkgtest {
		log.SetStep(StepAutopkgtest)
		if err := r.autopkgtest(ctx, j, sc, log, stageDir, pkgs, res); err != nil {
			return err
		}
	}
	return nil
}

// installTest installs the packages in a clean container of the distro's
// base image with its own package manager (the family's verify script:
// dependencies come from the distro's archive), runs test.installed, and
// removes them again, checking that their files are gone.
func (r *runner) installTest(ctx context.Context, j plan.Job, sc *sidecar.Sidecar, log *targetLog, stageDir string, pkgs []string, res *report.Result) error {
	if j.VerifyScript == nil {
		return fmt.Errorf("the %s family has no install script", j.Family.Name)
	}
	t0 := time.Now()
	log.Printf("dbuilder: install test: %d package(s) in a clean %s container", len(pkgs), j.Distro.Image)
	data := map[string][]byte{"install.sh": j.VerifyScript, "installed.sh": testScript(j.Target.Test.Installed)}
	for lib, text := range j.VerifyLibs {
		data[lib] = text
	}
	spec := r.testSpec(j, sc, j.Distro.Image, []string{"sh", "-e", testDir + "/install.sh"})
	// DBUILDER_OUT: where the script notes what it found (leftovers);
	// release judges those, the install test does not.
	spec.Env = append(spec.Env, "DBUILDER_PKGS="+testDir+"/pkgs", "DBUILDER_SMOKE="+testDir+"/installed.sh", "DBUILDER_OUT="+testDir+"/out")
	code, err := r.testContainer(ctx, spec, log, func(tw *tar.Writer) error {
		if err := writeData(tw, data); err != nil {
			return err
		}
		return writePackages(tw, stageDir, pkgs)
	}, nil)
	if err != nil {
		return err
	}
	t := report.PackageTest{Suite: "install", Name: "install, remove", Result: report.TestPass}
	if strings.TrimSpace(j.Target.Test.Installed) != "" {
		t.Name = "install, test.installed, remove"
	}
	if code != 0 {
		t.Result, t.Reason, t.Tail = report.TestFail, fmt.Sprintf("%s failed (exit code %d) in a clean %s container", j.Family.VerifyScript, code, j.Distro.Image), log.Tail(15)
		res.PackageTests = append(res.PackageTests, t)
		return fmt.Errorf("install test: %s; the package manager's messages are in the log", t.Reason)
	}
	res.PackageTests = append(res.PackageTests, t)
	log.Printf("dbuilder: install test passed in %s", time.Since(t0).Round(100*time.Millisecond))
	return nil
}

// autopkgtest runs the package's DEP-8 tests: Debian's autopkgtest, in the
// runner container (the host daemon, in the sidecar's network namespace,
// DOCKER_HOST at the target's daemon), drives a testbed container of the
// distro in the target's daemon. Its output directory becomes
// DIR/<target>/autopkgtest/; each test is a PackageTest.
func (r *runner) autopkgtest(ctx context.Context, j plan.Job, sc *sidecar.Sidecar, log *targetLog, stageDir string, pkgs []string, res *report.Result) error {
	if sc == nil || r.testRunner == "" {
		return errors.New("autopkgtest needs the target's daemon and the runner image (dbuilder did not prepare them)")
	}
	out := filepath.Join(stageDir, report.PackageTestsDir)
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("the build left %s/ in %s, the name dbuilder keeps for autopkgtest's output; rename it", report.PackageTestsDir, OutDir)
	}
	bed, err := r.testbed(ctx, j, log)
	if err != nil {
		return err
	}
	pr, err := sc.Preload(ctx, []string{bed})
	if err != nil {
		return fmt.Errorf("autopkgtest: the testbed image: %w", err)
	}
	if len(pr.Loaded) > 0 {
		log.Printf("dbuilder: autopkgtest: testbed image %s copied into the target's daemon", bed)
		dropOldTestbeds(ctx, sc.Inner, j.Target.Distro, bed, log)
	}
	spec := r.testSpec(j, sc, r.testRunner, []string{pkgtest.RunScript})
	spec.Env = append(spec.Env, "TESTBED="+bed, "TESTBED_LABEL="+labels.Role+"="+labels.RolePackageTest,
		"APT_VOLUME="+AptArchives, "SOCKET_DIR="+sidecar.SocketDir)
	if j.Foreign {
		spec.Env = append(spec.Env, "PLATFORM=linux/"+j.Platform.Name)
	}
	skip := r.skipDir(j)
	log.Printf("dbuilder: autopkgtest: %d package(s) and the source's debian/tests, testbed %s in the target's daemon", len(pkgs), bed)
	code, err := r.testContainer(ctx, spec, log, func(tw *tar.Writer) error {
		if err := writeTree(tw, j.SourceDir, strings.TrimPrefix(testDir, "/")+"/src", skip); err != nil {
			return err
		}
		return writePackages(tw, stageDir, pkgs, "debs")
	}, func(id string) error {
		err := r.copyOutDir(ctx, id, testDir+"/out", out)
		if errors.Is(err, engine.ErrNotFound) {
			return nil // autopkgtest stopped before it made one
		}
		return err
	})
	if err != nil {
		return err
	}
	summary, _ := os.ReadFile(filepath.Join(out, "summary"))
	tests, notes := pkgtest.ParseSummary(string(summary))
	for i := range tests {
		if tests[i].Result == report.TestFail {
			tests[i].Tail = testTail(out, tests[i].Name, 15)
		}
	}
	res.PackageTests = append(res.PackageTests, tests...)
	ok, words := pkgtest.Exit(code)
	log.Printf("dbuilder: autopkgtest exit code %d: %s", code, words)
	if ok {
		return nil
	}
	var failed []string
	for _, t := range tests {
		if t.Result == report.TestFail {
			failed = append(failed, fmt.Sprintf("%s (%s)", t.Name, t.Reason))
		}
	}
	msg := "autopkgtest: " + words
	if len(failed) > 0 {
		msg += ": " + strings.Join(failed, ", ")
	}
	for _, n := range notes {
		if strings.HasPrefix(n, "badpkg:") || strings.Contains(n, "failure:") || strings.HasPrefix(n, "erroneous package") {
			msg += "; " + n
		}
	}
	return fmt.Errorf("%s; its log and each test's output are in %s/", msg, report.PackageTestsDir)
}

// testbed builds the distro's DEP-8 testbed image on the host daemon when
// today's is missing, and returns its tag.
func (r *runner) testbed(ctx context.Context, j plan.Job, log *targetLog) (string, error) {
	base, err := r.eng.Image(ctx, j.Distro.Image)
	if err != nil {
		return "", fmt.Errorf("autopkgtest: base image %s is not on the daemon: %w", j.Distro.Image, err)
	}
	foreign := ""
	if j.Foreign {
		foreign = j.Arch
	}
	bed := pkgtest.TestbedFor(j.Target.Distro, j.Distro.Image, base.ID, foreign, sidecar.Host, time.Now())
	if _, err := r.eng.Image(ctx, bed.Tag); err == nil {
		return bed.Tag, nil
	}
	// Another daemon may have made today's already (a cache registry).
	pulled, err := r.cache.Fetch(ctx, bed.CacheTag, bed.Tag, func(img engine.Image) error {
		if img.Labels[labels.Inputs] != bed.Hash {
			return fmt.Errorf("its %s label is %q, not %s", labels.Inputs, img.Labels[labels.Inputs], bed.Hash)
		}
		return nil
	}, log)
	if err != nil {
		return "", err
	}
	if pulled {
		return bed.Tag, nil
	}
	log.Printf("dbuilder: autopkgtest: building testbed image %s (the distro, its package lists of today, what autopkgtest installs in a testbed)", bed.Tag)
	lb := bed.Labels
	for k, v := range map[string]string{labels.Version: r.run.Version} {
		lb[k] = v
	}
	if err := r.eng.Build(ctx, engine.BuildRequest{Dockerfile: bed.Dockerfile, Tag: bed.Tag, Labels: lb, BuildArgs: bed.Args, Progress: log}); err != nil {
		return "", fmt.Errorf("autopkgtest: testbed image: %w", err)
	}
	if _, err := r.cache.Store(ctx, bed.Tag, bed.CacheTag, log); err != nil {
		return "", err
	}
	dropOldTestbeds(ctx, r.eng, j.Target.Distro, bed.Tag, log)
	return bed.Tag, nil
}

// imageLister lists and removes images: the host daemon, or a target's.
type imageLister interface {
	ImageList(ctx context.Context, labels map[string]string) ([]engine.Image, error)
	ImageRemove(ctx context.Context, ref string) error
}

// dropOldTestbeds removes the distro's testbed images other than keep
// (those of earlier days, or of an older base image) from a daemon, so
// that a new one a day does not pile up. Best effort: an image still in
// use (another target's testbed of another day) stays, and is gone the
// next time.
func dropOldTestbeds(ctx context.Context, eng imageLister, distro, keep string, log *targetLog) {
	imgs, err := eng.ImageList(ctx, map[string]string{labels.Role: labels.RoleTestbed, labels.Distro: distro})
	if err != nil {
		return
	}
	repo, _, _ := strings.Cut(keep, ":")
	for _, img := range imgs {
		if slices.Contains(img.Tags, keep) {
			continue
		}
		for _, t := range img.Tags {
			if r, _, _ := strings.Cut(t, ":"); r == repo && eng.ImageRemove(ctx, t) == nil {
				log.Printf("dbuilder: autopkgtest: removed the older testbed image %s", t)
			}
		}
	}
}

// testSpec is a package-test container: on the host daemon, in the
// target's sidecar network namespace with DOCKER_HOST at its daemon when
// it has one, as the build container is.
func (r *runner) testSpec(j plan.Job, sc *sidecar.Sidecar, image string, cmd []string) engine.ContainerSpec {
	spec := engine.ContainerSpec{
		Image: image, Cmd: cmd, WorkingDir: testDir,
		Labels:   r.run.Labels(labels.RolePackageTest, j.Names),
		NanoCPUs: r.opt.NanoCPUs, Memory: r.opt.Memory,
		Env: []string{"DBUILDER_TARGET=" + j.Name(), "DBUILDER_DISTRO=" + j.Target.Distro},
	}
	if sc != nil {
		spec.NetworkMode = "container:" + sc.ID
		spec.Mounts = []engine.Mount{{Type: "volume", Source: sc.Socket, Target: sidecar.SocketDir}}
		spec.Env = append(spec.Env, "DOCKER_HOST="+sidecar.Host)
	}
	return spec
}

// testContainer creates a package-test container, streams files into it,
// runs it to its end with its output in the target's log, lets after copy
// things out, and removes it whatever happens. The code is the command's.
func (r *runner) testContainer(ctx context.Context, spec engine.ContainerSpec, log *targetLog, files func(*tar.Writer) error, after func(id string) error) (int, error) {
	id, err := engine.Create(ctx, r.eng, spec)
	if err != nil {
		return -1, err
	}
	defer func() {
		if err := engine.RemoveContainer(r.eng, id); err != nil {
			log.Printf("dbuilder: cleanup: %v", err)
		}
	}()
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := files(tw)
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	err = r.eng.CopyTo(ctx, id, "/", pr)
	pr.CloseWithError(err)
	if err != nil {
		return -1, fmt.Errorf("copy files into the test container: %w", err)
	}
	if err := r.eng.ContainerStart(ctx, id); err != nil {
		return -1, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.eng.ContainerLogs(ctx, id, true, "all", log)
	}()
	code, err := r.eng.ContainerWait(ctx, id)
	<-done
	log.Flush()
	if err != nil {
		return code, err
	}
	if after != nil {
		if err := after(id); err != nil {
			return code, err
		}
	}
	return code, nil
}

// copyOutDir copies dir of container id into the host directory to.
func (r *runner) copyOutDir(ctx context.Context, id, dir, to string) error {
	rc, err := r.eng.CopyFrom(ctx, id, dir)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	_, err = artifacts.Extract(rc, to)
	return err
}

// writeData adds generated files under testDir.
func writeData(tw *tar.Writer, data map[string][]byte) error {
	for _, name := range sortedKeys(data) {
		if err := writeFile(tw, path.Join(strings.TrimPrefix(testDir, "/"), name), 0o644, data[name]); err != nil {
			return err
		}
	}
	return nil
}

// writePackages adds the built packages (paths relative to stageDir) under
// testDir/pkgs (or the directory named).
func writePackages(tw *tar.Writer, stageDir string, pkgs []string, dir ...string) error {
	sub := "pkgs"
	if len(dir) > 0 {
		sub = dir[0]
	}
	for _, p := range pkgs {
		b, err := os.ReadFile(filepath.Join(stageDir, filepath.FromSlash(p)))
		if err != nil {
			return err
		}
		if err := writeFile(tw, path.Join(strings.TrimPrefix(testDir, "/"), sub, path.Base(p)), 0o644, b); err != nil {
			return err
		}
	}
	return nil
}

// testTail is the end of a DEP-8 test's output (autopkgtest keeps its
// stdout and stderr as NAME-stdout, NAME-stderr in its output directory).
func testTail(out, name string, n int) []string {
	var lines []string
	for _, suffix := range []string{"-stdout", "-stderr"} {
		f, err := os.Open(filepath.Join(out, name+suffix))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		f.Close()
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
