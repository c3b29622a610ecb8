package release

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
)

// TestReleaseAcrossVersionsReal releases dbtest-upgrade 1.0 on
// debian:bookworm and the test-only rpm-on-debian distro with a key, then
// 1.1 of the deb target into the same directory, then 1.1 of the rpm
// target, then a changed 1.1 (other bytes, same version). Real clients use
// the repository between the steps.
func TestReleaseAcrossVersionsReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	private, _ := testKey(t)
	src, mfile := versionedSource(t, "upgrade", "1.0")
	out := t.TempDir()
	repo := filepath.Join(out, RepoDir)
	signed := func(opt *Options) { opt.Key = private }
	pick := func(jobs []plan.Job, name string) []plan.Job {
		return slices.DeleteFunc(jobs, func(j plan.Job) bool { return j.Name() != name })
	}

	// 1.0, both targets: nothing to upgrade from yet.
	o, _ := releaseJobs(t, eng, loadJobsAt(t, mfile), out, signed)
	if o.Failed() != 0 || o.Repos.Error != "" || len(o.Targets[0].UpgradedFrom)+len(o.Targets[1].UpgradedFrom) != 0 {
		t.Fatalf("release 1.0: %+v %+v", o.Targets, o.Repos)
	}
	wantFiles(t, repo, "apt/debian-bookworm/pool/main", "dbtest-upgrade_1.0_all.deb", "dbtest-upgrade_1.0.dsc", "dbtest-upgrade_1.0.tar.xz",
		"dbtest-upgrade_1.0_amd64.buildinfo", "dbtest-upgrade_1.0_amd64.changes")
	wantFiles(t, repo, "rpm/debian-rpm-bookworm", "dbtest-upgrade-1.0-1.noarch.rpm", "SRPMS/dbtest-upgrade-1.0-1.src.rpm", "SRPMS/repodata/repomd.xml.asc")
	sums1 := readFile(t, filepath.Join(repo, SumsFile))

	// 1.1 of the deb target only: it upgrades from 1.0; the rpm
	// repository is kept byte for byte.
	setVersion(t, src, "1.1")
	o, _ = releaseJobs(t, eng, pick(loadJobsAt(t, mfile), "debian-bookworm"), out, signed)
	if o.Failed() != 0 || o.Repos.Error != "" {
		t.Fatalf("release 1.1 (deb): %+v %+v", o.Targets, o.Repos)
	}
	t.Run("deb/upgrade-tested", func(t *testing.T) {
		if got := o.Targets[0].UpgradedFrom; !slices.Equal(got, []string{"dbtest-upgrade 1.0 -> 1.1"}) {
			t.Errorf("upgraded from %v", got)
		}
		logb := readFile(t, o.Targets[0].Log)
		for _, want := range []string{"step install-previous", "step upgrade", "upgraded from the previous release, smoke-tested and purged cleanly: dbtest-upgrade=1.0", "nothing left after upgrade and purge"} {
			if !strings.Contains(logb, want) {
				t.Errorf("release.log lacks %q", want)
			}
		}
	})
	t.Run("all/kept", func(t *testing.T) {
		wantFiles(t, repo, "apt/debian-bookworm/pool/main", "dbtest-upgrade_1.0_all.deb", "dbtest-upgrade_1.1_all.deb", "dbtest-upgrade_1.0.dsc", "dbtest-upgrade_1.1.dsc")
		sums2 := readFile(t, filepath.Join(repo, SumsFile))
		for _, l := range strings.Split(sums1, "\n") {
			// Every file of 1.0 is still there, unchanged, but the apt
			// indexes that 1.1 remade.
			if l != "" && !strings.Contains(l, "/dists/") && !strings.Contains(sums2, l) {
				t.Errorf("1.1 changed or dropped: %s", l)
			}
		}
		rpm := reposInfo(o, "rpm/debian-rpm-bookworm")
		if rpm == nil || !rpm.Unchanged || len(rpm.Packages) != 2 {
			t.Errorf("the rpm repository in the report: %+v", rpm)
		}
	})
	t.Run("deb/apt-install-1.0-then-upgrade-and-source", func(t *testing.T) {
		code, logs := client(t, eng, "debian:bookworm", aptVersionsClient, treeFiles(t, repo, "srv"))
		for _, want := range []string{"installed: dbtest-upgrade 1.0", "upgraded: dbtest-upgrade 1.1", "dsc 1.1: gpgv: Good signature", "dsc 1.0: gpgv: Good signature",
			"changes: gpgv: Good signature", "source unpacked: dbtest-upgrade 1.1", "tampered dsc: gpgv: BAD signature"} {
			if !strings.Contains(logs, want) {
				t.Errorf("apt client: no %q", want)
			}
		}
		if code != 0 || t.Failed() {
			t.Fatalf("apt client: exit code %d\n%s", code, logs)
		}
	})

	// 1.1 of the rpm target: it upgrades from 1.0 with rpm -U.
	o, _ = releaseJobs(t, eng, pick(loadJobsAt(t, mfile), "debian-rpm-bookworm"), out, signed)
	if o.Failed() != 0 || o.Repos.Error != "" {
		t.Fatalf("release 1.1 (rpm): %+v %+v", o.Targets, o.Repos)
	}
	t.Run("rpm/upgrade-tested", func(t *testing.T) {
		if got := o.Targets[0].UpgradedFrom; !slices.Equal(got, []string{"dbtest-upgrade 1.0-1 -> 1.1-1"}) {
			t.Errorf("upgraded from %v", got)
		}
		wantFiles(t, repo, "rpm/debian-rpm-bookworm", "dbtest-upgrade-1.0-1.noarch.rpm", "dbtest-upgrade-1.1-1.noarch.rpm",
			"SRPMS/dbtest-upgrade-1.0-1.src.rpm", "SRPMS/dbtest-upgrade-1.1-1.src.rpm")
		if apt := reposInfo(o, "apt/debian-bookworm"); apt == nil || !apt.Unchanged {
			t.Errorf("the apt repository in the report: %+v", apt)
		}
	})
	t.Run("rpm/dnf-versions-and-source", func(t *testing.T) {
		code, logs := client(t, eng, "debian:bookworm", rpmVersionsClient, treeFiles(t, repo, "srv"))
		for _, want := range []string{"dnf: both versions listed", "dnf download --source: dbtest-upgrade-1.1-1.src.rpm", "rpm -K: source rpm signed"} {
			if !strings.Contains(logs, want) {
				t.Errorf("rpm client: no %q", want)
			}
		}
		if code != 0 || t.Failed() {
			t.Fatalf("rpm client: exit code %d\n%s", code, logs)
		}
	})

	// 1.1 again with other bytes: refused, naming the file; the published
	// repository stays as it was.
	t.Run("deb/same-version-other-bytes-refused", func(t *testing.T) {
		before := treeDigest(t, repo)
		// The command it installs prints something else: other bytes.
		changed := strings.Replace(readFile(t, filepath.Join(src, "install.sh")), `echo "dbtest-upgrade %s"`, `echo "dbtest-upgrade %s (changed)"`, 1)
		if err := os.WriteFile(filepath.Join(src, "install.sh"), []byte(changed), 0o644); err != nil {
			t.Fatal(err)
		}
		o, console := releaseJobs(t, eng, pick(loadJobsAt(t, mfile), "debian-bookworm"), out, signed)
		r := o.Targets[0]
		if r.OK || r.FailedStep != StepPublished || !strings.Contains(r.Error, "dbtest-upgrade_1.1_all.deb is already published") || r.Verified {
			t.Errorf("not refused: %+v", r)
		}
		if o.Repos == nil || o.Repos.Error == "" || !strings.Contains(console, "is left as it was") {
			t.Errorf("repositories: %+v", o.Repos)
		}
		if after := treeDigest(t, repo); after != before {
			t.Errorf("the repository changed:\n%s\n---\n%s", before, after)
		}
	})

	// The published 1.1 again (the same bytes), signed with another key:
	// the repository step refuses the key, and nothing changes.
	t.Run("all/other-key-refused", func(t *testing.T) {
		before := treeDigest(t, repo)
		restored := strings.Replace(readFile(t, filepath.Join(src, "install.sh")), " (changed)", "", 1)
		if err := os.WriteFile(filepath.Join(src, "install.sh"), []byte(restored), 0o644); err != nil {
			t.Fatal(err)
		}
		other, _ := testKey(t)
		o, console := releaseJobs(t, eng, pick(loadJobsAt(t, mfile), "debian-bookworm"), out, func(opt *Options) { opt.Key = other })
		if !o.Targets[0].OK || o.Repos.Error == "" || !strings.Contains(console, "not with the key given") || !strings.Contains(console, "a release adds to them only with the same key") {
			t.Errorf("another key was not refused: %+v %+v", o.Targets[0], o.Repos)
		}
		if after := treeDigest(t, repo); after != before {
			t.Errorf("the repository changed:\n%s\n---\n%s", before, after)
		}
	})
}

