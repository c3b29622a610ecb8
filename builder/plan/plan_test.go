package plan

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/distros"
)

// acme is a registry with one distro the builtin one does not know.
type acme struct{}

func (acme) Lookup(name string) (distros.Distro, distros.Family, bool) {
	if name != "acme:1" {
		return distros.Distro{}, distros.Family{}, false
	}
	_, fam, _ := distros.Lookup("debian:bookworm")
	return distros.Distro{Name: "acme:1", Family: "debian", Image: "registry.example/acme:1"}, fam, true
}
func (acme) Names() []string { return []string{"acme:1"} }

func source(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const control = "Source: p\nBuild-Depends: debhelper-compat (= 13)\n\nPackage: p\nArchitecture: any\n"

func load(t *testing.T, src, distros string, reg matrix.Registry) *matrix.Matrix {
	t.Helper()
	text := "name: pkg\nversion: 1.0.0\nsource: " + src + "\nmatrix:\n  distro: [" + distros + "]\ntest:\n  docker: true\n"
	m, err := matrix.Parse(filepath.Join(t.TempDir(), "m.yaml"), []byte(text), reg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var cli = Options{DockerCLI: render.DockerCLI{Image: "dbuilder/dind:x", Path: "/opt/dbuilder-cli"}}

func TestResolveUsesTheMatrixRegistry(t *testing.T) {
	m := load(t, source(t, map[string]string{"debian/control": control}), "acme:1", acme{})
	jobs, err := Resolve(m, m.Targets, cli)
	if err != nil {
		t.Fatal(err)
	}
	j := jobs[0]
	if j.Distro.Image != "registry.example/acme:1" || !strings.Contains(string(j.Dockerfile), "FROM registry.example/acme:1") {
		t.Errorf("job did not resolve against the matrix's registry: %+v\n%s", j.Distro, j.Dockerfile)
	}
	if strings.Join(j.Bases, ",") != "registry.example/acme:1,dbuilder/dind:x" {
		t.Errorf("bases %v", j.Bases)
	}
	if !strings.HasPrefix(j.ImageTag, "dbuilder/builder-acme-1:") || j.Names.Cache == "" || j.BuildScript == nil {
		t.Errorf("job %+v", j)
	}
}

func TestImageTagFollowsInputs(t *testing.T) {
	src := source(t, map[string]string{"debian/control": control})
	m := load(t, src, "debian:bookworm", nil)
	tag := func(o Options) string {
		jobs, err := Resolve(m, m.Targets, o)
		if err != nil {
			t.Fatal(err)
		}
		return jobs[0].ImageTag
	}
	a := tag(cli)
	if a != tag(cli) {
		t.Error("same inputs, different tags")
	}
	other := cli
	other.DockerCLI = render.DockerCLI{Image: "docker:dind", Path: "/usr/local/bin/docker"}
	if tag(other) == a {
		t.Error("another sidecar image (another CLI in the image) kept the tag")
	}
	os.WriteFile(filepath.Join(src, "debian", "control"), []byte(control+"\n"), 0o644)
	if tag(cli) == a {
		t.Error("a changed debian/control kept the tag")
	}
}

func TestResolveReportsEveryProblem(t *testing.T) {
	src := source(t, map[string]string{"a.spec": "x", "b.spec": "y"})
	os.Symlink("/etc/passwd", filepath.Join(src, "evil"))
	m := load(t, src, "debian:bookworm, fedora:41", nil)
	_, err := Resolve(m, m.Targets, cli)
	if err == nil {
		t.Fatal("resolved")
	}
	for _, want := range []string{"evil -> /etc/passwd", "target debian-bookworm: source", "no debian/control", "target fedora-41: source", "2 .spec files"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestCheckSource(t *testing.T) {
	cases := map[string]struct {
		links map[string]string // link -> target
		bad   []string
	}{
		"inside":          {map[string]string{"a": "debian/control", "debian/b": "../a", "dir": "debian", "dangling": "not/yet"}, nil},
		"absolute":        {map[string]string{"a": "/etc/passwd"}, []string{"a -> /etc/passwd"}},
		"climbs":          {map[string]string{"debian/up": "../.."}, []string{"up -> ../.."}},
		"chain":           {map[string]string{"x": ".", "y": "x/.."}, []string{"y -> x/.."}},
		"dangling out":    {map[string]string{"d": "../nowhere"}, []string{"d -> ../nowhere"}},
		"git is not sent": {map[string]string{".git/hooks": "/usr/share"}, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			src := source(t, map[string]string{"debian/control": control, ".git/HEAD": "x"})
			names := make([]string, 0, len(tc.links))
			for l := range tc.links {
				names = append(names, l)
			}
			sort.Strings(names)
			for _, l := range names {
				if err := os.Symlink(tc.links[l], filepath.Join(src, l)); err != nil {
					t.Fatal(err)
				}
			}
			err := CheckSource(src)
			if len(tc.bad) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, b := range tc.bad {
				if !strings.Contains(err.Error(), b) {
					t.Errorf("error lacks %q: %v", b, err)
				}
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite the golden files")

// TestArchGoldens pins the builder Dockerfiles of foreign architectures:
// the same templates, FROM the architecture's official repository.
func TestArchGoldens(t *testing.T) {
	src := source(t, map[string]string{"debian/control": control, "pkg.spec": "Name: pkg\n"})
	text := "name: pkg\nversion: 1.0.0\nsource: " + src + "\nmatrix:\n  distro: [debian:bookworm, fedora:41]\n  arch: [amd64, arm64, armhf, ppc64el, s390x, i386]\n" +
		"exclude:\n  - {distro: fedora:41, arch: armhf}\n  - {distro: fedora:41, arch: i386}\ntest:\n  docker: true\n"
	m, err := matrix.Parse(filepath.Join(t.TempDir(), "m.yaml"), []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := Resolve(m, m.Targets, Options{DockerCLI: cli.DockerCLI, NativeArch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		t.Run(j.Name(), func(t *testing.T) {
			if j.Foreign != (j.Arch != "amd64") {
				t.Errorf("arch %s foreign %v", j.Arch, j.Foreign)
			}
			if j.Foreign && !strings.HasPrefix(j.Distro.Image, "arm64v8/") && j.Arch == "arm64" {
				t.Errorf("image %s", j.Distro.Image)
			}
			// What later steps need is on the job: the platform under
			// all its names, the verify script and its libraries.
			if j.Platform.Name != j.Arch || j.Platform.Machine == "" {
				t.Errorf("platform %+v for arch %s", j.Platform, j.Arch)
			}
			if len(j.VerifyScript) == 0 || len(j.VerifyLibs) == 0 {
				t.Errorf("verify script %d bytes, %d libraries", len(j.VerifyScript), len(j.VerifyLibs))
			}
			golden := filepath.Join("..", "..", "testdata", "golden", "arch", j.Name()+".Dockerfile")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, j.Dockerfile, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./builder/plan -update)", err)
			}
			if string(want) != string(j.Dockerfile) {
				t.Errorf("%s differs from %s (run go test ./builder/plan -update to accept):\n%s", j.Name(), golden, j.Dockerfile)
			}
		})
	}
}

func TestArchWithoutOfficialRepository(t *testing.T) {
	src := source(t, map[string]string{"pkg.spec": "Name: pkg\n"})
	text := "name: pkg\nversion: 1.0.0\nsource: " + src + "\nmatrix:\n  distro: [rockylinux:9]\n  arch: [arm64]\n"
	m, err := matrix.Parse(filepath.Join(t.TempDir(), "m.yaml"), []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Resolve(m, m.Targets, Options{NativeArch: "amd64"})
	if err == nil || !strings.Contains(err.Error(), "rockylinux/rockylinux:9 is not a Docker official image") {
		t.Fatalf("got %v", err)
	}
	// On an arm64 daemon the same target is native.
	if _, err := Resolve(m, m.Targets, Options{NativeArch: "aarch64"}); err != nil {
		t.Fatal(err)
	}
}

// TestResolveMirroredBase: the matrix's images settings reach the job's
// distro, its Dockerfile and its bases, and give another builder image tag.
func TestResolveMirroredBase(t *testing.T) {
	src := source(t, map[string]string{"debian/control": control})
	plain := load(t, src, "debian:bookworm", nil)
	text := "name: pkg\nversion: 1.0.0\nsource: " + src + "\nmatrix:\n  distro: [debian:bookworm]\ntest:\n  docker: true\nimages:\n  mirror: registry.example.com/hub\n"
	m, err := matrix.Parse(filepath.Join(t.TempDir(), "m.yaml"), []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, errA := Resolve(plain, plain.Targets, cli)
	b, errB := Resolve(m, m.Targets, cli)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	const want = "registry.example.com/hub/library/debian:bookworm"
	j := b[0]
	if j.Distro.Image != want || j.Bases[0] != want || !strings.Contains(string(j.Dockerfile), "\nFROM "+want+"\n") {
		t.Errorf("mirror not applied: %s %v\n%s", j.Distro.Image, j.Bases, j.Dockerfile)
	}
	if j.Distro.Name != "debian:bookworm" || a[0].ImageTag == j.ImageTag {
		t.Errorf("distro %s; tags %s and %s", j.Distro.Name, a[0].ImageTag, j.ImageTag)
	}
}

// A foreign architecture's base image goes through the mirror too.
func TestResolveMirroredForeignBase(t *testing.T) {
	src := source(t, map[string]string{"debian/control": control})
	text := "name: pkg\nversion: 1.0.0\nsource: " + src + "\nmatrix:\n  distro: [debian:bookworm]\n  arch: [amd64, arm64]\nimages:\n  mirror: registry.example.com/hub\n"
	m, err := matrix.Parse(filepath.Join(t.TempDir(), "m.yaml"), []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := Resolve(m, m.Targets, Options{DockerCLI: cli.DockerCLI, NativeArch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if jobs[0].Distro.Image != "registry.example.com/hub/library/debian:bookworm" || jobs[1].Distro.Image != "registry.example.com/hub/arm64v8/debian:bookworm" {
		t.Errorf("images %s, %s", jobs[0].Distro.Image, jobs[1].Distro.Image)
	}
}
