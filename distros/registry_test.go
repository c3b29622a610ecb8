package distros

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	name := regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*:[a-z0-9][a-z0-9.-]*$`)
	for _, d := range distros {
		if seen[d.Name] {
			t.Errorf("distro %s listed twice", d.Name)
		}
		seen[d.Name] = true
		if !name.MatchString(d.Name) {
			t.Errorf("distro name %q: want NAME:RELEASE", d.Name)
		}
		if d.Image == "" {
			t.Errorf("%s: no image", d.Name)
		}
		f, ok := FamilyOf(d.Name)
		if !ok || f.Name != d.Family {
			t.Errorf("%s: family %q is not registered", d.Name, d.Family)
		}
	}
	for key, f := range families {
		if f.Name != key {
			t.Errorf("family %q registered under %q", f.Name, key)
		}
		if _, ok := LookupFormat(f.Format); !ok || !slices.Contains([]string{"deb", "rpm"}, f.Deps()) {
			t.Errorf("family %s: format %q, deps %q", f.Name, f.Format, f.Deps())
		}
		if _, err := Template(f.Template); err != nil {
			t.Errorf("family %s: %v", f.Name, err)
		}
		if _, err := Script(f.BuildScript); err != nil {
			t.Errorf("family %s: %v", f.Name, err)
		}
		if _, err := Script(f.VerifyScript); err != nil {
			t.Errorf("family %s: verify: %v", f.Name, err)
		}
		if len(f.Toolchain) == 0 {
			t.Errorf("family %s: no toolchain", f.Name)
		}
	}
	if _, err := Template(CommonTemplate); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"", "../distro.go", "templates/deb.Dockerfile.tmpl", "nope.tmpl"} {
		if _, err := Template(bad); err == nil {
			t.Errorf("Template(%q) did not fail", bad)
		}
	}
}

func TestNames(t *testing.T) {
	names := Names()
	if !slices.IsSorted(names) || slices.Contains(names, "debian-rpm:bookworm") {
		t.Errorf("Names() = %v: want sorted, without test-only distros", names)
	}
	if len(names) != 13 {
		t.Errorf("Names() has %d distros, want 13", len(names))
	}
	d, f, ok := Lookup("debian-rpm:bookworm")
	if !ok || !d.TestOnly || f.Format != "rpm" || f.Deps() != "deb" || d.Image != "debian:bookworm" {
		t.Errorf("test-only distro: %+v %+v %v", d, f, ok)
	}
	if got := Bases("redhat"); !slices.Equal(got, []string{"fedora", "centos", "rockylinux", "almalinux"}) {
		t.Errorf("Bases(redhat) = %v", got)
	}
	if _, _, ok := Lookup("debian:sid"); ok {
		t.Error("Lookup found an unknown distro")
	}
}

// ccache comes from each distro's own repositories: every family but
// redhat has it in its toolchain; of redhat, only Fedora (EL has it in EPEL).
func TestCcacheInToolchain(t *testing.T) {
	for _, d := range All() {
		f, _ := FamilyOf(d.Name)
		has := slices.Contains(f.Toolchain, "ccache") || slices.Contains(d.Tools, "ccache")
		want := f.Name != "redhat" || strings.HasPrefix(d.Name, "fedora:")
		if has != want {
			t.Errorf("%s: ccache in the toolchain is %v, want %v", d.Name, has, want)
		}
	}
}
