package run

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
)

// jobsIn writes body as matrix.yaml in a fresh directory, with the source
// tree src copied next to it as ./src (then changed by edit, when not
// nil), and resolves every target.
func jobsIn(t *testing.T, src, body string, edit func(src string)) []plan.Job {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "src"), os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "src", "debian", "rules"), 0o755)
	os.Chmod(filepath.Join(dir, "src", "configure"), 0o755)
	if edit != nil {
		edit(filepath.Join(dir, "src"))
	}
	return loadMatrix(t, dir, body)
}

// byTarget indexes results by target name.
func byTarget(res []report.Result) map[string]report.Result {
	out := map[string]report.Result{}
	for _, r := range res {
		out[r.Target] = r
	}
	return out
}

func logOf(t *testing.T, out string, r report.Result) string {
	t.Helper()
	name := report.LogFile
	if !r.OK {
		name = "failed.log"
	}
	b, err := os.ReadFile(filepath.Join(out, r.Target, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// debContents lists a built .deb's files (dpkg-deb -c) in the target's
// builder image.
func debContents(t *testing.T, eng engine.Engine, out string, r report.Result) string {
	return contents(t, eng, out, r, ".deb", "dpkg-deb -c /tmp/p")
}

// rpmContents lists a built binary .rpm's files (rpm -qlvp).
func rpmContents(t *testing.T, eng engine.Engine, out string, r report.Result) string {
	return contents(t, eng, out, r, ".noarch.rpm", "rpm -qlvp /tmp/p")
}

func contents(t *testing.T, eng engine.Engine, out string, r report.Result, suffix, cmd string) string {
	t.Helper()
	for _, a := range r.Artifacts {
		if strings.HasSuffix(a, suffix) {
			code, list := runWithFile(t, eng, r.BuilderImage, filepath.Join(out, r.Target, a), "/tmp/p", cmd)
			if code != 0 {
				t.Fatalf("%s (%s): %d\n%s", cmd, a, code, list)
			}
			return list
		}
	}
	t.Fatalf("no %s among %v", suffix, r.Artifacts)
	return ""
}

const rootlessMatrix = `name: dbtest-rootless
version: "1.0"
source: ./src
matrix:
  distro: [debian:bookworm, debian-rpm:bookworm]
  as: [user, buildroot, testroot]
test:
  docker: true
  command: |
    echo "tested by $(id -un) uid $(id -u) in $(pwd)"
    touch tested-here
    case $DBUILDER_TARGET in
    *-testroot) test "$(id -u)" = 0 ;;
    *) test "$(id -u)" = 2000 ;;
    esac
    if [ -n "${DOCKER_HOST:-}" ]; then docker info --format 'inner-daemon-id={{.ID}}'; fi
overrides:
  - match: {as: buildroot}
    build: {root: true}
  - match: {as: testroot}
    test: {root: true}
  - match: {distro: "debian-rpm:*"}
    test: {docker: false}
`

// TestUnprivilegedReal: builds and tests run as the build user unless the
// matrix says root. A package whose build refuses root builds as .deb and
// .rpm and fails under build.root; tests run as the user (and reach the
// target's daemon) or as root under test.root; a package that needs root
// without declaring Rules-Requires-Root fails saying so, and passes once
// it declares it (fakeroot) or builds as root; the example's MariaDB test
// passes as the user; kept volumes written by a root build are handed
// over to the user.
func TestUnprivilegedReal(t *testing.T) {
	eng := dockertest.Engine(t)
	for _, img := range []string{"debian:bookworm", "dbuilder-example/mariadb:10.11"} {
		dockertest.Image(t, eng, img)
	}

	jobs := jobsIn(t, "../../testdata/unpriv/rootless", rootlessMatrix, nil)
	out := t.TempDir()
	res, _ := build(t, eng, jobs, out, 3)
	got := byTarget(res)
	for _, distro := range []string{"debian-bookworm", "debian-rpm-bookworm"} {
		family := "debian/bookworm/"
		if distro == "debian-rpm-bookworm" {
			family = "rpm-on-debian/bookworm/"
		}
		t.Run(family+"refuses-root-passes-as-user", func(t *testing.T) {
			r := got[distro+"-user"]
			if !r.OK {
				t.Fatalf("failed in %s: %v\n%s", r.Step, r.Err, strings.Join(r.Tail, "\n"))
			}
			log := logOf(t, out, r)
			for _, want := range []string{"dbtest-rootless: built by dbuilder (uid 2000)", "tested by dbuilder uid 2000"} {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q", want)
				}
			}
			if distro == "debian-bookworm" {
				// The daemon socket is the user's to use; and the files in
				// the package are root's (dh_builddeb --root-owner-group).
				m := innerID.FindStringSubmatch(log)
				if m == nil || m[1] != r.InnerDaemonID {
					t.Errorf("the test did not reach the target's daemon %s as the user: %v", r.InnerDaemonID, m)
				}
				if list := debContents(t, eng, out, r); !strings.Contains(list, "root/root") || strings.Contains(list, "dbuilder") || strings.Contains(list, "2000") {
					t.Errorf("files in the .deb are not root's:\n%s", list)
				}
			} else if list := rpmContents(t, eng, out, r); !strings.Contains(list, "root     root") || strings.Contains(list, "dbuilder") {
				t.Errorf("files in the .rpm are not root's:\n%s", list)
			}
		})
		t.Run(family+"refuses-root-fails-under-build-root", func(t *testing.T) {
			r := got[distro+"-buildroot"]
			if r.OK || r.Step != StepBuild || !strings.Contains(logOf(t, out, r), "dbtest-rootless: refusing to build as root") {
				t.Fatalf("build.root: ok=%v step %q err %v", r.OK, r.Step, r.Err)
			}
		})
		t.Run(family+"test-root", func(t *testing.T) {
			r := got[distro+"-testroot"]
			if !r.OK {
				t.Fatalf("failed in %s: %v\n%s", r.Step, r.Err, strings.Join(r.Tail, "\n"))
			}
			log := logOf(t, out, r)
			if !strings.Contains(log, "built by dbuilder (uid 2000)") || !strings.Contains(log, "tested by root uid 0") {
				t.Errorf("test.root: built or tested by the wrong user:\n%s", log)
			}
		})
	}

	t.Run("debian/bookworm/needs-root", func(t *testing.T) { needsRoot(t, eng) })
	t.Run("debian/bookworm/mariadb-as-user", func(t *testing.T) { mariadbAsUser(t, eng) })
	t.Run("debian/bookworm/kept-volumes-handed-over", func(t *testing.T) { keptVolumes(t, eng) })
}

const chownMatrix = `name: NAME
version: "1.0"
source: ./src
matrix:
  distro: [debian:bookworm]
  as: [user, buildroot]
test:
  command: |
    echo "tested by $(id -un) uid $(id -u)"
    test "$(id -u)" = 2000
    touch tested-here
overrides:
  - match: {as: buildroot}
    build: {root: true}
`

// needsRoot: a package whose binary target chowns to root. Undeclared
// (Rules-Requires-Root: no), it fails as the user with the reason and the
// fix, and passes under build.root, where its test still runs as the user
// in the tree root built; declared (binary-targets), it passes as the
// user under fakeroot, and the package holds the file as root:games.
func needsRoot(t *testing.T, eng engine.Engine) {
	jobs := jobsIn(t, "../../testdata/unpriv/chown-root", strings.Replace(chownMatrix, "NAME", "dbtest-chown-root", 1), nil)
	out := t.TempDir()
	res, _ := build(t, eng, jobs, out, 2)
	got := byTarget(res)
	r := got["debian-bookworm-user"]
	if r.OK || r.Step != StepBuild {
		t.Fatalf("a build that needs root undeclared: ok=%v step %q", r.OK, r.Step)
	}
	tail := strings.Join(r.Tail, "\n")
	for _, want := range []string{"Operation not permitted", "debian/control has Rules-Requires-Root: no",
		"declare it in the source stanza of debian/control: Rules-Requires-Root: binary-targets", "build.root: true"} {
		if !strings.Contains(tail, want) {
			t.Errorf("the failure's last lines lack %q:\n%s", want, tail)
		}
	}
	if r := got["debian-bookworm-buildroot"]; !r.OK || !strings.Contains(logOf(t, out, r), "tested by dbuilder uid 2000") {
		t.Errorf("under build.root: ok=%v step %q %v\n%s", r.OK, r.Step, r.Err, strings.Join(r.Tail, "\n"))
	}

	declare := func(src string) {
		control := filepath.Join(src, "debian", "control")
		b, _ := os.ReadFile(control)
		os.WriteFile(control, []byte(strings.Replace(string(b), "Rules-Requires-Root: no", "Rules-Requires-Root: binary-targets", 1)), 0o644)
	}
	jobs = jobsIn(t, "../../testdata/unpriv/chown-root", strings.Replace(chownMatrix, "NAME", "dbtest-chown-declared", 1), declare)
	res, _ = build(t, eng, jobs[:1], out, 1)
	if r := res[0]; !r.OK {
		t.Fatalf("declared binary-targets, as the user: failed in %s: %v\n%s", r.Step, r.Err, strings.Join(r.Tail, "\n"))
	}
	if list := debContents(t, eng, out, res[0]); !strings.Contains(list, "root/games") {
		t.Errorf("the chown under fakeroot is not in the package:\n%s", list)
	}
}

// mariadbAsUser: the example's test, which starts MariaDB in the target's
// daemon, passes as the build user.
func mariadbAsUser(t *testing.T, eng engine.Engine) {
	body := `name: hellodb-unpriv
version: 1.0.0
source: ./src
matrix: {distro: [debian:bookworm]}
build: {deps: {deb: [libmariadb-dev, pkg-config]}}
test:
  docker: true
  preload: [dbuilder-example/mariadb:10.11]
  command: |
    echo "tested by $(id -un) uid $(id -u)"
    test "$(id -u)" = 2000
    make check
`
	jobs := jobsIn(t, "../../testdata/hellodb", body, nil)
	out := t.TempDir()
	res, _ := build(t, eng, jobs, out, 1)
	r := res[0]
	if !r.OK {
		t.Fatalf("failed in %s: %v\n%s", r.Step, r.Err, strings.Join(r.Tail, "\n"))
	}
	log := logOf(t, out, r)
	if !strings.Contains(log, "tested by dbuilder uid 2000") || !strings.Contains(log, "hellodb: ok") {
		t.Errorf("the MariaDB test did not pass as the user:\n%s", log)
	}
}

// keptVolumes: a build as root fills the ccache and --incremental work
// volumes with root's files; the next build, as the user, goes on from
// the kept tree, and afterwards the user owns everything in both.
func keptVolumes(t *testing.T, eng engine.Engine) {
	body := `name: dbtestc-unpriv
version: "1.0"
source: ./src
matrix: {distro: [debian:bookworm]}
build: {root: BUILDROOT}
`
	incremental := func(o *Options) { o.Incremental, o.Rebuild = true, true }
	out := t.TempDir()
	jobs := jobsIn(t, "../../distros/testdata/c", strings.Replace(body, "BUILDROOT", "true", 1), nil)
	res, _ := build(t, eng, jobs, out, 1, incremental)
	if !res[0].OK {
		t.Fatalf("as root: failed in %s: %v\n%s", res[0].Step, res[0].Err, strings.Join(res[0].Tail, "\n"))
	}
	if n := foreign(t, eng, jobs[0]); n == "" {
		t.Fatal("the root build left nothing of root's in the kept volumes: the test proves nothing")
	}
	jobs = jobsIn(t, "../../distros/testdata/c", strings.Replace(body, "BUILDROOT", "false", 1), nil)
	res, _ = build(t, eng, jobs, out, 1, incremental)
	r := res[0]
	if !r.OK {
		t.Fatalf("as the user after root: failed in %s: %v\n%s", r.Step, r.Err, strings.Join(r.Tail, "\n"))
	}
	if log := logOf(t, out, r); !strings.Contains(log, "incremental: reusing the built tree") || !strings.Contains(log, "ccache: on") {
		t.Errorf("the user's build did not go on from root's kept tree with the cache:\n%s", log)
	}
	if n := foreign(t, eng, jobs[0]); n != "" {
		t.Errorf("files in the kept volumes not owned by the build user:\n%s", n)
	}
}

// foreign lists the files in j's ccache and work volumes that the build
// user (2000:2000) does not own.
func foreign(t *testing.T, eng engine.Engine, j plan.Job) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	spec := engine.ContainerSpec{
		Image: "debian:bookworm", Cmd: []string{"sh", "-c", "find /v/ccache /v/work \\( ! -user 2000 -o ! -group 2000 \\) -print"},
		Labels: map[string]string{"dbuilder-test": "run"},
		Mounts: []engine.Mount{{Type: "volume", Source: j.Names.CCache, Target: "/v/ccache"}, {Type: "volume", Source: j.Names.Work, Target: "/v/work"}},
	}
	code, b, err := engine.RunOnce(ctx, eng, spec, nil)
	if err != nil || code != 0 {
		t.Fatalf("listing the volumes: %d %v\n%s", code, err, b)
	}
	return strings.TrimSpace(string(b))
}
