package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
)

// uniquePackage copies the example to a temporary directory with a field
// in debian/control that no other test has, so that its builder images
// are new to the daemon and every build here really builds them (from
// BuildKit's cache: the toolchain layers are shared). It returns the
// matrix (bookworm and trixie, no daemon of their own) and the builder
// images, which are removed at the end.
func uniquePackage(t *testing.T, eng engine.Engine, name string) (string, []plan.Job) {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, "../../testdata/hellodb", filepath.Join(dir, "src"))
	control := filepath.Join(dir, "src", "debian", "control")
	b, err := os.ReadFile(control)
	if err != nil {
		t.Fatal(err)
	}
	// The source paragraph comes first; X- fields are the package's own.
	src, rest, _ := strings.Cut(string(b), "\n\n")
	os.WriteFile(control, []byte(src+"\nX-Dbuilder-Test: "+dockertest.RunID(t)+"\n\n"+rest), 0o644)
	m := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(m, []byte(fmt.Sprintf(`name: %s
version: 1.0.0
source: ./src
matrix:
  distro: [debian:bookworm, debian:trixie]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  command: ./hellodb --version
`, name)), 0o644)
	mx, err := matrix.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := plan.Resolve(mx, mx.Targets, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropImages(eng, jobs) })
	dropCaches(t, eng, name)
	return m, jobs
}

// dropImages removes the jobs' builder images from the daemon.
func dropImages(eng engine.Engine, jobs []plan.Job) {
	for _, j := range jobs {
		eng.ImageRemove(context.Background(), j.ImageTag)
	}
}

// registryTags lists repo's tags in a loopback registry.
func registryTags(t *testing.T, reg *dockertest.Registry, repo string) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+reg.Host+"/v2/"+repo+"/tags/list", nil)
	req.SetBasicAuth(reg.User, reg.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Tags []string }
	json.NewDecoder(resp.Body).Decode(&body)
	return body.Tags
}

// TestCacheRegistryReal: the cache registry on this machine's daemon,
// against Debian's docker-registry on loopback with an htpasswd login.
// A build pushes the builder images it builds; without them on the daemon
// a build pulls them and builds none; --pull never builds them and does
// not pull; wrong credentials, a push refused and a registry that is down
// each warn once and the build passes.
func TestCacheRegistryReal(t *testing.T) {
	eng := dockertest.Engine(t)
	for _, img := range []string{"debian:bookworm", "debian:trixie"} {
		dockertest.Image(t, eng, img)
	}
	reg := dockertest.StartRegistry(t, true)
	good := dockertest.DockerConfig(t, reg.Host, reg.User, reg.Password)
	wrong := "wrong-" + reg.Password
	bad := dockertest.DockerConfig(t, reg.Host, reg.User, wrong)
	m, jobs := uniquePackage(t, eng, "hellodb-regcache")
	repo := reg.Host + "/dbuilder-cache"
	var out string // the last build's --output
	build := func(t *testing.T, config string, args ...string) string {
		t.Helper()
		dropImages(eng, jobs) // a daemon without them, as a fresh one
		out = t.TempDir()
		code, log, _ := runEnv(t, []string{"DOCKER_CONFIG=" + config},
			append([]string{"build", "-f", m, "--output", out, "--no-ccache", "--progress", "plain"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, log)
		}
		for _, secret := range []string{reg.Password, wrong} {
			if strings.Contains(log, secret) {
				t.Errorf("the output shows a password:\n%s", log)
			}
		}
		return log
	}
	count := func(t *testing.T, log, sub string, want int) {
		t.Helper()
		if n := strings.Count(log, sub); n != want {
			t.Errorf("%q %d times, want %d:\n%s", sub, n, want, log)
		}
	}

	t.Run("debian/push", func(t *testing.T) {
		log := build(t, good, "--cache-registry", repo)
		count(t, log, "dbuilder: building builder image", 2)
		for _, j := range jobs {
			mustContain(t, log, "pushed "+repo+":"+j.CacheTag+" in ")
		}
		if tags := registryTags(t, reg, "dbuilder-cache"); len(tags) != 2 {
			t.Errorf("the registry holds %v", tags)
		}
	})
	t.Run("debian/pull", func(t *testing.T) {
		log := build(t, good, "--cache-registry", repo)
		count(t, log, "dbuilder: building builder image", 0)
		count(t, log, "pulled from the cache registry in ", 2)
		// report.json says where each came from.
		var rep struct {
			Targets []struct {
				Cache struct {
					Pulled string `json:"builder_image_pulled_from"`
				}
			}
		}
		b, _ := os.ReadFile(filepath.Join(out, "report.json"))
		if json.Unmarshal(b, &rep); len(rep.Targets) != 2 || !strings.HasPrefix(rep.Targets[0].Cache.Pulled, repo+":builder-debian-") {
			t.Errorf("report.json: %s", b)
		}
	})
	t.Run("debian/pull-never", func(t *testing.T) {
		log := build(t, good, "--cache-registry", repo, "--pull", "never")
		count(t, log, "dbuilder: building builder image", 2)
		count(t, log, "pulling the builder image from the cache registry", 0)
		count(t, log, "--pull never: builder images are not pulled from the cache registry", 1)
	})
	t.Run("debian/wrong-credentials", func(t *testing.T) {
		log := build(t, bad, "--cache-registry", repo)
		count(t, log, "dbuilder: building builder image", 2)
		count(t, log, "warning: cache registry "+reg.Host+" refused dbuilder's credentials", 1)
		count(t, log, "dbuilder: pushing dbuilder/builder-", 0)
	})
	t.Run("debian/wrong-credentials-push", func(t *testing.T) {
		// No pull first: the push is where the credentials are refused.
		log := build(t, bad, "--cache-registry", repo, "--pull", "never")
		count(t, log, "dbuilder: building builder image", 2)
		count(t, log, "warning: cache registry "+reg.Host+" refused a push", 1)
		count(t, log, "dbuilder: pushing dbuilder/builder-", 1)
	})
	t.Run("debian/registry-down", func(t *testing.T) {
		log := build(t, good, "--cache-registry", "127.0.0.1:1/dbuilder-cache")
		count(t, log, "dbuilder: building builder image", 2)
		count(t, log, "cannot be reached", 1)
		count(t, log, "pulling the builder image from the cache registry", 1)
	})
}
