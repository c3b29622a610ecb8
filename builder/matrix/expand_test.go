package matrix

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// parse loads inline YAML as if it were a file in testdata/matrices/valid,
// so that "source: ../src/hellodb" resolves.
func parse(t *testing.T, yaml string) (*Matrix, error) {
	t.Helper()
	return Parse(filepath.Join(testdata, "valid", "inline.yaml"), []byte(yaml), testDistros)
}

func targetNames(ts []Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

const head = "name: hellodb\nversion: 1.2.0\nsource: ../src/hellodb\n"

func TestExpandNames(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"one distro", "matrix: {distro: [debian:bookworm]}", []string{"debian-bookworm"}},
		{"file order, first axis slowest",
			"matrix:\n  distro: [fedora:41, debian:trixie]\n  arch: [arm64, amd64]",
			[]string{"fedora-41-arm64", "fedora-41-amd64", "debian-trixie-arm64", "debian-trixie-amd64"}},
		{"distro need not come first",
			"matrix:\n  arch: [amd64]\n  distro: [debian:trixie]",
			[]string{"amd64-debian-trixie"}},
		{"values are made file-name safe",
			"matrix:\n  distro: [ubuntu:24.04]\n  platform: [linux/ARM64, x86_64]",
			[]string{"ubuntu-24.04-linux-arm64", "ubuntu-24.04-x86-64"}},
		{"exclude by exact values",
			"matrix:\n  distro: [debian:bookworm, fedora:41]\n  arch: [amd64, arm64]\nexclude:\n  - {distro: fedora:41, arch: arm64}",
			[]string{"debian-bookworm-amd64", "debian-bookworm-arm64", "fedora-41-amd64"}},
		{"exclude by glob on one axis",
			"matrix:\n  distro: [debian:bookworm, debian:trixie, fedora:41]\n  arch: [amd64, arm64]\nexclude:\n  - {distro: \"debian:*\", arch: arm64}",
			[]string{"debian-bookworm-amd64", "debian-trixie-amd64", "fedora-41-amd64", "fedora-41-arm64"}},
		{"several excludes",
			"matrix:\n  distro: [debian:bookworm, fedora:41, rockylinux:9]\nexclude:\n  - {distro: fedora:41}\n  - {distro: \"rocky*\"}",
			[]string{"debian-bookworm"}},
		{"test-only distros are accepted", "matrix: {distro: [test:hidden]}", []string{"test-hidden"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parse(t, head+tt.yaml)
			if err != nil {
				t.Fatal(err)
			}
			if got := targetNames(m.Targets); !slices.Equal(got, tt.want) {
				t.Errorf("targets = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExpandFull(t *testing.T) {
	m, err := LoadWith(filepath.Join(testdata, "valid", "full.yaml"), testDistros)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Target{}
	for _, tg := range m.Targets {
		byName[tg.Name] = tg
	}
	want := []string{"debian-bookworm-amd64", "debian-bookworm-arm64", "debian-trixie-amd64", "debian-trixie-arm64",
		"ubuntu-24.04-amd64", "fedora-41-amd64", "fedora-41-arm64", "rockylinux-9-amd64"}
	if got := targetNames(m.Targets); !slices.Equal(got, want) {
		t.Fatalf("targets = %q, want %q", got, want)
	}
	script := "set -e\nmake check\necho \"tests passed on $(uname -m)\"\n"
	tests := []struct {
		target  string
		deps    []string
		docker  bool
		preload []string
		command string
	}{
		{"debian-bookworm-amd64", []string{"libmariadb-dev", "pkgconf"}, true,
			[]string{"mariadb:10.11", "registry.example.org:5000/db/mysql:8.4"}, script},
		{"debian-bookworm-arm64", []string{"libmariadb-dev", "pkgconf", "libc6-dev:arm64"}, true,
			[]string{"mariadb:10.11", "registry.example.org:5000/db/mysql:8.4"}, script},
		// The fedora override replaces the rpm list...
		{"fedora-41-amd64", []string{"mariadb-connector-c-devel", "gcc-c++"}, true,
			[]string{"mariadb:10.11", "registry.example.org:5000/db/mysql:8.4"}, script},
		// ...and a later, narrower one wins over it.
		{"fedora-41-arm64", []string{"perl(Test::More)"}, true,
			[]string{"mariadb:10.11", "registry.example.org:5000/db/mysql:8.4"}, script},
		// preload: [] clears the list; unset keys keep the base values.
		{"rockylinux-9-amd64", []string{"mariadb-connector-c-devel", "pkgconfig(libmariadb)"}, false,
			[]string{}, "make check-unit"},
	}
	for _, tt := range tests {
		tg := byName[tt.target]
		if !slices.Equal(tg.Deps(), tt.deps) {
			t.Errorf("%s: deps = %q, want %q", tt.target, tg.Deps(), tt.deps)
		}
		if tg.Test.Docker != tt.docker || !slices.Equal(tg.Test.Preload, tt.preload) || tg.Test.Command != tt.command {
			t.Errorf("%s: test = %+v, want docker=%v preload=%q command=%q", tt.target, tg.Test, tt.docker, tt.preload, tt.command)
		}
	}
	rocky := byName["rockylinux-9-amd64"]
	if r := byName["fedora-41-amd64"].Release; r.Smoke != "hellodb --version" || r.Lint != LintError {
		t.Errorf("fedora release = %+v", r)
	}
	if r := rocky.Release; r.Smoke != "" || r.Lint != LintWarn {
		t.Errorf("rocky release (override) = %+v", r)
	}
	if rocky.Family != "redhat" || rocky.Format != "rpm" || rocky.DepsFormat != "rpm" || rocky.Image != "rockylinux/rockylinux:9" {
		t.Errorf("registry fields = %q %q %q %q", rocky.Family, rocky.Format, rocky.DepsFormat, rocky.Image)
	}
	if want := map[string]string{"distro": "rockylinux:9", "arch": "amd64"}; !reflect.DeepEqual(rocky.Axes, want) {
		t.Errorf("axes = %v, want %v", rocky.Axes, want)
	}
	if m.Version != "1.2.0~rc1" || m.Name != "hellodb" || !strings.HasSuffix(m.SourceDir, filepath.FromSlash("testdata/matrices/src/hellodb")) {
		t.Errorf("matrix = %q %q %q", m.Name, m.Version, m.SourceDir)
	}
}

// Targets must not share slices: a consumer that edits one target's deps
// must not change another's.
func TestExpandTargetsIndependent(t *testing.T) {
	m, err := parse(t, head+"matrix: {distro: [debian:bookworm, debian:trixie]}\nbuild: {deps: {deb: [libfoo-dev]}}\ntest: {docker: true, preload: [mariadb:10.11]}")
	if err != nil {
		t.Fatal(err)
	}
	m.Targets[0].Build.Deps.Deb[0] = "changed"
	m.Targets[0].Test.Preload[0] = "changed"
	m.Targets[0].Axes["distro"] = "changed"
	if tg := m.Targets[1]; tg.Build.Deps.Deb[0] != "libfoo-dev" || tg.Test.Preload[0] != "mariadb:10.11" || tg.Axes["distro"] != "debian:trixie" {
		t.Errorf("second target changed with the first: %+v", tg)
	}
}

// Expand works on a File built in code; its errors carry no position.
func TestExpandFileInCode(t *testing.T) {
	f := &File{
		Name: "hellodb", Version: "1.0",
		Matrix:  Axes{{Name: "distro", Values: []string{"debian:bookworm", "fedora:41"}}},
		Exclude: []Match{{"distro": "fedora:*"}},
	}
	ts, err := Expand(f, testDistros)
	if err != nil || !slices.Equal(targetNames(ts), []string{"debian-bookworm"}) {
		t.Fatalf("Expand = %q, %v", targetNames(ts), err)
	}
	f.Matrix[0].Values = append(f.Matrix[0].Values, "debian:trixe")
	_, err = Expand(f, testDistros)
	if err == nil || !strings.HasPrefix(err.Error(), `matrix.distro[2]: unknown distro "debian:trixe"; did you mean debian:trixie?`) {
		t.Errorf("err = %v", err)
	}
}

func TestExpandTooMany(t *testing.T) {
	var b strings.Builder
	b.WriteString(head + "matrix:\n  distro: [debian:bookworm]\n")
	for _, axis := range []string{"a", "b", "c", "d"} {
		b.WriteString("  " + axis + ": [v1, v2, v3, v4, v5, v6]\n") // 6^4 = 1296
	}
	_, err := parse(t, b.String())
	if err == nil || !strings.Contains(err.Error(), "inline.yaml:4:1: matrix: more than 1000 combinations") {
		t.Errorf("err = %v", err)
	}
}

func TestValidFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testdata, "valid", "*.yaml"))
	if len(files) < 4 {
		t.Fatalf("only %d valid matrices", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			m, err := LoadWith(file, testDistros)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Targets) == 0 || m.SourceDir == "" || !filepath.IsAbs(m.SourceDir) {
				t.Errorf("matrix = %+v", m)
			}
		})
	}
}

// The builtin registry always has Debian's releases; a Debian-only matrix
// must load against it.
func TestLoadBuiltin(t *testing.T) {
	m, err := Load(filepath.Join(testdata, "valid", "debian.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := targetNames(m.Targets); !slices.Equal(got, []string{"debian-bookworm", "debian-trixie"}) {
		t.Errorf("targets = %q", got)
	}
	if tg := m.Targets[0]; tg.Format != "deb" || tg.Image == "" || !slices.Equal(tg.Deps(), []string{"libmariadb-dev", "pkgconf"}) {
		t.Errorf("target = %+v", tg)
	}
}
