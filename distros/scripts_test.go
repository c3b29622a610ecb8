package distros

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/internal/testreq"
)

func TestShellcheck(t *testing.T) {
	shellcheck := testreq.Tool(t, "shellcheck", "shellcheck")
	files, _ := filepath.Glob("scripts/*.sh")
	out, err := exec.Command(shellcheck, append([]string{"-x", "-s", "sh"}, files...)...).CombinedOutput()
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
		if strings.Contains(out, "ccache") || strings.Contains(out, "incremental") || fileExists(filepath.Join(root, "builtdir")) {
			t.Errorf("without CCACHE_DIR and DBUILDER_INCREMENTAL, the build must be the plain one:\n%s", out)
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
		if strings.Contains(out, "ccache") || strings.Contains(out, "incremental") {
			t.Errorf("without CCACHE_DIR and DBUILDER_INCREMENTAL, the build must be the plain one:\n%s", out)
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
	t.Run("deb/ccache", func(t *testing.T) {
		need(t, "dpkg-buildpackage", "dh", "ccache")
		cache := t.TempDir()
		// Two trees in different directories share one cache: the second
		// clean build takes both objects from it.
		first := runScript(t, "build-deb.sh", stage(t, "testdata/c"), "2", 0, "CCACHE_DIR="+cache)
		root := stage(t, "testdata/c")
		second := runScript(t, "build-deb.sh", root, "2", 0, "CCACHE_DIR="+cache)
		expectFiles(t, root, "dbtestc_1.0-1_"+debArch(t)+".deb")
		expectCcache(t, first, cache, "ccache: 0 hits, 2 misses in this build")
		expectCcache(t, second, cache, "ccache: 2 hits, 0 misses in this build")
	})
	t.Run("rpm-on-debian/ccache", func(t *testing.T) {
		need(t, "rpmbuild", "ccache")
		cache := t.TempDir()
		// The same tree twice (%prep unpacks it anew): without a
		// -fdebug-prefix-map in the flags, ccache hashes the directory of
		// a -g compile, so only the same path hits.
		root := stage(t, "testdata/c")
		first := runScript(t, "build-rpm.sh", root, "2", 0, "RPMBUILD_NODEPS=1", "CCACHE_DIR="+cache)
		clearOut(t, root)
		second := runScript(t, "build-rpm.sh", root, "2", 0, "RPMBUILD_NODEPS=1", "CCACHE_DIR="+cache)
		expectFiles(t, root, "dbtestc-1.0-1.src.rpm")
		expectCcache(t, first, cache, "ccache: 0 hits, 2 misses in this build")
		expectCcache(t, second, cache, "ccache: 2 hits, 0 misses in this build")
	})
	t.Run("deb/incremental", func(t *testing.T) {
		need(t, "dpkg-buildpackage", "dh")
		root := stage(t, "testdata/c")
		tree := filepath.Join(root, "work", "src")
		deb := "dbtestc_1.0-1_" + debArch(t) + ".deb"
		incremental(t, "build-deb.sh", root, tree, "dbtestc-configure: running", deb)
	})
	t.Run("rpm-on-debian/incremental", func(t *testing.T) {
		need(t, "rpmbuild")
		root := stage(t, "testdata/c")
		tree := filepath.Join(root, "work", "rpmbuild", "BUILD", "dbtestc-1.0")
		out := incremental(t, "build-rpm.sh", root, tree, "dbtestc-configure: running", "dbtestc-1.0-1.*.rpm", "RPMBUILD_NODEPS=1")
		if !strings.Contains(out, "%configure: skipped") || !strings.Contains(out, "incremental: no source rpm") {
			t.Errorf("want %%configure skipped and no source rpm:\n%s", out)
		}
		if m, _ := filepath.Glob(filepath.Join(root, "out", "*.src.rpm")); len(m) > 0 {
			t.Errorf("incremental build made a source rpm: %v", m)
		}
	})
	t.Run("deb/quilt-incremental", func(t *testing.T) {
		need(t, "dpkg-buildpackage")
		root := stage(t, "testdata/deb-quilt")
		tree := filepath.Join(root, "work", "src")
		runScript(t, "build-deb.sh", root, "1", 0, "DBUILDER_INCREMENTAL=1")
		// A second build unapplies the patch, syncs, applies it again and
		// keeps the patched file's mtime, so make does not redo it.
		makefile := filepath.Join(tree, "Makefile")
		before := mtime(t, makefile)
		clearOut(t, root)
		out := runScript(t, "build-deb.sh", root, "1", 0, "DBUILDER_INCREMENTAL=1")
		expectFiles(t, root, "dbtest_1.0-1_all.deb")
		if !strings.Contains(out, "incremental: reusing the built tree in "+tree) || !strings.Contains(out, "applying greet.patch") {
			t.Errorf("want the kept tree reused and the patch applied again:\n%s", out)
		}
		if b, _ := os.ReadFile(makefile); !bytes.Contains(b, []byte("from a patch\\n")) {
			t.Errorf("the kept tree lost its patch:\n%s", b)
		}
		if after := mtime(t, makefile); !after.Equal(before) {
			t.Errorf("the patched Makefile's mtime moved from %v to %v", before, after)
		}
	})
	t.Run("rpm-on-debian/incremental-noarch", func(t *testing.T) {
		need(t, "rpmbuild")
		root := stage(t, "testdata/rpm")
		runScript(t, "build-rpm.sh", root, "1", 0, "RPMBUILD_NODEPS=1", "DBUILDER_INCREMENTAL=1")
		clearOut(t, root)
		out := runScript(t, "build-rpm.sh", root, "1", 0, "RPMBUILD_NODEPS=1", "DBUILDER_INCREMENTAL=1")
		expectFiles(t, root, "dbtest-1.0-1.noarch.rpm")
		if !strings.Contains(out, "incremental: reusing the built tree") || !strings.Contains(out, "'hello' is up to date") {
			t.Errorf("want the kept tree reused with nothing to make:\n%s", out)
		}
		expectBuiltDir(t, root, "dbtest-1.0")
	})
	t.Run("deb/source-quilt", func(t *testing.T) {
		need(t, "dpkg-buildpackage") // dpkg-source is in the same package
		// The same tree gives the same bytes, whatever its files' times: a
		// release of one version is published once.
		var sums []string
		for i := range 2 {
			root := stage(t, "testdata/deb-quilt")
			if i == 1 { // older than the changelog: dpkg-source alone would keep it
				old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
				os.Chtimes(filepath.Join(root, "src", "debian", "control"), old, old)
			}
			out := runScript(t, "source-deb.sh", root, "1", 0, "DBUILDER_SRC="+filepath.Join(root, "src"),
				"DBUILDER_OUT="+filepath.Join(root, "out"), "DBUILDER_WORK="+filepath.Join(root, "work"))
			expectFiles(t, root, "dbtest_1.0-1.dsc", "dbtest_1.0.orig.tar.xz", "dbtest_1.0-1.debian.tar.xz")
			if !strings.Contains(out, "making dbtest_1.0.orig.tar.xz from the tree without debian/") || !strings.Contains(out, "applying greet.patch") {
				t.Errorf("output:\n%s", out)
			}
			var all []byte
			for _, n := range []string{"dbtest_1.0-1.dsc", "dbtest_1.0.orig.tar.xz", "dbtest_1.0-1.debian.tar.xz"} {
				b, _ := os.ReadFile(filepath.Join(root, "out", n))
				all = append(all, b...)
			}
			sums = append(sums, fmt.Sprintf("%x", sha256.Sum256(all)))
			// The orig tarball holds the tree without debian/, patches unapplied.
			list, err := exec.Command("tar", "-tJf", filepath.Join(root, "out", "dbtest_1.0.orig.tar.xz")).Output()
			if err != nil || !strings.Contains(string(list), "dbtest-1.0/Makefile") || strings.Contains(string(list), "debian/") {
				t.Errorf("orig tarball: %v\n%s", err, list)
			}
		}
		if sums[0] != sums[1] {
			t.Errorf("two source builds of one tree differ: %v", sums)
		}
	})
	t.Run("deb/bad-parallel", func(t *testing.T) {
		out := runScript(t, "build-deb.sh", t.TempDir(), "0; rm -rf /", 2)
		if !strings.Contains(out, "PARALLEL must be a positive number") {
			t.Errorf("unclear message:\n%s", out)
		}
	})
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	testreq.NotShort(t, "a real package build")
	pkgs := map[string]string{"dpkg-buildpackage": "dpkg-dev", "dh": "debhelper", "rpmbuild": "rpm", "ccache": "ccache"}
	for _, tool := range tools {
		testreq.Tool(t, tool, pkgs[tool])
	}
}

// compiled matches the lines make prints for compiling one object, in both
// testdata/c builds ("cc <flags> -c -o greet.o greet.c").
var compiled = regexp.MustCompile(`(?m)^\S*cc\b.* -c -o (\S+)\.o \S+\.c$`)

// objects returns the objects a build's output shows compiled, sorted.
func objects(out string) []string {
	var objs []string
	for _, m := range compiled.FindAllStringSubmatch(out, -1) {
		objs = append(objs, m[1])
	}
	slices.Sort(objs)
	return objs
}

// incremental builds testdata/c in ROOT with DBUILDER_INCREMENTAL=1 three
// times: from scratch; after a one-line change in greet.c, when only greet.o
// may be compiled and configure must not run; unchanged, when nothing is
// compiled. Each build must leave the package (pkg, a glob) in ROOT/out and
// name tree, the kept built tree, in ROOT/builtdir. It returns the second
// build's output.
func incremental(t *testing.T, script, root, tree, configured, pkg string, env ...string) string {
	t.Helper()
	env = append(env, "DBUILDER_INCREMENTAL=1")
	build := func() string {
		t.Helper()
		clearOut(t, root)
		out := runScript(t, script, root, "2", 0, env...)
		if m, _ := filepath.Glob(filepath.Join(root, "out", pkg)); len(m) == 0 {
			entries, _ := os.ReadDir(filepath.Join(root, "out"))
			t.Errorf("no %s in out/: %v\n%s", pkg, entries, out)
		}
		if b, err := os.ReadFile(filepath.Join(root, "builtdir")); err != nil || strings.TrimSpace(string(b)) != tree {
			t.Errorf("builtdir says %q (%v), want %s", b, err, tree)
		}
		return out
	}

	out := build()
	if !strings.Contains(out, "incremental: first build in ") || !strings.Contains(out, configured) {
		t.Fatalf("first build: want a first build that configures:\n%s", out)
	}
	if got := objects(out); !slices.Equal(got, []string{"greet", "main"}) {
		t.Fatalf("first build compiled %v, want greet and main:\n%s", got, out)
	}

	greet := filepath.Join(root, "src", "greet.c")
	b, err := os.ReadFile(greet)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("const char *greeting(void)\n"), []byte("const char *greeting(void) /* edited */\n"), 1)
	if err := os.WriteFile(greet, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out = build()
	if !strings.Contains(out, "incremental: reusing the built tree in "+tree) {
		t.Errorf("second build: the kept tree was not reused:\n%s", out)
	}
	if strings.Contains(out, configured) {
		t.Errorf("second build: configure ran again:\n%s", out)
	}
	if got := objects(out); !slices.Equal(got, []string{"greet"}) {
		t.Errorf("second build compiled %v, want greet only:\n%s", got, out)
	}
	if kept, err := os.ReadFile(filepath.Join(tree, "greet.c")); err != nil || !bytes.Contains(kept, []byte("/* edited */")) {
		t.Errorf("the edit did not reach the kept tree (%v)", err)
	}
	second := out

	out = build()
	if got := objects(out); len(got) != 0 || strings.Contains(out, configured) {
		t.Errorf("third build, nothing changed: compiled %v (want nothing), or configured:\n%s", got, out)
	}
	return second
}

func expectCcache(t *testing.T, out, dir, stats string) {
	t.Helper()
	if !strings.Contains(out, "ccache: on (CCACHE_DIR="+dir+")") || !strings.Contains(out, stats) {
		t.Errorf("want ccache on with %q:\n%s", stats, out)
	}
}

func debArch(t *testing.T) string {
	t.Helper()
	b, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func clearOut(t *testing.T, root string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(root, "out")); err != nil {
		t.Fatal(err)
	}
}

func mtime(t *testing.T, path string) time.Time {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}

// stage copies a test package to ROOT/src, as the build container has it.
func stage(t *testing.T, dir string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, "src"), os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	// CopyFS drops the mode bits that debian/rules and configure need.
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil || fi.Mode()&0o111 == 0 {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		return os.Chmod(filepath.Join(root, "src", rel), 0o755)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func runScript(t *testing.T, name, root, parallel string, wantCode int, env ...string) string {
	t.Helper()
	b, err := Script(name)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, name)
	if err := os.WriteFile(script, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// The build scripts source their libraries from their own directory,
	// where dbuilder copies them too.
	for _, lib := range append(BuildLibraries, VerifyLibraries...) {
		b, err := Script(lib)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, lib), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", script)
	// What the scripts read comes from the test alone, not from the caller.
	base := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "CCACHE_") || strings.HasPrefix(kv, "DBUILDER_") ||
			strings.HasPrefix(kv, "DEB_BUILD_OPTIONS=") || strings.HasPrefix(kv, "RPMBUILD_NODEPS=")
	})
	cmd.Env = append(append(base, "DBUILDER_ROOT="+root, "PARALLEL="+parallel), env...)
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
