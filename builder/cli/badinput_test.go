package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/internal/testreq"
)

type badInput struct {
	name string
	args []string
	env  map[string]string // e.g. DOCKER_HOST
	want []string          // substrings of the printed error
}

// inv is a file of the invalid-matrix corpus.
func inv(name string) string { return "../../testdata/matrices/invalid/" + name }

// tmpMatrix writes a matrix whose source is the given testdata source dir.
func tmpMatrix(t *testing.T, src, body string) string {
	t.Helper()
	abs, _ := filepath.Abs("../../testdata/matrices/src/" + src)
	p := filepath.Join(t.TempDir(), "matrix.yaml")
	os.WriteFile(p, []byte("name: bad\nversion: 1.0.0\nsource: "+abs+"\n"+body), 0o644)
	return p
}

// configCases need no daemon: they fail before dbuilder connects to one.
func configCases(t *testing.T) []badInput {
	dir := t.TempDir()
	existing := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(existing, []byte("x"), 0o644)
	deb := "matrix:\n  distro: [debian:bookworm]\n"
	return []badInput{
		{"no command", nil, nil, []string{"no command given"}},
		{"unknown command", []string{"bild"}, nil, []string{`unknown command "bild"`, "did you mean build?"}},
		{"unknown flag", []string{"build", "--bogus"}, nil, []string{"unknown flag: --bogus", "dbuilder build --help"}},
		{"jobs zero", []string{"build", "-j", "0", "-f", inv("../valid/minimal.yaml")}, nil, []string{"-j must be at least 1"}},
		{"bad memory", []string{"build", "--memory", "12q"}, nil, []string{`"12q" is not a size`}},
		{"bad timeout", []string{"build", "--timeout", "soon"}, nil, []string{`invalid argument "soon" for "--timeout"`, "is not a duration"}},
		{"stray argument", []string{"build", "fedora"}, nil, []string{`unexpected argument "fedora"`}},
		{"ci without a system", []string{"ci"}, nil, []string{"usage: dbuilder ci gitlab"}},
		{"ci dind without an image", []string{"ci", "gitlab", "-f", inv("../valid/debian.yaml")}, nil, []string{"--runner dind needs --image"}},
		{"ci unknown runner", []string{"ci", "gitlab", "-f", inv("../valid/debian.yaml"), "--runner", "k8s"}, nil, []string{`unknown runner "k8s"`}},
		{"ci absolute matrix", []string{"ci", "gitlab", "-f", "/abs/matrix.yaml"}, nil, []string{"relative to the project directory"}},
		{"ci split to stdout", []string{"ci", "gitlab", "-f", inv("../valid/debian.yaml"), "--runner", "socket", "--max-jobs", "1"}, nil, []string{"give -o FILE.yml"}},
		{"ci pages without release", []string{"ci", "gitlab", "-f", inv("../valid/debian.yaml"), "--runner", "socket", "--pages"}, nil, []string{"--pages", "needs --release"}},
		{"ci release split", []string{"ci", "gitlab", "-f", inv("../valid/debian.yaml"), "--runner", "socket", "--max-jobs", "1", "-o", filepath.Join(dir, "p.yml"), "--release"}, nil, []string{"--release needs every target in one pipeline"}},
		{"release prebuilt and rebuild", []string{"release", "--prebuilt", "--rebuild", "-f", inv("../valid/minimal.yaml")}, nil, []string{"--prebuilt", "--rebuild", "give one of them"}},
		{"bad progress", []string{"build", "--progress", "fancy", "-f", inv("../valid/minimal.yaml")}, nil, []string{"--progress must be auto, tty or plain"}},
		{"bad reports glob", []string{"build", "-f", inv("bad-reports.yaml")}, nil, []string{"bad-reports.yaml:13:28:", "absolute"}},
		{"missing matrix", []string{"plan", "-f", filepath.Join(dir, "nope.yaml")}, nil, []string{"no matrix file", "nope.yaml", "dbuilder init"}},
		{"matrix is a directory", []string{"plan", "-f", dir}, nil, []string{"is a directory"}},
		{"yaml syntax", []string{"build", "-f", inv("syntax-error.yaml")}, nil, []string{"syntax-error.yaml:", "invalid YAML"}},
		{"unknown key", []string{"build", "-f", inv("unknown-top-key.yaml")}, nil, []string{"unknown-top-key.yaml:6:1:", "did you mean name?"}},
		{"unknown nested key", []string{"build", "-f", inv("unknown-nested-key.yaml")}, nil, []string{"unknown-nested-key.yaml:", "unknown key"}},
		{"wrong type", []string{"build", "-f", inv("wrong-type-docker.yaml")}, nil, []string{"wrong-type-docker.yaml:", "docker"}},
		{"empty file", []string{"build", "-f", inv("empty-file.yaml")}, nil, []string{"empty-file.yaml"}},
		{"empty matrix", []string{"build", "-f", inv("empty-matrix.yaml")}, nil, []string{"empty-matrix.yaml:"}},
		{"all excluded", []string{"build", "-f", inv("all-excluded.yaml")}, nil, []string{"all-excluded.yaml:", "exclude"}},
		{"unknown distro", []string{"build", "-f", inv("unknown-distro.yaml")}, nil, []string{"unknown distro", "did you mean"}},
		{"hostile package", []string{"build", "-f", inv("hostile-package.yaml")}, nil, []string{"hostile-package.yaml:", "invalid Debian package name"}},
		{"hostile image", []string{"build", "-f", inv("hostile-image.yaml")}, nil, []string{"hostile-image.yaml:"}},
		{"hostile distro", []string{"build", "-f", inv("hostile-distro.yaml")}, nil, []string{"hostile-distro.yaml:"}},
		{"missing source", []string{"build", "-f", inv("missing-source.yaml")}, nil, []string{"missing-source.yaml:", "source"}},
		{"source not a dir", []string{"build", "-f", inv("source-not-dir.yaml")}, nil, []string{"source-not-dir.yaml:"}},
		{"duplicate targets", []string{"build", "-f", inv("duplicate-targets.yaml")}, nil, []string{"duplicate-targets.yaml:"}},
		{"nul in command", []string{"build", "-f", inv("nul-command.yaml")}, nil, []string{"nul-command.yaml:"}},
		{"preload without docker", []string{"build", "-f", inv("preload-without-docker.yaml")}, nil, []string{"test.docker is false"}},
		{"two documents", []string{"build", "-f", inv("two-documents.yaml")}, nil, []string{"two-documents.yaml"}},
		{"selector matches nothing", []string{"build", "-f", inv("../valid/debian.yaml"), "--distro", "fedra"}, nil, []string{`no target matches "fedra"`, "debian-bookworm, debian-trixie"}},
		{"dockerfile needs distro", []string{"dockerfile", "-f", inv("../valid/debian.yaml")}, nil, []string{"--distro is required"}},
		{"source without debian/", []string{"dockerfile", "-f", tmpMatrix(t, "rpmonly", deb), "--distro", "debian:bookworm"}, nil, []string{"no debian/control"}},
		{"source without .spec", []string{"dockerfile", "-f", tmpMatrix(t, "debonly", "matrix:\n  distro: [fedora:41]\n"), "--distro", "fedora:41"}, nil, []string{"no .spec file"}},
		{"init without packaging", []string{"init", dir}, nil, []string{"found no debian/control and no *.spec"}},
		{"init over a matrix", []string{"init", pkgWithMatrix(t)}, nil, []string{"already exists"}},
		{"plan format", []string{"plan", "-f", inv("../valid/debian.yaml"), "--format", "xml"}, nil, []string{"xml"}},
		{"cache without sub", []string{"cache"}, nil, []string{"usage: dbuilder cache ls"}},
		{"gc argument", []string{"gc", "now"}, nil, []string{`unexpected argument "now"`}},
		{"malformed ssh endpoint", []string{"build", "-f", inv("../valid/debian.yaml")}, map[string]string{"DOCKER_HOST": "ssh://"}, []string{"want ssh://[user@]host[:port]"}},
		{"source link leads out", []string{"build", "-f", linkedOut(t)}, nil, []string{"symbolic links that lead out of it", "evil -> /etc/passwd (absolute)", "up -> ../..", "outside the source"}},
		{"source link leads out (dockerfile)", []string{"dockerfile", "--distro", "debian:bookworm", "-f", linkedOut(t)}, nil, []string{"symbolic links that lead out of it"}},
		{"arch without an official repository", []string{"dockerfile", "--distro", "rockylinux-9-arm64", "-f", tmpMatrix(t, "rpmonly", "matrix:\n  distro: [rockylinux:9]\n  arch: [arm64]\n")}, nil, []string{"rockylinux/rockylinux:9 is not a Docker official image"}},
		{"unknown arch", []string{"plan", "-f", tmpMatrix(t, "hellodb", "matrix:\n  distro: [debian:bookworm]\n  arch: [aarch64]\n")}, nil, []string{`unknown architecture "aarch64"; did you mean arm64?`}},
		{"fail-fast and keep-going", []string{"build", "--fail-fast", "--keep-going", "-f", inv("../valid/debian.yaml")}, nil, []string{"contradict"}},
		{"bad pull policy", []string{"build", "--pull", "sometimes", "-f", inv("../valid/debian.yaml")}, nil, []string{"--pull must be missing, always or never"}},
		{"bad mirror flag", []string{"plan", "--mirror", "https://reg.example.com", "-f", inv("../valid/debian.yaml")}, nil, []string{"--mirror", "leave out the scheme"}},
		{"bad mirror env", []string{"dockerfile", "--distro", "debian:bookworm", "-f", inv("../valid/debian.yaml")}, map[string]string{"DBUILDER_MIRROR": "hub"}, []string{"DBUILDER_MIRROR", "registry host"}},
		{"bad images block", []string{"build", "-f", inv("bad-images.yaml")}, nil, []string{"bad-images.yaml:13:11: images.mirror", "bad-images.yaml:18:3: unknown key \"prefix\" in images"}},
		{"unreachable daemon", []string{"build", "-f", inv("../valid/debian.yaml")}, map[string]string{"DOCKER_HOST": "unix://" + filepath.Join(dir, "no.sock")}, []string{"cannot reach the Docker daemon", "setup.sh"}},
		{"release key file missing", []string{"release", "--sign-key", filepath.Join(dir, "nokey.asc"), "-f", inv("../valid/debian.yaml")}, nil, []string{"--sign-key", "nokey.asc", "no such file"}},
		{"release key not a private key", []string{"release", "--sign-key", existing, "-f", inv("../valid/debian.yaml")}, nil, []string{"not an ASCII-armored OpenPGP private key"}},
		{"release key in env not a key", []string{"release", "-f", inv("../valid/debian.yaml")}, map[string]string{"DBUILDER_SIGNING_KEY": "-----BEGIN PGP PUBLIC KEY BLOCK-----\nsecretish\n"}, []string{"DBUILDER_SIGNING_KEY: the signing key is not an ASCII-armored OpenPGP private key"}},
		{"release lint value", []string{"release", "-f", inv("bad-release.yaml")}, nil, []string{"bad-release.yaml:12:9: release.lint: must be one of error, warn, off", "bad-release.yaml:14:21: release.allow_leftovers[0]: invalid glob"}},
		{"release stray argument", []string{"release", "now"}, nil, []string{`unexpected argument "now"`}},
	}
}

