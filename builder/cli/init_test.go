package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/distros"
	"github.com/dbuilder/dbuilder/internal/testreq"
)

// copySource copies testdata/matrices/src/NAME into a temp dir.
func copySource(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	src := filepath.Join("..", "..", "testdata", "matrices", "src", name)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// hasFormat reports whether the builtin registry has a distro of format.
func hasFormat(format string) bool {
	for _, n := range distros.Names() {
		if _, fam, _ := distros.Lookup(n); fam.Format == format {
			return true
		}
	}
	return false
}

func TestInitDebAndSpec(t *testing.T) {
	if !hasFormat("rpm") {
		testreq.Need(t, "the distro registry has no rpm distro")
	}
	dir := copySource(t, "hellodb")
	out, errOut, code := planInitRun(t, "init", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	path := filepath.Join(dir, "matrix.yaml")
	if !strings.Contains(out, "wrote "+path) {
		t.Errorf("stdout: %s", out)
	}
	m, err := matrix.Load(path)
	if err != nil {
		t.Fatalf("the written matrix does not load: %v", err)
	}
	if m.Name != "hellodb" || m.Version != "1.2.0" || m.SourceDir != dir {
		t.Errorf("matrix = %q %q %q", m.Name, m.Version, m.SourceDir)
	}
	var formats []string
	for _, tg := range m.Targets {
		if !slices.Contains(formats, tg.Format) {
			formats = append(formats, tg.Format)
		}
	}
	if !slices.Equal(formats, []string{"deb", "rpm"}) {
		t.Errorf("formats = %q", formats)
	}
	if !slices.ContainsFunc(m.Targets, func(tg matrix.Target) bool { return tg.Distro == "debian:bookworm" }) {
		t.Error("no debian:bookworm target")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".matrix.yaml.*"))
	if len(leftovers) > 0 {
		t.Errorf("temp files left: %q", leftovers)
	}
}

func TestInitDebianOnly(t *testing.T) {
	dir := copySource(t, "debonly")
	_, errOut, code := planInitRun(t, "init", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(errOut, "DEP-8") {
		t.Errorf("a source without debian/tests: %s", errOut)
	}
	m, err := matrix.Load(filepath.Join(dir, "matrix.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// 2:3.4.5~rc1-2ubuntu1: no epoch, no Debian revision.
	if m.Name != "gizmo" || m.Version != "3.4.5~rc1" {
		t.Errorf("matrix = %q %q", m.Name, m.Version)
	}
	for _, tg := range m.Targets {
		if tg.Format != "deb" {
			t.Errorf("target %s builds %s", tg.Name, tg.Format)
		}
	}
}

func TestInitRpmOnly(t *testing.T) {
	if !hasFormat("rpm") {
		testreq.Need(t, "the distro registry has no rpm distro")
	}
	dir := copySource(t, "rpmonly")
	if _, errOut, code := planInitRun(t, "init", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m, err := matrix.Load(filepath.Join(dir, "matrix.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "widget-tools" || m.Version != "0.9.3" {
		t.Errorf("matrix = %q %q", m.Name, m.Version)
	}
	for _, tg := range m.Targets {
		if tg.Format != "rpm" {
			t.Errorf("target %s builds %s", tg.Name, tg.Format)
		}
	}
}

func TestInitRefusesOverwrite(t *testing.T) {
	dir := copySource(t, "debonly")
	path := filepath.Join(dir, "matrix.yaml")
	if err := os.WriteFile(path, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := planInitRun(t, "init", dir)
	if code != ExitUsage || !strings.Contains(errOut, "already exists (use --force") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if data, _ := os.ReadFile(path); string(data) != "# mine\n" {
		t.Error("the existing file was changed")
	}
	// The flag may follow the directory.
	if _, errOut, code := planInitRun(t, "init", dir, "--force"); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errOut)
	}
	if _, err := matrix.Load(path); err != nil {
		t.Error(err)
	}
}

func TestInitErrors(t *testing.T) {
	empty := t.TempDir()
	badName := t.TempDir()
	os.MkdirAll(filepath.Join(badName, "debian"), 0o755)
	os.WriteFile(filepath.Join(badName, "debian", "control"), []byte("Source: Hello World\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing to package", []string{"init", empty}, "found no debian/control and no *.spec"},
		{"not a directory", []string{"init", filepath.Join(empty, "nope")}, "is not a directory"},
		{"bad name", []string{"init", badName}, `invalid Debian package name "Hello World"`},
		{"two dirs", []string{"init", empty, empty}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := planInitRun(t, tt.args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant %q", code, errOut, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(empty, "matrix.yaml")); err == nil {
		t.Error("a failed init wrote a file")
	}
}

func TestInitBadVersionFallsBack(t *testing.T) {
	dir := copySource(t, "debonly")
	os.WriteFile(filepath.Join(dir, "debian", "changelog"), []byte("gizmo (v2) unstable; urgency=low\n"), 0o644)
	_, errOut, code := planInitRun(t, "init", dir)
	if code != 0 || !strings.Contains(errOut, "wrote version 0.1.0 instead") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if m, err := matrix.Load(filepath.Join(dir, "matrix.yaml")); err != nil || m.Version != "0.1.0" {
		t.Errorf("%v %v", m, err)
	}
}

func TestDetectParsers(t *testing.T) {
	if got := controlSource([]byte("source: foo\nMaintainer: x\n\nPackage: bar\n")); got != "foo" {
		t.Errorf("controlSource = %q", got)
	}
	if got := controlSource([]byte("Maintainer: x\n\nSource: late\n")); got != "" {
		t.Errorf("controlSource read past the first paragraph: %q", got)
	}
	for in, want := range map[string]string{
		"foo (1.2-1) unstable; urgency=low":           "1.2",
		"foo (2:3.4.5~rc1-2ubuntu1) noble; urgency=x": "3.4.5~rc1",
		"foo (1.0) unstable; urgency=low":             "1.0",
		"foo (1.0-2-3) unstable":                      "1.0-2",
		"not a changelog":                             "",
	} {
		if got := changelogVersion([]byte(in + "\n")); got != want {
			t.Errorf("changelogVersion(%q) = %q, want %q", in, got, want)
		}
	}
	name, version := specTags([]byte("Name:    foo\nVersion: %{ver}\nversion: 9\nSummary: x\n"))
	if name != "foo" || version != "9" {
		t.Errorf("specTags = %q %q", name, version)
	}
}

func TestYAMLString(t *testing.T) {
	for in, want := range map[string]string{
		"hellodb": "hellodb", "1.2.0": `"1.2.0"`, "yes": `"yes"`, "Null": `"Null"`, "0ad": `"0ad"`, "Foo": `"Foo"`,
	} {
		if got := yamlString(in); got != want {
			t.Errorf("yamlString(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestInitSaysDEP8 notes DEP-8 tests when the source declares them.
func TestInitSaysDEP8(t *testing.T) {
	dir := copySource(t, "debonly")
	if err := os.MkdirAll(filepath.Join(dir, "debian", "tests"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "debian", "tests", "control"), []byte("Test-Command: gizmo --help\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := planInitRun(t, "init", dir)
	if code != 0 || !strings.Contains(errOut, "found DEP-8 tests (debian/tests)") {
		t.Fatalf("exit %d, stderr: %s", code, errOut)
	}
}
