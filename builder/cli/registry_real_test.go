package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// These tests pull from a real registry (Debian's docker-registry on
// loopback): the base image comes through images.mirror, the preload image
// by its own name, both pushed there under new names and absent locally.

// runEnv runs the dbuilder binary with extra environment; it returns the
// exit code, the output (stdout and stderr) and how long it took.
func runEnv(t *testing.T, env []string, args ...string) (int, string, time.Duration) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(append(os.Environ(), "DBUILDER_TEST=1"), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out), took
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out), took
	}
	t.Fatalf("dbuilder %v: %v", args, err)
	return -1, "", 0
}

// registryMatrix is the example package with its base image through
// mirror and a preload image whose content the test prints from inside the
// target's own daemon (which cannot reach the registry: it has only what
// was preloaded).
func registryMatrix(t *testing.T, name, mirror, preload string) string {
	return writeExampleMatrix(t, name, fmt.Sprintf(`matrix:
  distro: [debian:bookworm]
images:
  mirror: %s
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  docker: true
  preload: [%s]
  command: |
    cid=$(docker create %s /hello)
    echo "preloaded: $(docker cp "$cid:/hello" - | tar -xO)"
    docker rm "$cid" >/dev/null
`, mirror, preload, preload))
}

// published is one base and one preload image in a registry, gone locally.
type published struct {
	mirror, base, preload, token string
}

func publish(t *testing.T, eng engine.Engine, reg *dockertest.Registry, config string) published {
	t.Helper()
	id := dockertest.RunID(t)
	p := published{mirror: reg.Host + "/" + id, token: "token-" + id}
	p.base = p.mirror + "/library/debian:bookworm"
	p.preload = reg.Host + "/" + id + "/tiny:1"
	// Imported rather than built: no build cache keeps its layer, so the
	// pull really downloads it.
	local := "dbuilder-test/tiny:" + id
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	tw.WriteHeader(&tar.Header{Name: "hello", Mode: 0o644, Size: int64(len(p.token)), Typeflag: tar.TypeReg})
	tw.Write([]byte(p.token))
	tw.Close()
	imp := exec.Command("docker", "import", "-", local)
	imp.Stdin = &tarball
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
	dockertest.Push(t, config, "debian:bookworm", p.base)
	dockertest.Push(t, config, local, p.preload)
	eng.ImageRemove(context.Background(), local)
	t.Cleanup(func() { forget(eng, p) })
	return p
}

// forget removes the pulled images (tags only: debian:bookworm shares the
// base's layers) and the builder image made FROM the pulled base.
func forget(eng engine.Engine, p published) {
	ctx := context.Background()
	eng.ImageRemove(ctx, p.base)
	eng.ImageRemove(ctx, p.preload)
	imgs, _ := eng.ImageList(ctx, map[string]string{labels.Role: labels.RoleBuilder})
	for _, img := range imgs {
		if strings.Contains(img.Labels[labels.Bases], p.mirror+"/") {
			for _, tag := range img.Tags {
				eng.ImageRemove(ctx, tag)
			}
		}
	}
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// TestRegistryPullReal: missing images are pulled, the test sees the
// pulled preload in its own daemon, a second run pulls nothing, --pull
// always pulls again, --pull never refuses what is missing.
func TestRegistryPullReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	dockertest.SidecarImage(t, eng)
	reg := dockertest.StartRegistry(t, false)
	anon := dockertest.DockerConfig(t, "", "", "")
	p := publish(t, eng, reg, anon)
	dropCaches(t, eng, "regpull")
	m := registryMatrix(t, "regpull", p.mirror, p.preload)
	env := []string{"DOCKER_CONFIG=" + anon}
	build := func(args ...string) (int, string) {
		code, out, _ := runEnv(t, env, append([]string{"build", "-f", m, "--output", t.TempDir(), "--no-ccache"}, args...)...)
		return code, out
	}

	t.Run("debian/bookworm/doctor-sees-what-build-pulls", func(t *testing.T) {
		code, out, _ := runEnv(t, env, "doctor", "-f", m)
		if code != 0 {
			t.Fatalf("doctor exit %d:\n%s", code, out)
		}
		mustContain(t, out, "build pulls "+p.base)
	})
	t.Run("debian/bookworm/pull-missing", func(t *testing.T) {
		code, out := build()
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "[pull ") || strings.Contains(l, "pulled") {
				t.Log(l)
			}
		}
		mustContain(t, out, "[pull "+p.base+"] pulling the base image from "+reg.Host,
			"[pull "+p.preload+"] pulling the preload image", "[pull "+p.base+"] pulled in ",
			": Download complete", ": Pull complete",
			"FROM "+p.base, "preloaded: "+p.token)
		for _, ref := range []string{p.base, p.preload} {
			if _, err := eng.Image(context.Background(), ref); err != nil {
				t.Errorf("%s not on the daemon after the build: %v", ref, err)
			}
		}
	})
	t.Run("debian/bookworm/second-run-pulls-nothing", func(t *testing.T) {
		code, out := build("--rebuild")
		if code != 0 || strings.Contains(out, "[pull ") {
			t.Fatalf("exit %d, or it pulled:\n%s", code, out)
		}
		mustContain(t, out, "preloaded: "+p.token)
	})
	t.Run("debian/bookworm/pull-always", func(t *testing.T) {
		code, out := build("--pull", "always")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		mustContain(t, out, "[pull "+p.base+"] pulled in ", "[pull "+p.preload+"] pulled in ")
	})
	t.Run("debian/bookworm/pull-never", func(t *testing.T) {
		forget(eng, p)
		before := countMatrix(t, eng, "regpull")
		code, out := build("--pull", "never")
		if code != ExitUsage {
			t.Fatalf("exit %d, want %d:\n%s", code, ExitUsage, out)
		}
		mustContain(t, out, "base image "+p.base+" is not on the Docker daemon", "preload image "+p.preload+" is not on the Docker daemon", "--pull never")
		if strings.Contains(out, "[pull ") || countMatrix(t, eng, "regpull") != before {
			t.Errorf("pulled or created something:\n%s", out)
		}
	})
}

