package release

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/distros"
)

func TestParseLint(t *testing.T) {
	lintian := "running with root privileges is not recommended!\n" +
		"E: hellodb: binary-without-manpage usr/bin/hellodb\n" +
		"W: hellodb: no-manual-page [usr/bin/hellodb]\n" +
		"I: hellodb-dbgsym: some-info\n" +
		"N: a note\n"
	got := parseLint(lintOf(t, "deb"), []byte(lintian))
	if len(got) != 3 || got[0] != (report.LintFinding{Tool: "lintian", Severity: "error", Package: "hellodb", Tag: "binary-without-manpage", Detail: "usr/bin/hellodb"}) ||
		got[1].Severity != "warning" || got[1].Detail != "[usr/bin/hellodb]" || got[2].Package != "hellodb-dbgsym" || countErrors(got) != 1 {
		t.Errorf("lintian: %+v", got)
	}
	rpmlint := "============================ rpmlint session starts ============================\n" +
		"hellodb.x86_64: W: unstripped-binary-or-object /usr/bin/hellodb\n" +
		"hellodb.src: E: no-signature\n" +
		" 2 packages and 0 specfiles checked; 1 errors, 1 warnings, 1 badness; has taken 0.8 s\n"
	got = parseLint(lintOf(t, "rpm"), []byte(rpmlint))
	if len(got) != 2 || got[0].Package != "hellodb.x86_64" || got[0].Tag != "unstripped-binary-or-object" || got[1].Severity != "error" || got[1].Detail != "" {
		t.Errorf("rpmlint: %+v", got)
	}
}

func lintOf(t *testing.T, format string) distros.Lint {
	t.Helper()
	f, ok := distros.LookupFormat(format)
	if !ok {
		t.Fatalf("format %s is not registered", format)
	}
	return f.Lint()
}