// aptVersionsClient: 1.0 from the repository (signed-by), then the
// upgrade to 1.1 by name; then the source package with apt-get source
// (deb-src, signed-by) and its signature checked with gpgv against the
// published key, for both versions; the .changes too; a changed .dsc is
// refused.
const aptVersionsClient = `set -e
export DEBIAN_FRONTEND=noninteractive
cd /release
r=file:/release/srv/apt/debian-bookworm
echo "deb [signed-by=/release/srv/KEY.asc] $r bookworm main" >/etc/apt/sources.list.d/dbtest.list
echo "deb-src [signed-by=/release/srv/KEY.asc] $r bookworm main" >>/etc/apt/sources.list.d/dbtest.list
apt-get update -q
apt-get install -y -q dbtest-upgrade=1.0
echo "installed: $(dbtest-upgrade)"
apt-get install -y -q dbtest-upgrade
echo "upgraded: $(dbtest-upgrade)"
apt-get install -y -q --no-install-recommends gpg dpkg-dev >/dev/null
gpg --dearmor <srv/KEY.asc >key.gpg
mkdir get && cd get
apt-get source dbtest-upgrade
apt-get source --download-only dbtest-upgrade=1.0
for v in 1.1 1.0; do
	gpgv --keyring ../key.gpg dbtest-upgrade_$v.dsc 2>&1 | sed "s/^/dsc $v: /"
done
echo "source unpacked: $(sh dbtest-upgrade-1.1/install.sh /tmp/x 1.1 && /tmp/x/usr/bin/dbtest-upgrade)"
gpgv --keyring ../key.gpg ../srv/apt/debian-bookworm/pool/main/dbtest-upgrade_1.1_amd64.changes 2>&1 | sed "s/^/changes: /"
sed 's/^Version: 1.1$/Version: 1.2/' dbtest-upgrade_1.1.dsc >tampered.dsc
if gpgv --keyring ../key.gpg tampered.dsc 2>&1 | sed "s/^/tampered dsc: /"; then :; fi
`