// linkedOut writes a matrix whose source has links that lead out of it.
func linkedOut(t *testing.T) string {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(filepath.Join(src, "debian"), 0o755)
	ctl, _ := os.ReadFile("../../testdata/hellodb/debian/control")
	os.WriteFile(filepath.Join(src, "debian", "control"), ctl, 0o644)
	os.Symlink("/etc/passwd", filepath.Join(src, "evil"))
	os.Symlink("../..", filepath.Join(src, "debian", "up"))
	os.Symlink("control", filepath.Join(src, "debian", "fine")) // inside: allowed
	p := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(p, []byte("name: bad\nversion: 1.0.0\nsource: src\nmatrix:\n  distro: [debian:bookworm]\n"), 0o644)
	return p
}

// pkgWithMatrix is a package dir that already has a matrix.yaml.
func pkgWithMatrix(t *testing.T) string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "debian"), 0o755)
	ctl, _ := os.ReadFile("../../testdata/hellodb/debian/control")
	os.WriteFile(filepath.Join(dir, "debian", "control"), ctl, 0o644)
	os.WriteFile(filepath.Join(dir, "matrix.yaml"), []byte("name: x\n"), 0o644)
	return dir
}

func runBad(t *testing.T, c badInput) {
	t.Helper()
	for k, v := range c.env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	err := Run(context.Background(), c.args, &out, &errb)
	code := ExitCode(err, &errb)
	msg := errb.String()
	if code != ExitUsage {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", code, ExitUsage, msg)
	}
	for _, w := range c.want {
		if !strings.Contains(msg, w) {
			t.Errorf("stderr lacks %q:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine ") {
		t.Errorf("looks like a crash:\n%s", msg)
	}
	if strings.Contains(msg, "secretish") {
		t.Errorf("the message quotes the key:\n%s", msg)
	}
}

// TestBadInput: every bad input gets exit code 2 and a clear message.
func TestBadInput(t *testing.T) {
	cases := configCases(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runBad(t, c) })
	}
	t.Logf("bad inputs tried without a daemon: %d", len(cases))
}

