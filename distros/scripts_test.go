package distros

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck not installed (apt-get install shellcheck)")
	}
	files, _ := filepath.Glob("scripts/*.sh")
	out, err := exec.Command("shellcheck", append([]string{"-s", "sh"}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// TestScripts runs the build scripts for real on this machine, without
// Docker, where its tools allow: dpkg-buildpackage for deb, Debian's
// rpmbuild for rpm-on-debian.
func TestScripts(t *testing.T) {
	t.Run("deb/quilt", func(t *testing.T) {
		need(t, "dpkg-buildpackage")
		root := stage(t, "testdata/deb-quilt")
		out := runScript(t, "build-deb.sh", root, "2", 0)
		expectFiles(t, root, "dbtest_1.0-1_all.deb")
		if !strings.Contains(out, "applying greet.patch") {
			t.Errorf("the quilt patch was not applied:\n%s", out)
		}
		// test.command runs in this tree after the build: patches must stay.
		if b, _ := os.ReadFile(filepath.Join(root, "src", "Makefile")); !bytes.Contains(b, []byte("from a patch\\n")) {
			t.Errorf("patches were unapplied after the build:\n%s", b)
		}
	})
	t.Run("rpm-on-debian/tarball", func(t *testing.T) {
		need(t, "rpmbuild")
		root := stage(t, "testdata/rpm")
		out := runScript(t, "build-rpm.sh", root, "3", 0, "RPMBUILD_NODEPS=1")
		expectFiles(t, root, "dbtest-1.0-1.noarch.rpm", "dbtest-1.0-1.src.rpm")
		if !strings.Contains(out, "make -j3 hello") {
			t.Errorf("PARALLEL did not reach make:\n%s", out)
		}
		expectBuiltDir(t, root, "dbtest-1.0")
	})
	t.Run("rpm/two-specs", func(t *testing.T) {
		root := stage(t, "testdata/rpm")
		if err := os.WriteFile(filepath.Join(root, "src", "other.spec"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		out := runScript(t, "build-rpm.sh", root, "1", 2)
		if !strings.Contains(out, "need exactly one .spec") {
			t.Errorf("unclear message:\n%s", out)
		}
	})
	t.Run("deb/bad-parallel", func(t *testing.T) {
		out := runScript(t, "build-deb.sh", t.TempDir(), "0; rm -rf /", 2)
		if !strings.Contains(out, "PARALLEL must be a positive number") {
			t.Errorf("unclear message:\n%s", out)
		}
	})
}

func need(t *testing.T, tool string) {
	t.Helper()
	if testing.Short() {
		t.Skip("real package build; skipped with -short")
	}
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s not installed", tool)
	}
}

// stage copies a test package to ROOT/src, as the build container has it.
func stage(t *testing.T, dir string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, "src"), os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	// CopyFS drops the mode bits that debian/rules needs.
	if rules := filepath.Join(root, "src", "debian", "rules"); fileExists(rules) {
		if err := os.Chmod(rules, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func runScript(t *testing.T, name, root, parallel string, wantCode int, env ...string) string {
	t.Helper()
	b, err := Script(name)
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(script, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", script)
	cmd.Env = append(append(os.Environ(), "DBUILDER_ROOT="+root, "PARALLEL="+parallel), env...)
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != wantCode {
		t.Fatalf("%s exited %d (%v), want %d:\n%s", name, code, err, wantCode, out)
	}
	return string(out)
}

func expectFiles(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, n := range names {
		if !fileExists(filepath.Join(root, "out", n)) {
			entries, _ := os.ReadDir(filepath.Join(root, "out"))
			t.Errorf("out/%s missing; out/ has %v", n, entries)
		}
	}
}

// expectBuiltDir checks ROOT/builtdir names the built tree, which the run
// package reads to run test.command there.
func expectBuiltDir(t *testing.T, root, base string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "builtdir"))
	dir := strings.TrimSpace(string(b))
	if err != nil || filepath.Base(dir) != base || !fileExists(filepath.Join(dir, "hello")) {
		t.Errorf("builtdir says %q (%v), want the built .../%s", dir, err, base)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