// rpmVersionsClient: Debian's dnf sees both versions in the repository
// (gpgcheck and repo_gpgcheck on) and dnf download --source gets the
// newest source rpm from SRPMS/, signed with the published key.
const rpmVersionsClient = `set -e
export DEBIAN_FRONTEND=noninteractive
cd /release
apt-get update -q
apt-get install -y -q --no-install-recommends dnf dnf-plugins-core rpm gnupg >/dev/null
mkdir -p /etc/yum.repos.d
cat >/etc/yum.repos.d/dbtest.repo <<EOF
[dbtest]
name=dbtest
baseurl=file:///release/srv/rpm/debian-rpm-bookworm
gpgcheck=1
repo_gpgcheck=1
gpgkey=file:///release/srv/KEY.asc
[dbtest-source]
name=dbtest sources
baseurl=file:///release/srv/rpm/debian-rpm-bookworm/SRPMS
enabled=0
gpgcheck=1
repo_gpgcheck=1
gpgkey=file:///release/srv/KEY.asc
EOF
dnf -y --disablerepo='*' --enablerepo=dbtest --showduplicates list available dbtest-upgrade | tee list.txt
grep -q '1\.0-1' list.txt && grep -q '1\.1-1' list.txt && echo "dnf: both versions listed"
mkdir dl && cd dl
dnf -y --disablerepo='*' --enablerepo=dbtest download --source dbtest-upgrade
echo "dnf download --source: $(ls)"
rpm --import ../srv/KEY.asc
rpm -K ./*.src.rpm | grep -q 'digests signatures OK' && echo "rpm -K: source rpm signed"
`