// TestBadInputReal: bad inputs found against the real daemon create nothing.
func TestBadInputReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	body := "matrix:\n  distro: [debian:bookworm]\ntest:\n  docker: true\n  preload: [dbuilder-test/absent:1]\n"
	cases := []badInput{
		{"preload image missing", []string{"build", "--pull", "never", "--output", t.TempDir(), "-f", tmpMatrix(t, "hellodb", body)}, nil, []string{"preload image dbuilder-test/absent:1 is not on the Docker daemon", "--pull never"}},
		{"base image missing", []string{"build", "--pull", "never", "--output", t.TempDir(), "-f", tmpMatrix(t, "hellodb", "matrix:\n  distro: [fedora:41]\n")}, nil, []string{"base image fedora:41 is not on the Docker daemon"}},
		{"base image not in its registry", []string{"build", "--output", t.TempDir(), "-f", tmpMatrix(t, "hellodb", "matrix:\n  distro: [fedora:41]\nimages:\n  mirror: 127.0.0.1:1/hub\n")}, nil, []string{"base image 127.0.0.1:1/hub/library/fedora:41: registry 127.0.0.1:1 cannot be reached", "--pull never"}},
		{"arch without a base image", []string{"build", "--pull", "never", "--output", t.TempDir(), "-f", tmpMatrix(t, "hellodb", "matrix:\n  distro: [debian:bookworm]\n  arch: [amd64, s390x]\n")}, nil, []string{"base image s390x/debian:bookworm is not on the Docker daemon", "DBUILDER_ARCHES=s390x bash scripts/setup.sh"}},
		{"output not writable", []string{"build", "--output", filepath.Join(notADir(t), "dist"), "-f", tmpMatrix(t, "hellodb", "matrix:\n  distro: [debian:bookworm]\n")}, nil, []string{"--output"}},
		{"both at once", []string{"build", "--pull", "never", "--output", t.TempDir(), "-f", tmpMatrix(t, "hellodb", "matrix:\n  distro: [debian:bookworm, rockylinux:9]\ntest:\n  docker: true\n  preload: [dbuilder-test/absent:1]\n")}, nil, []string{"dbuilder-test/absent:1", "rockylinux/rockylinux:9"}},
		{"release --previous without a repository", []string{"release", "--previous", t.TempDir(), "--output", t.TempDir(), "-f", tmpMatrix(t, "hellodb", "matrix:\n  distro: [debian:bookworm]\n")}, nil, []string{"--previous", "no repository there"}},
		{"release unsigned into a signed repository", []string{"release", "--output", signedOut(t), "-f", tmpMatrix(t, "hellodb", "matrix:\n  distro: [debian:bookworm]\n")}, nil, []string{"is signed (KEY.asc)", "same key"}},
	}
	names := planned(t, cases)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, since := footprintOf(t, eng, names), time.Now()
			runBad(t, c)
			if after := footprintOf(t, eng, names); after != before {
				t.Errorf("resources changed: before %+v, after %+v", before, after)
			}
			if made := created(t, since); len(made) > 0 {
				t.Errorf("containers were created (and maybe removed again): %v", made)
			}
		})
	}
}

