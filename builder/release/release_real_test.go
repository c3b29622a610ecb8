package release

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/version"
)

// TestReleaseReal releases the example on debian:bookworm and on the
// test-only rpm-on-debian distro with a fresh signing key, has real
// clients use the repositories, looks for the key everywhere dbuilder put
// something, then checks that the example is reproducible.
func TestReleaseReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	private, public := testKey(t)
	jobs := loadJobs(t, "hellodb.yaml")
	out := t.TempDir()
	started := time.Now()
	o, console := releaseJobs(t, eng, jobs, out, func(opt *Options) { opt.Key = private })
	deb, rpm := o.Targets[0], o.Targets[1]
	if !deb.OK || !rpm.OK || o.Repos == nil || o.Repos.Error != "" || !o.Repos.Signed {
		t.Fatalf("release: targets %+v %+v, repositories %+v", deb, rpm, o.Repos)
	}
	repo := filepath.Join(out, RepoDir)

	t.Run("debian/bookworm/verify-lint", func(t *testing.T) {
		logb, _ := os.ReadFile(deb.Log)
		for _, want := range []string{"hellodb 1.0.0 (MariaDB", "purged cleanly"} {
			if !strings.Contains(string(logb), want) {
				t.Errorf("release.log lacks %q", want)
			}
		}
		if !deb.Verified || deb.LintMode != "warn" || len(deb.Checksums) != 2 || deb.Repository != "repo/apt/debian-bookworm" || deb.Reproducible != nil {
			t.Errorf("report: %+v", deb)
		}
	})

	t.Run("debian/bookworm/apt-signed-by", func(t *testing.T) {
		// A clean machine gets the repository and the public key only.
		files := treeFiles(t, repo, "srv")
		files["dbtest.asc"] = filepath.Join(repo, KeyFile)
		code, logs := client(t, eng, "debian:bookworm", aptClient, files)
		if code != 0 || !strings.Contains(logs, "installed: hellodb 1.0.0") || !strings.Contains(logs, "tampered: refused") {
			t.Fatalf("apt client: exit code %d\n%s", code, logs)
		}
	})

	t.Run("rpm-on-debian/bookworm/dnf-and-rpm-K", func(t *testing.T) {
		files := treeFiles(t, repo, "srv")
		code, logs := client(t, eng, "debian:bookworm", rpmClient, files)
		for _, want := range []string{"dnf: repomd signature and metadata accepted", "rpm -K: every package signed", "dnf: tampered repomd refused", "rpm -K: tampered package refused"} {
			if !strings.Contains(logs, want) {
				t.Errorf("rpm client: no %q", want)
			}
		}
		if code != 0 || t.Failed() {
			t.Fatalf("rpm client: exit code %d\n%s", code, logs)
		}
	})

	t.Run("all/key-not-findable", func(t *testing.T) {
		assertNoKey(t, eng, secretLines(private, public), out, console, started, jobs)
	})

	// The same output directory again, now checking reproducibility: the
	// example's build is reused from the result cache and built a second
	// time in the varied environment. The same version again, the same
	// bytes: the published files stay, nothing is refused.
	before := readFile(t, filepath.Join(repo, SumsFile))
	o, console = releaseJobs(t, eng, jobs[:1], out, func(opt *Options) { opt.Key = private; opt.CheckReproducible = true })
	t.Run("debian/bookworm/reproducible", func(t *testing.T) {
		d := o.Targets[0]
		if !d.OK || d.Reproducible == nil || !*d.Reproducible {
			t.Fatalf("the example is not reproducible on bookworm: %+v", d)
		}
		logb, _ := os.ReadFile(d.Log)
		if !strings.Contains(string(logb), "hellodb_1.0.0_amd64.deb is identical") {
			t.Errorf("release.log:\n%s", logb)
		}
		if !strings.Contains(console, "under "+Variation.Root+", umask "+Variation.Umask) {
			t.Errorf("the second build's variation is not in the output:\n%s", console)
		}
	})
	t.Run("debian/bookworm/same-version-same-bytes", func(t *testing.T) {
		// The .dsc is compared without the signature the first release put on it.
		if o.Repos == nil || o.Repos.Error != "" || !strings.Contains(console, "hellodb_1.0.0_amd64.deb: already published, identical") ||
			!strings.Contains(console, "hellodb_1.0.0.dsc: already published, identical") {
			t.Fatalf("released again: %+v", o.Repos)
		}
		after := readFile(t, filepath.Join(repo, SumsFile))
		for _, l := range strings.Split(before, "\n") {
			if strings.Contains(l, "/pool/") || strings.Contains(l, "rpm/") && !strings.Contains(l, "repodata") {
				if !strings.Contains(after, l) {
					t.Errorf("a published file changed: %s", l)
				}
			}
		}
	})
	t.Run("debian/bookworm/unsigned-into-signed-refused", func(t *testing.T) {
		err := Preflight(out, "", false)
		var re RepoError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "must be signed with the same key") {
			t.Errorf("an unsigned release into a signed directory: %v", err)
		}
	})
}