// versionedSource copies testdata/release/NAME to a temporary directory at
// version v and writes a matrix for it (lint off: these tests are about
// the repository); it returns the source and the matrix file.
func versionedSource(t *testing.T, name, v string) (src, mfile string) {
	t.Helper()
	dir := t.TempDir()
	src = filepath.Join(dir, "src")
	from := filepath.Join("..", "..", "testdata", "release", name)
	err := filepath.WalkDir(from, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(src, rel), 0o755)
		}
		st, err := e.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(src, rel), readBytes(t, p), st.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	setVersion(t, src, v)
	distros := "[debian:bookworm]"
	if _, err := os.Stat(filepath.Join(src, "dbtest-upgrade.spec")); err == nil {
		distros = "[debian:bookworm, debian-rpm:bookworm]"
	}
	mfile = filepath.Join(dir, "matrix.yaml")
	m := fmt.Sprintf("name: dbtest-release-%s\nversion: \"1\"\nsource: src\nmatrix:\n  distro: %s\nrelease:\n  lint: off\n", name, distros)
	if name == "upgrade" {
		m += "  smoke: dbtest-upgrade\n"
	}
	if err := os.WriteFile(mfile, []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	return src, mfile
}

var (
	changelogVersion = regexp.MustCompile(`^(\S+) \([^)]*\)`)
	specVersion      = regexp.MustCompile(`(?m)^Version:(\s+)\S+$`)
)

// setVersion sets the version of the tree: debian/changelog's first entry
// and the spec's Version.
func setVersion(t *testing.T, src, v string) {
	t.Helper()
	cl := filepath.Join(src, "debian", "changelog")
	if err := os.WriteFile(cl, changelogVersion.ReplaceAll(readBytes(t, cl), []byte("$1 ("+v+")")), 0o644); err != nil {
		t.Fatal(err)
	}
	specs, _ := filepath.Glob(filepath.Join(src, "*.spec"))
	for _, s := range specs {
		if err := os.WriteFile(s, specVersion.ReplaceAll(readBytes(t, s), []byte("Version:${1}"+v)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// wantFiles fails unless every name is a file under repo/sub.
func wantFiles(t *testing.T, repo, sub string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(repo, sub, n)); err != nil {
			t.Errorf("%s/%s is missing", sub, n)
		}
	}
}

// reposInfo finds the repository at repo/p in the outcome.
func reposInfo(o *Outcome, p string) *report.RepositoryInfo {
	for i, r := range o.Repos.Repos {
		if r.Path == filepath.Join(RepoDir, p) {
			return &o.Repos.Repos[i]
		}
	}
	return nil
}

// treeDigest lists every file under dir with its content's hash, for
// comparing a tree before and after.
func treeDigest(t *testing.T, dir string) string {
	t.Helper()
	var b bytes.Buffer
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h, err := fileHash(p)
		fmt.Fprintf(&b, "%x %s\n", h, rel)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func readBytes(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFile(t *testing.T, p string) string { return string(readBytes(t, p)) }