// signedOut is an output directory whose repo/ was published signed.
func signedOut(t *testing.T) string {
	out := t.TempDir()
	os.MkdirAll(filepath.Join(out, "repo"), 0o755)
	os.WriteFile(filepath.Join(out, "repo", "KEY.asc"), []byte("key"), 0o644)
	sum := sha256.Sum256([]byte("key"))
	os.WriteFile(filepath.Join(out, "repo", "SHA256SUMS"), []byte(hex.EncodeToString(sum[:])+"  KEY.asc\n"), 0o644)
	return out
}

// plannedNames are the builder images and cache volumes the cases'
// targets would use, from `dbuilder plan --format json` of their matrices.
type plannedNames struct{ images, volumes []string }

func planned(t *testing.T, cases []badInput) plannedNames {
	t.Helper()
	var p plannedNames
	for _, c := range cases {
		i := slices.Index(c.args, "-f")
		if i < 0 || i+1 >= len(c.args) {
			t.Fatalf("case %q names no matrix", c.name)
		}
		var out, errb bytes.Buffer
		if err := Run(context.Background(), []string{"plan", "--format", "json", "-f", c.args[i+1]}, &out, &errb); err != nil {
			t.Fatalf("plan of %q: %v\n%s", c.name, err, errb.String())
		}
		var targets []planTarget
		if err := json.Unmarshal(out.Bytes(), &targets); err != nil || len(targets) == 0 {
			t.Fatalf("plan of %q: %v\n%s", c.name, err, out.String())
		}
		for _, tg := range targets {
			p.images = append(p.images, tg.BuilderImage)
			p.volumes = append(p.volumes, tg.CacheVolume)
		}
	}
	return p
}