// aptClient adds the repository with signed-by, installs the example from
// it, then changes one byte of Packages (and Packages.gz made from it, so
// that apt cannot pick an untouched index) and expects apt-get update to
// refuse the repository.
const aptClient = `set -e
cd /release
cp dbtest.asc /usr/share/keyrings/dbtest.asc
echo "deb [signed-by=/usr/share/keyrings/dbtest.asc] file:/release/srv/apt/debian-bookworm bookworm main" >/etc/apt/sources.list.d/dbtest.list
apt-get update -q
apt-get install -y -q hellodb
echo "installed: $(hellodb --version)"
apt-get purge -y -q hellodb

# Tamper: one byte of Packages, in a copy served from another path.
cp -a srv tampered
p=tampered/apt/debian-bookworm/dists/bookworm/main/binary-amd64/Packages
sed -i 's/^Package: hellodb$/Package: hellodc/' "$p"
cmp -l srv/apt/debian-bookworm/dists/bookworm/main/binary-amd64/Packages "$p" | wc -l | grep -qx 1
gzip -9nc "$p" >"$p.gz"
echo "deb [signed-by=/usr/share/keyrings/dbtest.asc] file:/release/tampered/apt/debian-bookworm bookworm main" >/etc/apt/sources.list.d/dbtest.list
rm -rf /var/lib/apt/lists/*release_*
code=0
apt-get update -q -o Dir::Etc::sourceparts=- -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/dbtest.list >out.txt 2>&1 || code=$?
cat out.txt
if [ "$code" -ne 0 ] && grep -q "Hash Sum mismatch\|File has unexpected size" out.txt && ! apt-cache show hellodc >/dev/null 2>&1; then
	echo "tampered: refused (apt-get update exit code $code)"
else
	echo "tampered: ACCEPTED"
	exit 1
fi
`

// rpmClient reads the rpm repository with Debian's dnf, gpgcheck and
// repo_gpgcheck on: dnf checks repomd.xml's signature and the metadata's
// checksums, and lists the package. Debian's rpm database is empty, so dnf
// cannot resolve hellodb's dependencies (libc, libmariadb) to install it;
// instead every package's signature is checked with rpm -K against the
// published key. Then one byte of repomd.xml and of a package is changed,
// and both must be refused.
const rpmClient = `set -e
cd /release
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends dnf rpm gnupg >/dev/null
mkdir -p /etc/yum.repos.d
repo() {
	cat >/etc/yum.repos.d/dbtest.repo <<EOF
[dbtest]
name=dbtest
baseurl=file:///release/$1/rpm/debian-rpm-bookworm
enabled=1
gpgcheck=1
repo_gpgcheck=1
skip_if_unavailable=False
gpgkey=file:///release/srv/KEY.asc
EOF
}
repo srv
dnf -y --disablerepo='*' --enablerepo=dbtest makecache
dnf -y --disablerepo='*' --enablerepo=dbtest list --available hellodb | grep -q '^hellodb\.x86_64 *1\.0\.0-1 *dbtest'
echo "dnf: repomd signature and metadata accepted"
rpm --import srv/KEY.asc
for f in srv/rpm/debian-rpm-bookworm/*.rpm; do
	rpm -K "$f"
	rpm -K "$f" | grep -q 'digests signatures OK'
done
echo "rpm -K: every package signed"

cp -a srv tampered
sed -i '0,/<revision>/s//<revisioN>/' tampered/rpm/debian-rpm-bookworm/repodata/repomd.xml
repo tampered
dnf clean all >/dev/null
if dnf -y --disablerepo='*' --enablerepo=dbtest makecache; then
	echo "dnf: tampered repomd ACCEPTED"
	exit 1
fi
echo "dnf: tampered repomd refused"
f=$(ls tampered/rpm/debian-rpm-bookworm/*.x86_64.rpm)
size=$(stat -c %s "$f")
printf 'X' | dd of="$f" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
if rpm -K "$f"; then
	echo "rpm -K: tampered package ACCEPTED"
	exit 1
fi
echo "rpm -K: tampered package refused"
`

// assertNoKey looks for a line of the private key in every image dbuilder
// made for the release (their layers, through docker save), in every container
// left by the test's runs (none may be), in every file under out and in
// the console output.
func assertNoKey(t *testing.T, eng engine.Engine, lines []string, out, console string, since time.Time, jobs []plan.Job) {
	t.Helper()
	if len(lines) == 0 {
		t.Fatal("no secret lines to look for")
	}
	find := func(where string, data []byte) {
		for _, l := range lines {
			if strings.Contains(string(data), l) {
				t.Errorf("a line of the signing key is in %s", where)
				return
			}
		}
	}
	find("the console output", []byte(console))
	err := filepath.WalkDir(out, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		find(p, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	refs := []string{ident.ReleaseToolsImage(version.Version)} // and the builder images: what dbuilder made
	for _, j := range jobs {
		refs = append(refs, j.ImageTag)
	}
	for _, ref := range refs {
		rc, err := eng.ImageSave(ctx, []string{ref})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		find("image "+ref, b)
	}
	// Containers: none of dbuilder's made since the test began may be left.
	cs, err := eng.ContainerList(ctx, map[string]string{labels.Managed: "true"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Labels[labels.Role] == labels.RoleRelease || c.Created.After(since) && c.Labels[labels.Matrix] == jobs[0].Names.Matrix {
			t.Errorf("container %s (role %s) is left", c.Name, c.Labels[labels.Role])
		}
	}
	t.Logf("looked for %d key lines in %s, the console output and %d images (%v)", len(lines), out, len(refs), refs)
}