func TestCheckSums(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "apt"), 0o755)
	os.WriteFile(filepath.Join(dir, "apt", "a.deb"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(dir, KeyFile), []byte("k"), 0o644)
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	good := sum("k") + "  KEY.asc\n" + sum("a") + "  apt/a.deb\n"
	os.WriteFile(filepath.Join(dir, SumsFile), []byte(good), 0o644)
	if names, err := checkSums(dir); err != nil || len(names) != 2 {
		t.Fatalf("good sums: %v %v", names, err)
	}
	os.WriteFile(filepath.Join(dir, "apt", "a.deb"), []byte("b"), 0o644)
	if _, err := checkSums(dir); err == nil || !strings.Contains(err.Error(), "apt/a.deb does not match") {
		t.Errorf("changed file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "apt", "a.deb"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(dir, "extra"), []byte("x"), 0o644)
	if _, err := checkSums(dir); err == nil || !strings.Contains(err.Error(), "does not list extra") {
		t.Errorf("unlisted file: %v", err)
	}
}

func TestParseKey(t *testing.T) {
	secret := "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlFgEZsecretmaterial\n-----END PGP PRIVATE KEY BLOCK-----\n"
	if _, err := parseKey([]byte(secret)); err != nil {
		t.Errorf("private key refused: %v", err)
	}
	for _, bad := range []string{"", "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBsecretmaterial\n-----END PGP PUBLIC KEY BLOCK-----\n", "lFgEZsecretmaterial"} {
		_, err := parseKey([]byte(bad))
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "secretmaterial") {
			t.Errorf("the error quotes the key: %v", err)
		}
	}
}

func TestRepoNames(t *testing.T) {
	for distro, want := range map[string][2]string{
		"debian:bookworm": {"debian-bookworm", "bookworm"}, "ubuntu:24.04": {"ubuntu-24.04", "24.04"},
		"debian-rpm:bookworm": {"debian-rpm-bookworm", "bookworm"}, "plain": {"plain", "stable"},
	} {
		if n, s := RepoName(distro), Suite(distro); n != want[0] || s != want[1] {
			t.Errorf("%s: %s %s, want %v", distro, n, s, want)
		}
	}
}

// fakeRelease builds nothing: it hands Release a target whose packages
// are already in DIR/<target>, as a cached build would.
func fakeRelease(t *testing.T, f *enginefake.Fake, opt Options, lint string) (*Outcome, string, string) {
	t.Helper()
	return fakeReleaseIn(t, f, opt, lint, t.TempDir())
}

// fakeReleaseIn is fakeRelease into the output directory out.
func fakeReleaseIn(t *testing.T, f *enginefake.Fake, opt Options, lint, out string) (*Outcome, string, string) {
	t.Helper()
	jobs := loadJobs(t, "hellodb.yaml")[:1]
	if lint != "" {
		jobs[0].Target.Release.Lint = lint
	}
	dir := filepath.Join(out, jobs[0].Name())
	os.MkdirAll(dir, 0o755)
	rec := &report.Record{Run: "r0"}
	for name, data := range map[string]string{"hellodb_1.0.0_amd64.deb": "deb", "hellodb_1.0.0_amd64.buildinfo": "buildinfo"} {
		os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644)
		sum := sha256.Sum256([]byte(data))
		rec.Artifacts = append(rec.Artifacts, report.Artifact{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	}
	built := []report.Result{{Target: jobs[0].Name(), OK: true, Dir: dir, Artifacts: []string{"hellodb_1.0.0_amd64.deb", "hellodb_1.0.0_amd64.buildinfo"}, Record: rec}}
	var log bytes.Buffer
	opt.OutputDir, opt.Run, opt.Stdout, opt.Origin = out, ident.NewRun("0.0.0-test"), &log, "hellodb"
	o, err := Release(context.Background(), f, jobs, built, opt)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if n := f.Names(); len(n) != 0 {
		t.Errorf("containers left: %v", n)
	}
	return o, out, log.String()
}

func newFake() *enginefake.Fake {
	f := enginefake.New("host")
	f.AddImage("debian:bookworm", nil)
	f.AddImage(ident.ReleaseToolsImage("0.0.0-test"), map[string]string{labels.Inputs: recipeHash()})
	return f
}

// onStart sets f's behaviors: the repository container runs until it is
// removed, others do what b says (nil: exit 0).
func onStart(f *enginefake.Fake, b func(c *enginefake.Container) enginefake.Behavior) {
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Spec.OpenStdin { // the repository container

			return func(c *enginefake.Container, stop <-chan struct{}) int { <-stop; return 0 }
		}
		if _, ok := c.Files["/release/source.sh"]; ok { // the source package, once
			return func(c *enginefake.Container, stop <-chan struct{}) int {
				c.Out["hellodb_1.0.0.dsc"], c.Out["hellodb_1.0.0.tar.xz"] = []byte("dsc"), []byte("tar")
				return 0
			}
		}
		if b != nil {
			return b(c)
		}
		return nil
	}
}

// A verify that fails fails the target with the package manager's words
// in its log, and no repository is made.
func TestFakeVerifyFails(t *testing.T) {
	f := newFake()
	onStart(f, func(c *enginefake.Container) enginefake.Behavior {
		if _, ok := c.Files["/release/verify.sh"]; ok {
			return func(c *enginefake.Container, stop <-chan struct{}) int {
				c.Log(" hellodb : Depends: libnothing but it is not installable")
				c.Log("E: Unable to correct problems, you have held broken packages.")
				return 100
			}
		}
		return nil
	})
	o, out, console := fakeRelease(t, f, Options{}, "")
	r := o.Targets[0]
	if r.OK || r.FailedStep != StepVerify || r.Verified {
		t.Fatalf("%+v", r)
	}
	logb, _ := os.ReadFile(r.Log)
	if !strings.Contains(string(logb), "E: Unable to correct problems") || !strings.Contains(console, "[debian-bookworm] E: Unable") {
		t.Errorf("apt's message is not in the log:\n%s", logb)
	}
	if o.Repos.Error == "" || !strings.Contains(console, "no repositories made") {
		t.Errorf("repositories: %+v", o.Repos)
	}
	if _, err := os.Stat(filepath.Join(out, RepoDir)); err == nil {
		t.Error("repo dir made")
	}
	if c := len(r.Checksums); c != 1 {
		t.Errorf("checksums of the packages: %v", r.Checksums)
	}
}

// release.lint: error fails a target with a lint error; warn does not.
func TestFakeLintModes(t *testing.T) {
	for mode, wantOK := range map[string]bool{"error": false, "warn": true} {
		t.Run(mode, func(t *testing.T) {
			f := newFake()
			onStart(f, func(c *enginefake.Container) enginefake.Behavior {
				if strings.Contains(string(c.Files["/release/run.sh"]), "lintian") {
					return func(c *enginefake.Container, stop <-chan struct{}) int {
						c.Out["lint.txt"] = []byte("E: hellodb: some-error\nW: hellodb: some-warning\n")
						return 0
					}
				}
				return nil
			})
			f.OnExec = func(c *enginefake.Container, cmd []string) int { return 1 } // repo.sh
			o, _, _ := fakeRelease(t, f, Options{}, mode)
			r := o.Targets[0]
			if r.OK != wantOK || len(r.Lint) != 2 || !r.Verified {
				t.Errorf("lint %s: %+v", mode, r)
			}
		})
	}
}

// Without a key, no key reaches the repository container and the output
// says plainly that the repositories are unsigned; with one, the key is
// streamed in by exec (never copied in as a file) before repo.sh runs.
func TestFakeKeyHandling(t *testing.T) {
	for _, signed := range []bool{false, true} {
		f := newFake()
		onStart(f, nil)
		var execs []string
		f.OnExec = func(c *enginefake.Container, cmd []string) int {
			execs = append(execs, strings.Join(cmd, " "))
			for p := range c.Files {
				if strings.Contains(p, "key") || strings.HasSuffix(p, ".asc") {
					t.Errorf("a key file was copied in: %s", p)
				}
			}
			c.Out[SumsFile] = nil // an empty repository, as far as the fake goes
			return 0
		}
		opt := Options{}
		if signed {
			opt.Key = []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\nx\n-----END PGP PRIVATE KEY BLOCK-----\n")
		}
		o, out, console := fakeRelease(t, f, opt, "off")
		if len(execs) == 0 || !strings.Contains(execs[len(execs)-1], "/release/run.sh") {
			t.Fatalf("execs: %v", execs)
		}
		imported := strings.Contains(execs[0], "gpg --batch --import")
		if imported != signed || o.Repos.Signed != signed || o.Repos.Error != "" {
			t.Errorf("signed %v: imported %v, report %+v (%v)", signed, imported, o.Repos, execs)
		}
		if unsigned := strings.Contains(console, "UNSIGNED: no signing key was given"); unsigned == signed {
			t.Errorf("signed %v, console:\n%s", signed, console)
		}
		if st, err := os.Stat(filepath.Join(out, RepoDir)); err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("repo dir: %v %v", st, err)
		}
	}
}