// footprint is what a bad-input case could leave on the daemon.
type footprint struct {
	Containers, Volumes int // labelled with the "bad" matrices
	Anchors             int // run anchors this process owns, in any state
	Images, CacheVols   int // of the cases' targets, by name
}

// footprintOf counts what dbuilder made for the "bad" matrices. Other
// packages' tests run at the same time, so only what these cases would
// make is counted: by the matrix label, by this process as the anchors'
// owner, and by the names plan gives their targets' images and volumes.
func footprintOf(t *testing.T, eng engine.Engine, p plannedNames) footprint {
	t.Helper()
	ctx := context.Background()
	var f footprint
	cs, err := eng.ContainerList(ctx, map[string]string{labels.Matrix: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := eng.VolumeList(ctx, map[string]string{labels.Matrix: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	f.Containers, f.Volumes = len(cs), len(vs)
	anchors, err := eng.ContainerList(ctx, map[string]string{labels.Role: labels.RoleAnchor})
	if err != nil {
		t.Fatal(err)
	}
	self := lifecycle.Self()
	for _, a := range anchors {
		if o := lifecycle.OwnerFrom(a.Labels); o.PID == self.PID && o.Boot == self.Boot {
			f.Anchors++
		}
	}
	for _, ref := range p.images {
		if _, err := eng.Image(ctx, ref); err == nil {
			f.Images++
		}
	}
	all, err := eng.VolumeList(ctx, map[string]string{labels.Managed: "true"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range all {
		if slices.Contains(p.volumes, v.Name) {
			f.CacheVols++
		}
	}
	return f
}

// created lists the containers of the "bad" matrices or owned by this
// process that the daemon created since `since`, from its event log: an
// anchor removes itself when its run ends, so only its create event shows
// that a run that stopped in preflight started one.
func created(t *testing.T, since time.Time) []string {
	t.Helper()
	docker := testreq.Tool(t, "docker", "docker.io")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	unix := func(at time.Time) string { return fmt.Sprintf("%d.%09d", at.Unix(), at.Nanosecond()) }
	out, err := exec.CommandContext(ctx, docker, "events", "--since", unix(since), "--until", unix(time.Now()),
		"--filter", "type=container", "--filter", "event=create", "--format", "{{json .Actor.Attributes}}").Output()
	if err != nil {
		t.Fatalf("docker events: %v", err)
	}
	self := lifecycle.Self()
	var made []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var attrs map[string]string
		if line == "" || json.Unmarshal([]byte(line), &attrs) != nil {
			continue
		}
		if o := lifecycle.OwnerFrom(attrs); attrs[labels.Matrix] == "bad" || (o.PID == self.PID && o.Boot == self.Boot) {
			made = append(made, attrs["name"]+" ("+attrs[labels.Role]+")")
		}
	}
	return made
}

// notADir is a regular file, for paths that must fail under it.
func notADir(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "file")
	os.WriteFile(p, nil, 0o644)
	return p
}
