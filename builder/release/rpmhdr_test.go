package release

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dbuilder/dbuilder/internal/testreq"
)

// An rpm built and signed by the host's rpm: its headers read in Go give
// its name and version; signing changes the file but not what release
// compares (from the main header on).
func TestReadRPM(t *testing.T) {
	rpmbuild := testreq.Tool(t, "rpmbuild", "rpm")
	rpmsign := testreq.Tool(t, "rpmsign", "rpm")
	top := t.TempDir()
	spec := filepath.Join(top, "dbtest-hdr.spec")
	os.WriteFile(spec, []byte(`Name: dbtest-hdr
Epoch: 2
Version: 1.10~rc1
Release: 3
Summary: rpm header test
License: MIT
BuildArch: noarch
%description
Test.
%install
mkdir -p %{buildroot}/usr/share/dbtest-hdr
echo x > %{buildroot}/usr/share/dbtest-hdr/x
%files
/usr/share/dbtest-hdr/x
`), 0o644)
	if out, err := exec.Command(rpmbuild, "--define", "_topdir "+top, "-ba", spec).CombinedOutput(); err != nil {
		t.Fatalf("rpmbuild: %v\n%s", err, out)
	}
	bin := filepath.Join(top, "RPMS", "noarch", "dbtest-hdr-1.10~rc1-3.noarch.rpm")
	src := filepath.Join(top, "SRPMS", "dbtest-hdr-1.10~rc1-3.src.rpm")
	info, err := readRPM(bin)
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "dbtest-hdr" || info.EVR() != "2:1.10~rc1-3" || info.Arch != "noarch" || info.Source {
		t.Errorf("binary rpm: %+v", info)
	}
	if s, err := readRPM(src); err != nil || !s.Source || s.Name != "dbtest-hdr" {
		t.Errorf("source rpm: %+v %v", s, err)
	}

	private, _ := testKey(t)
	home := t.TempDir()
	imp := exec.Command("gpg", "--batch", "--homedir", home, "--import")
	imp.Stdin = bytes.NewReader(private)
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("gpg --import: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run() })
	signed := filepath.Join(t.TempDir(), filepath.Base(bin))
	os.WriteFile(signed, readBytes(t, bin), 0o644)
	sign := exec.Command(rpmsign, "--define", "_gpg_path "+home, "--define", "__gpg "+mustLook(t, "gpg"),
		"--define", "_gpg_name release-test@example.org", "--addsign", signed)
	if out, err := sign.CombinedOutput(); err != nil {
		t.Fatalf("rpmsign: %v\n%s", err, out)
	}
	if same, _ := sameFile(bin, signed); same {
		t.Fatal("signing changed nothing")
	}
	if same, err := samePublished(signed, bin); err != nil || !same {
		t.Errorf("signed and unsigned: same %v, %v", same, err)
	}
	if same, err := samePublished(signed, src); err != nil || same {
		t.Errorf("signed binary and source rpm: same %v, %v", same, err)
	}
	if _, err := readRPM(spec); err == nil {
		t.Error("a spec file read as an rpm")
	}
}

func mustLook(t *testing.T, prog string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