// TestRegistryLoginReal: a registry that requires a login: the credentials
// in a docker config file (DOCKER_CONFIG, `auths`) make the build pass;
// wrong ones fail with exit 2, naming the registry but never the secret.
func TestRegistryLoginReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	dockertest.SidecarImage(t, eng)
	reg := dockertest.StartRegistry(t, true)
	good := dockertest.DockerConfig(t, reg.Host, reg.User, reg.Password)
	p := publish(t, eng, reg, good)
	dropCaches(t, eng, "reglogin")
	m := registryMatrix(t, "reglogin", p.mirror, p.preload)

	t.Run("debian/bookworm/wrong-password", func(t *testing.T) {
		wrong := "wrong-" + reg.Password
		bad := dockertest.DockerConfig(t, reg.Host, reg.User, wrong)
		code, out, _ := runEnv(t, []string{"DOCKER_CONFIG=" + bad}, "build", "-f", m, "--output", t.TempDir(), "--no-ccache")
		if code != ExitUsage {
			t.Fatalf("exit %d, want %d:\n%s", code, ExitUsage, out)
		}
		mustContain(t, out, "registry "+reg.Host+" refused it", "docker login "+reg.Host)
		for _, secret := range []string{wrong, reg.Password} {
			if strings.Contains(out, secret) {
				t.Errorf("the output shows a password:\n%s", out)
			}
		}
		if code, out, _ := runEnv(t, []string{"DOCKER_CONFIG=" + bad}, "doctor", "-f", m); code != ExitFailed || strings.Contains(out, wrong) {
			t.Errorf("doctor exit %d (want %d) or shows the password:\n%s", code, ExitFailed, out)
		}
	})
	t.Run("debian/bookworm/no-credentials", func(t *testing.T) {
		none := dockertest.DockerConfig(t, "", "", "")
		code, out, _ := runEnv(t, []string{"DOCKER_CONFIG=" + none}, "build", "-f", m, "--output", t.TempDir(), "--no-ccache")
		if code != ExitUsage {
			t.Fatalf("exit %d, want %d:\n%s", code, ExitUsage, out)
		}
		mustContain(t, out, "registry "+reg.Host+" refused it")
	})
	t.Run("debian/bookworm/login", func(t *testing.T) {
		code, out, _ := runEnv(t, []string{"DOCKER_CONFIG=" + good}, "build", "-f", m, "--output", t.TempDir(), "--no-ccache")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		mustContain(t, out, "[pull "+p.base+"] pulled in ", "[pull "+p.preload+"] pulled in ", "preloaded: "+p.token)
		if strings.Contains(out, reg.Password) {
			t.Errorf("the output shows the password:\n%s", out)
		}
	})
}

// TestRegistryUnreachableReal: a registry that cannot be reached (nothing
// listens; the name does not resolve) fails the run at once with the
// offline fix, each registry tried once, nothing created. The time is
// logged, not asserted (benchmarks are scripts).
func TestRegistryUnreachableReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	dockertest.SidecarImage(t, eng)
	for _, c := range []struct{ name, host string }{
		{"refused", "127.0.0.1:1"},
		{"no-such-host", "registry.dbuilder-test.invalid"},
	} {
		t.Run("unreachable/"+c.name, func(t *testing.T) {
			m := registryMatrix(t, "regdown", c.host+"/hub", c.host+"/hub/tiny:1")
			env := []string{"DOCKER_CONFIG=" + dockertest.DockerConfig(t, "", "", "")}
			before := countMatrix(t, eng, "regdown")
			code, out, took := runEnv(t, env, "build", "-f", m, "--output", t.TempDir(), "--no-ccache")
			t.Logf("failed in %s", took.Round(time.Millisecond))
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d:\n%s", code, ExitUsage, out)
			}
			mustContain(t, out, "base image "+c.host+"/hub/library/debian:bookworm: registry "+c.host+" cannot be reached",
				"bash scripts/setup.sh", "--pull never",
				"preload image "+c.host+"/hub/tiny:1: not pulled: registry "+c.host+" cannot be reached (see above)")
			if n := strings.Count(out, "pulling the "); n != 1 {
				t.Errorf("the registry was tried %d times:\n%s", n, out)
			}
			if countMatrix(t, eng, "regdown") != before {
				t.Errorf("created something")
			}
		})
	}
}

// countMatrix counts the containers and volumes of matrix name.
func countMatrix(t *testing.T, eng engine.Engine, name string) int {
	t.Helper()
	cs, err := eng.ContainerList(context.Background(), map[string]string{labels.Matrix: name})
	if err != nil {
		t.Fatal(err)
	}
	vs, _ := eng.VolumeList(context.Background(), map[string]string{labels.Matrix: name})
	return len(cs) + len(vs)
}
