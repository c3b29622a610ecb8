package plan

import (
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/distros"
)

// fakeFormat exists only in this file: registering it is all a new format
// takes for plan and render to pick it up (with a family naming it and
// that family's template and scripts as data). Each test run registers a
// new name, so -count=N sees it unknown first every time.
type fakeFormat struct{ name string }

var fakeFormats atomic.Int32

func (f fakeFormat) Name() string { return f.name }

func (fakeFormat) Spec(src fs.FS, where string, fam distros.Family) (string, error) {
	m, _ := fs.Glob(src, "*.fake")
	if len(m) != 1 {
		return "", fmt.Errorf("source %s: the %s family needs one NAME.fake at its top", where, fam.Name)
	}
	return m[0], nil
}

var fakeSpec = regexp.MustCompile(`^[a-z]+\.fake$`)

func (fakeFormat) SpecName() *regexp.Regexp { return fakeSpec }

func (fakeFormat) DeclaresTests(fs.FS) bool { return false }
func (fakeFormat) Package() distros.Package { return distros.Package{Suffix: ".fpkg"} }
func (fakeFormat) Lint() distros.Lint       { return distros.Lint{Tool: "fakelint"} }
func (fakeFormat) Repo() distros.Repo       { return distros.Repo{Dir: "fake"} }

// fakeOS is a registry with one distro whose family builds the format
// named and installs rpm-named build dependencies with dnf.
type fakeOS struct{ format string }

func (o fakeOS) Lookup(name string) (distros.Distro, distros.Family, bool) {
	if name != "fakeos:1" {
		return distros.Distro{}, distros.Family{}, false
	}
	fam := distros.Family{Name: "fakefam", Format: o.format, DepsFormat: "rpm", Template: "dnf.Dockerfile.tmpl",
		BuildScript: "build-rpm.sh", Toolchain: []string{"make"}}
	return distros.Distro{Name: "fakeos:1", Family: "fakefam", Image: "fakeos:1"}, fam, true
}
func (fakeOS) Names() []string { return []string{"fakeos:1"} }

func TestNewFormatIsOneRegistration(t *testing.T) {
	src := source(t, map[string]string{"pkg.fake": "fake metadata\n", "other.spec": "Name: x\n"})
	text := "name: pkg\nversion: 1.0.0\nsource: " + src + "\nmatrix:\n  distro: [fakeos:1]\nbuild:\n  deps:\n    rpm: [zlib-devel]\n"
	format := fakeFormat{name: fmt.Sprintf("fake%d", fakeFormats.Add(1))}
	m, err := matrix.Parse(t.TempDir()+"/m.yaml", []byte(text), fakeOS{format: format.Name()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve(m, m.Targets, cli); err == nil || !strings.Contains(err.Error(), "unknown package format "+strconv.Quote(format.Name())) {
		t.Fatalf("before the format is registered: want an unknown-format error, got %v", err)
	}

	distros.RegisterFormat(format)
	jobs, err := Resolve(m, m.Targets, cli)
	if err != nil {
		t.Fatal(err)
	}
	j := jobs[0]
	if j.Format == nil || j.Format.Name() != format.Name() || j.Target.Format != format.Name() {
		t.Errorf("job format %v, target format %q", j.Format, j.Target.Format)
	}
	if j.SpecFile != "pkg.fake" || string(j.Context["pkg.fake"]) != "fake metadata\n" || len(j.Context) != 1 {
		t.Errorf("spec %q, context %v: want the fake format's metadata only", j.SpecFile, j.Context)
	}
	df := string(j.Dockerfile)
	for _, want := range []string{"COPY pkg.fake /dbuilder/meta/pkg.fake", "zlib-devel"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q:\n%s", want, df)
		}
	}
	if !distros.IsPackage("pkg_1.0.fpkg") {
		t.Error("the fake format's packages are not recognised")
	}
}

func (fakeFormat) HasTests() bool { return false }
