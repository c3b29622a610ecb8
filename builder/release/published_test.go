package release

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/distros"
)

// writeRepo writes files (slash path -> content) as a published
// repository directory with its SHA256SUMS.
func writeRepo(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	var sums []string
	for p, data := range files {
		f := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte(data))
		sums = append(sums, hex.EncodeToString(h[:])+"  "+p)
	}
	sort.Strings(sums)
	if err := os.WriteFile(filepath.Join(dir, SumsFile), []byte(strings.Join(sums, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

const packagesIndex = `Package: hellodb
Version: 1.9
Architecture: amd64
Filename: pool/main/hellodb_1.9_amd64.deb
Description: x
 continued: not a field

Package: hellodb
Version: 1.10
Architecture: amd64
Filename: pool/main/hellodb_1.10_amd64.deb

Package: hellodb
Version: 1.10
Architecture: arm64
Filename: pool/main/hellodb_1.10_arm64.deb

Package: hellodb
Version: 2.0
Architecture: amd64
Filename: pool/main/hellodb_2.0_amd64.deb

Package: other
Version: 9.0
Architecture: amd64
Filename: pool/main/other_9.0_amd64.deb
`

// A published directory is read by its formats' layouts: the pool's files
// (not the indexes), the suite, the distro the registry knows by that
// name; an rpm repository's SRPMS/ too.
func TestReadPublished(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	writeRepo(t, dir, map[string]string{
		"KEY.asc": "key",
		"apt/debian-bookworm/pool/main/hellodb_1.0_amd64.deb":           "deb",
		"apt/debian-bookworm/pool/main/hellodb_1.0.dsc":                 "dsc",
		"apt/debian-bookworm/dists/bookworm/main/binary-amd64/Packages": packagesIndex,
		"rpm/debian-rpm-bookworm/hellodb-1.0-1.x86_64.rpm":              "rpm",
		"rpm/debian-rpm-bookworm/SRPMS/hellodb-1.0-1.src.rpm":           "srpm",
		"rpm/debian-rpm-bookworm/repodata/repomd.xml":                   "xml",
		"rpm/debian-rpm-bookworm/SRPMS/repodata/repomd.xml":             "xml",
	})
	p, err := readPublished(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Signed || len(p.Repos) != 2 {
		t.Fatalf("%+v", p)
	}
	deb, _ := distros.LookupFormat("deb")
	rpm, _ := distros.LookupFormat("rpm")
	a, r := p.find(deb.Repo(), "debian-bookworm"), p.find(rpm.Repo(), "debian-rpm-bookworm")
	if a == nil || a.Distro != "debian:bookworm" || a.Suite != "bookworm" || !slices.Equal(sortedKeys(a.Files), []string{"hellodb_1.0.dsc", "hellodb_1.0_amd64.deb"}) {
		t.Errorf("apt: %+v", a)
	}
	if r == nil || r.Distro != "debian-rpm:bookworm" || !slices.Equal(sortedKeys(r.Files), []string{"hellodb-1.0-1.src.rpm", "hellodb-1.0-1.x86_64.rpm"}) {
		t.Errorf("rpm: %+v", r)
	}
	if p.find(deb.Repo(), "debian-trixie") != nil {
		t.Error("found a repository that is not there")
	}

	// Nothing there: nil, no error. Changed since published: refused.
	if p, err := readPublished(filepath.Join(t.TempDir(), "none")); p != nil || err != nil {
		t.Errorf("missing directory: %v %v", p, err)
	}
	os.WriteFile(filepath.Join(dir, "apt/debian-bookworm/pool/main/hellodb_1.0_amd64.deb"), []byte("DEB"), 0o644)
	var re RepoError
	if _, err := readPublished(dir); !errors.As(err, &re) || !strings.Contains(err.Error(), "does not match its checksums") {
		t.Errorf("changed repository: %v", err)
	}
}

// merge: files published earlier are kept; the same name with the same
// content is dropped from the new files (the published one stays), with
// other content refused, naming the file; .changes and .buildinfo of a
// published version are kept as published.
func TestMergePublished(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	pool := "apt/debian-bookworm/pool/main/"
	writeRepo(t, dir, map[string]string{
		pool + "p_1.0_all.deb": "one", pool + "p_1.1_all.deb": "two", pool + "p_1.1_amd64.buildinfo": "built then",
		"apt/debian-bookworm/dists/bookworm/Release": "r",
	})
	p, err := readPublished(dir)
	if err != nil {
		t.Fatal(err)
	}
	deb, _ := distros.LookupFormat("deb")
	rp := p.find(deb.Repo(), "debian-bookworm")
	nd := t.TempDir()
	write := func(name, data string) string {
		f := filepath.Join(nd, name)
		os.WriteFile(f, []byte(data), 0o644)
		return f
	}
	files := map[string]string{"p_1.1_all.deb": write("p_1.1_all.deb", "two"), "p_1.1_amd64.buildinfo": write("p_1.1_amd64.buildinfo", "built now"), "p_1.2_all.deb": write("p_1.2_all.deb", "three")}
	kept, notes, err := rp.merge(files)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sortedKeys(kept), []string{"p_1.0_all.deb", "p_1.1_all.deb", "p_1.1_amd64.buildinfo"}) || !slices.Equal(sortedKeys(files), []string{"p_1.2_all.deb"}) || len(notes) != 2 {
		t.Errorf("kept %v, new %v, notes %v", sortedKeys(kept), sortedKeys(files), notes)
	}
	files = map[string]string{"p_1.1_all.deb": write("p_1.1_all.deb", "TWO")}
	_, _, err = rp.merge(files)
	if err == nil || !strings.Contains(err.Error(), "refused: p_1.1_all.deb is already published in "+filepath.Join(dir, "apt/debian-bookworm")) {
		t.Errorf("other content: %v", err)
	}
	// A repository not published yet keeps nothing and refuses nothing.
	var none *pubRepo
	if kept, _, err := none.merge(files); err != nil || len(kept) != 0 {
		t.Errorf("no repository: %v %v", kept, err)
	}
}

// The published directory keeps its signing state; --previous must be a
// repository.
func TestPreflight(t *testing.T) {
	out := t.TempDir()
	if pub, prev, err := preflight(out, "", true); pub != nil || prev != nil || err != nil {
		t.Errorf("empty output directory: %v %v %v", pub, prev, err)
	}
	writeRepo(t, filepath.Join(out, RepoDir), map[string]string{"KEY.asc": "k"})
	if _, _, err := preflight(out, "", false); err == nil || !strings.Contains(err.Error(), "must be signed with the same key") {
		t.Errorf("unsigned into signed: %v", err)
	}
	if pub, prev, err := preflight(out, "", true); err != nil || pub == nil || prev != pub {
		t.Errorf("signed into signed: %v %v %v", pub, prev, err)
	}
	other := t.TempDir()
	writeRepo(t, filepath.Join(other, RepoDir), map[string]string{"x": "y"})
	if _, _, err := preflight(other, "", true); err == nil || !strings.Contains(err.Error(), "was published unsigned") {
		t.Errorf("signed into unsigned: %v", err)
	}
	if _, prev, err := preflight(out, other, true); err != nil || prev == nil || prev.Dir != filepath.Join(other, RepoDir) || prev.Signed {
		t.Errorf("--previous OUTDIR: %+v %v", prev, err)
	}
	if _, prev, err := preflight(out, filepath.Join(other, RepoDir), true); err != nil || prev == nil || prev.Dir != filepath.Join(other, RepoDir) {
		t.Errorf("--previous REPODIR: %+v %v", prev, err)
	}
	var re RepoError
	if _, _, err := preflight(out, t.TempDir(), true); !errors.As(err, &re) || !strings.Contains(err.Error(), "no repository there") {
		t.Errorf("--previous without a repository: %v", err)
	}
}

// The upgrade starts from the newest earlier version of each package of
// the same architecture, by Debian's version order (1.10 after 1.9), never
// from the new package's own file; the repository's indexes go along, of
// its pool only what is installed.
func TestPlanUpgradeDeb(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	pool := "apt/debian-bookworm/pool/main/"
	writeRepo(t, dir, map[string]string{
		"KEY.asc":                      "k",
		pool + "hellodb_1.9_amd64.deb": "a", pool + "hellodb_1.10_amd64.deb": "b", pool + "hellodb_1.10_arm64.deb": "c",
		pool + "hellodb_2.0_amd64.deb": "d", pool + "other_9.0_amd64.deb": "e",
		"apt/debian-bookworm/dists/bookworm/main/binary-amd64/Packages": packagesIndex,
		"apt/debian-bookworm/dists/bookworm/InRelease":                  "signed",
	})
	prev, err := readPublished(dir)
	if err != nil {
		t.Fatal(err)
	}
	deb, _ := distros.LookupFormat("deb")
	j := plan.Job{Target: matrix.Target{Name: "debian-bookworm", Distro: "debian:bookworm"}, Format: deb}
	up, err := planUpgrade(prev, j, t.TempDir(), []string{"hellodb_2.0_amd64.deb"})
	if err != nil {
		t.Fatal(err)
	}
	if up == nil || len(up.Pkgs) != 1 || up.Pkgs[0] != (prevPkg{Name: "hellodb", Version: "1.10", File: "pool/main/hellodb_1.10_amd64.deb"}) || up.Suite != "bookworm" {
		t.Fatalf("%+v", up)
	}
	want := []string{KeyFile, "repo/dists/bookworm/InRelease", "repo/dists/bookworm/main/binary-amd64/Packages", "repo/pool/main/hellodb_1.10_amd64.deb"}
	if got := sortedKeys(up.Files); !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if string(up.pkgsList()) != "hellodb 1.10 pool/main/hellodb_1.10_amd64.deb\n" {
		t.Errorf("pkgs.txt %q", up.pkgsList())
	}
	// Another distro, or a package the repository never had: no upgrade.
	j.Target.Distro = "debian:trixie"
	if up, err := planUpgrade(prev, j, t.TempDir(), []string{"hellodb_2.0_amd64.deb"}); up != nil || err != nil {
		t.Errorf("other distro: %+v %v", up, err)
	}
	j.Target.Distro = "debian:bookworm"
	if up, err := planUpgrade(prev, j, t.TempDir(), []string{"newpkg_1.0_amd64.deb"}); up != nil || err != nil {
		t.Errorf("new package: %+v %v", up, err)
	}
	if up, err := planUpgrade(nil, j, t.TempDir(), []string{"hellodb_2.0_amd64.deb"}); up != nil || err != nil {
		t.Errorf("no previous repository: %+v %v", up, err)
	}
}

// The verify script's failure lines name the step and the maintainer
// script, in dpkg's words and in rpm's.
func TestFailureLines(t *testing.T) {
	for _, c := range []struct{ out, step, script, desc string }{
		{"Preparing to unpack .../dbtest_1.1_all.deb ...\ndbtest: refusing\ndpkg: error processing archive /release/pkgs/dbtest_1.1_all.deb (--unpack):\n new dbtest package pre-installation script subprocess returned error exit status 1\nverify-apt.sh: FAILED in step upgrade (exit code 100)\n",
			"upgrade", "preinst", "maintainer script preinst of the new dbtest package failed (exit status 1)"},
		{"dpkg: error processing package dbtest (--purge):\n installed dbtest package post-removal script subprocess returned error exit status 3\nverify-apt.sh: FAILED in step purge (exit code 100)\n",
			"purge", "postrm", "maintainer script postrm of the installed dbtest package failed (exit status 3)"},
		{"error: %prein(dbtest-1.1-1.noarch) scriptlet failed, exit status 1\nverify-rpm-on-debian.sh: FAILED in step upgrade (exit code 1)\n",
			"upgrade", "%prein", "scriptlet %prein of dbtest-1.1-1.noarch failed (exit status 1)"},
		{"hellodb: not found\nverify-apt.sh: FAILED in step smoke (exit code 127)", "smoke", "", ""}, // no newline at the end: not a whole line
		{"hellodb: not found\nverify-apt.sh: FAILED in step smoke (exit code 127)\n", "smoke", "", ""},
	} {
		var f failureLines
		for _, part := range strings.SplitAfter(c.out, "\n") { // as the log arrives, in pieces
			fmt.Fprint(&f, part)
		}
		step, script, desc := f.failure()
		want := c.step
		if !strings.HasSuffix(c.out, "\n") {
			want = ""
		}
		if step != want || script != c.script || desc != c.desc {
			t.Errorf("%q: step %q script %q desc %q", c.out, step, script, desc)
		}
	}
}

func TestAllowLeftovers(t *testing.T) {
	bad, ok := allowLeftovers([]string{"/var/lib/x", "/var/lib/x/state", "/etc/x.conf", "/usr/share/y"}, []string{"/var/lib/x", "/etc/*.conf"})
	if !slices.Equal(bad, []string{"/usr/share/y"}) || !slices.Equal(ok, []string{"/var/lib/x", "/var/lib/x/state", "/etc/x.conf"}) {
		t.Errorf("bad %v ok %v", bad, ok)
	}
}

func TestClearText(t *testing.T) {
	plain := "Format: 3.0 (native)\nSource: p\n-dash line\n"
	signed := "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nFormat: 3.0 (native)\nSource: p   \n- -dash line\n-----BEGIN PGP SIGNATURE-----\n\niQ\n-----END PGP SIGNATURE-----\n"
	if clearText([]byte(plain)) != clearText([]byte(signed)) {
		t.Errorf("%q != %q", clearText([]byte(plain)), clearText([]byte(signed)))
	}
	if clearText([]byte(plain)) == clearText([]byte(strings.Replace(signed, "Source: p", "Source: q", 1))) {
		t.Error("a changed body compares equal")
	}
}
