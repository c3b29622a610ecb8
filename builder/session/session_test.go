package session

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// writeMatrix writes a matrix of two targets with a Debian source next to
// it and returns its path.
func writeMatrix(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "src", "debian"), 0o755)
	os.WriteFile(filepath.Join(dir, "src", "debian", "control"), []byte("Source: hellodb\n\nPackage: hellodb\nArchitecture: any\n"), 0o644)
	path := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(path, []byte("name: hellodb\nversion: 1.2.0\nsource: src\nmatrix:\n  distro: [debian:bookworm, debian:trixie]\n"), 0o644)
	return path
}

func TestSelect(t *testing.T) {
	path := writeMatrix(t)
	m, targets, err := Select(Config{File: path, Select: "debian-trixie"})
	if err != nil || m.Name != "hellodb" || len(targets) != 1 || targets[0].Name != "debian-trixie" {
		t.Fatalf("Select = %v, %v, %v", m, targets, err)
	}
	_, _, err = Select(Config{File: path, Select: "nope"})
	if !errors.As(err, new(InputError)) {
		t.Errorf("err = %#v, want an InputError", err)
	}
}

func TestPlatform(t *testing.T) {
	for in, want := range map[string]string{"arm64": "arm64", "linux/arm64": "arm64", "aarch64": "arm64", "amd64": "amd64", "linux/amd64": "amd64", "linux/arm/v7": "armhf"} {
		a, err := Platform(in)
		if err != nil || a.Name != want {
			t.Errorf("Platform(%q) = %v, %v; want %s", in, a.Name, err, want)
		}
	}
	for _, bad := range []string{"windows/amd64", "sparc", ""} {
		if _, err := Platform(bad); err == nil {
			t.Errorf("Platform(%q) accepted", bad)
		}
	}
}
