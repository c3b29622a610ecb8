package distros

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestFormats(t *testing.T) {
	if got := strings.Join(FormatNames(), ","); !strings.Contains(got, "deb") || !strings.Contains(got, "rpm") {
		t.Fatalf("registered formats %s", got)
	}
	for _, name := range []string{"deb", "rpm"} {
		f, _ := LookupFormat(name)
		if f.Name() != name || f.Package().Suffix != "."+name || f.Lint().Tool == "" || f.Lint().Line == nil || f.Repo().Dir == "" {
			t.Errorf("format %s: incomplete", name)
		}
		if _, err := Script(f.Repo().Script); err != nil {
			t.Errorf("format %s: repository script: %v", name, err)
		}
	}
	if _, err := FormatOf(Family{Name: "x", Format: "apk"}); err == nil || !strings.Contains(err.Error(), `unknown package format "apk" (known: `) {
		t.Errorf("unknown format: %v", err)
	}
}

func TestFormatSpec(t *testing.T) {
	deb, _ := LookupFormat("deb")
	rpm, _ := LookupFormat("rpm")
	debian, _ := FamilyOf("debian:bookworm")
	redhat, _ := FamilyOf("fedora:41")
	src := fstest.MapFS{"debian/control": {Data: []byte("Source: x\n")}, "x.spec": {}, "sub/y.spec": {}}
	if got, err := deb.Spec(src, "SRC", debian); got != "debian/control" || err != nil {
		t.Errorf("deb: %q, %v", got, err)
	}
	if got, err := rpm.Spec(src, "SRC", redhat); got != "x.spec" || err != nil {
		t.Errorf("rpm: %q, %v", got, err)
	}
	if _, err := deb.Spec(fstest.MapFS{"debian/control/x": {}}, "SRC", debian); err == nil || !strings.Contains(err.Error(), "source SRC has no debian/control") {
		t.Errorf("deb without a control file: %v", err)
	}
	if _, err := rpm.Spec(fstest.MapFS{"a.spec": {}, "b.spec": {}}, "SRC", redhat); err == nil || !strings.Contains(err.Error(), "has 2 .spec files at its top (a.spec, b.spec)") {
		t.Errorf("rpm with two specs: %v", err)
	}
	if deb.SpecName() != nil || !rpm.SpecName().MatchString("hellodb.spec") || rpm.SpecName().MatchString("../x.spec") {
		t.Error("spec names: deb's path is fixed, rpm's is NAME.spec")
	}
}

func TestPackageFiles(t *testing.T) {
	for name, want := range map[string][2]bool{
		"p_1_amd64.deb": {true, false}, "p-1.x86_64.rpm": {true, false}, "p-1.src.rpm": {true, true},
		"build.log": {false, false}, "p.deb.txt": {false, false},
	} {
		if got := [2]bool{IsPackage(name), IsSourcePackage(name)}; got != want {
			t.Errorf("%s: package, source = %v, want %v", name, got, want)
		}
	}
}

func TestDebDeclaresTests(t *testing.T) {
	deb, _ := LookupFormat("deb")
	cases := []struct {
		name  string
		files fstest.MapFS
		want  bool
	}{
		{"tests/control", fstest.MapFS{"debian/control": {Data: []byte("Source: a\n")}, "debian/tests/control": {Data: []byte("Tests: t\n")}}, true},
		{"autodep8 header", fstest.MapFS{"debian/control": {Data: []byte("Source: a\nTestsuite: autopkgtest-pkg-python\n\nPackage: a\n")}}, true},
		{"folded header", fstest.MapFS{"debian/control": {Data: []byte("# c\n\nSource: a\ntestsuite: autopkgtest,\n autopkgtest-pkg-perl\n")}}, true},
		{"header in a binary paragraph", fstest.MapFS{"debian/control": {Data: []byte("Source: a\n\nPackage: a\nTestsuite: autopkgtest-pkg-go\n")}}, false},
		{"plain autopkgtest without tests", fstest.MapFS{"debian/control": {Data: []byte("Source: a\nTestsuite: autopkgtest\n")}}, false},
		{"no tests", fstest.MapFS{"debian/control": {Data: []byte("Source: a\n")}}, false},
		{"tests is a directory", fstest.MapFS{"debian/control": {Data: []byte("Source: a\n")}, "debian/tests/control/x": {}}, false},
	}
	for _, c := range cases {
		if got := deb.DeclaresTests(c.files); got != c.want {
			t.Errorf("%s: DeclaresTests = %v, want %v", c.name, got, c.want)
		}
	}
}
