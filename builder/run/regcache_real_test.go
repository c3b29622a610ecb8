package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
)

// counting counts the builder images an engine builds: every BuildKit
// solve goes through Build.
type counting struct {
	engine.Engine
	builds atomic.Int32
}

func (c *counting) Build(ctx context.Context, req engine.BuildRequest) error {
	if req.Labels[labels.Role] == labels.RoleBuilder {
		c.builds.Add(1)
	}
	return c.Engine.Build(ctx, req)
}

// cacheMatrix is the example without a daemon of its own: the test is of
// the builder image, which a fresh daemon lacks.
const cacheMatrix = `name: hellodb-regcache
version: 1.0.0
source: %s
matrix:
  distro: [debian:bookworm]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  command: ./hellodb --version
`

// TestRegistryCacheFreshDaemonsReal: two jobs, each on a fresh, empty
// daemon (dbuilder's sidecar image run as a dind service, as in a GitLab
// job), with a registry that requires a login (Debian's docker-registry,
// htpasswd) on the daemons' loopback as the cache registry. The first job
// builds the builder image and pushes it; the second pulls it and builds
// no image at all (no BuildKit solve), and uses the very image.
func TestRegistryCacheFreshDaemonsReal(t *testing.T) {
	host := dockertest.Engine(t)
	dockertest.Image(t, host, "debian:bookworm")
	reg := dockertest.StartRegistryNet(t, host, true)
	config := dockertest.DockerConfig(t, reg.Host, reg.User, reg.Password)
	src, _ := filepath.Abs("../../testdata/hellodb")
	mf := filepath.Join(t.TempDir(), "matrix.yaml")
	os.WriteFile(mf, []byte(fmt.Sprintf(cacheMatrix, src)), 0o644)
	m, err := matrix.Load(mf)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := plan.Resolve(m, m.Targets, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	repo := reg.Host + "/dbuilder-cache"
	ref := repo + ":" + jobs[0].CacheTag

	// job runs one job on a fresh daemon: its builder images counted, its
	// builder image's ID.
	job := func(t *testing.T) (res string, log string, builds int32, id string) {
		d := dockertest.StartDaemon(t, host, dockertest.DaemonOptions{NetworkOf: reg.Holder})
		defer d.Stop()
		// What a job pulls into its service's daemon first.
		dockertest.CopyImages(t, host, d.Engine, "debian:bookworm")
		ep := d.Endpoint
		ep.ConfigDir = config
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		eng, err := engine.New(ctx, ep)
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Close()
		c := &counting{Engine: eng}
		out := t.TempDir()
		results, log := build(t, c, jobs, out, 1, func(o *Options) { o.Cache = repo })
		r := results[0]
		if !r.OK {
			t.Fatalf("failed in %s: %v\n%s", r.Step, r.Err, log)
		}
		if _, err := os.Stat(filepath.Join(out, "debian-bookworm", "hellodb_1.0.0_amd64.deb")); err != nil {
			t.Error(err)
		}
		img, err := eng.Image(context.Background(), jobs[0].ImageTag)
		if err != nil {
			t.Fatal(err)
		}
		return r.BuilderImagePulled, log, c.builds.Load(), img.ID
	}

	var firstID string
	t.Run("debian/bookworm/first-job-builds-and-pushes", func(t *testing.T) {
		pulled, log, builds, id := job(t)
		firstID = id
		if builds != 1 || pulled != "" || !strings.Contains(log, "not in the cache registry yet") || !strings.Contains(log, "pushed "+ref+" in ") {
			t.Fatalf("%d builds, pulled %q:\n%s", builds, pulled, log)
		}
		if tags := reg.Tags(t, "dbuilder-cache"); len(tags) != 1 || tags[0] != jobs[0].CacheTag {
			t.Errorf("the registry holds %v, want [%s]", tags, jobs[0].CacheTag)
		}
	})
	t.Run("debian/bookworm/second-job-pulls", func(t *testing.T) {
		if firstID == "" {
			t.Fatal("the first job failed, so there is nothing to pull")
		}
		pulled, log, builds, id := job(t)
		if builds != 0 || pulled != ref || strings.Contains(log, "building builder image") || !strings.Contains(log, "pulled from the cache registry in ") {
			t.Fatalf("%d builds, pulled %q:\n%s", builds, pulled, log)
		}
		if id != firstID {
			t.Errorf("the second job's builder image is %s, the first's %s", id, firstID)
		}
		if strings.Contains(log, reg.Password) {
			t.Error("the password is in the log")
		}
	})
}
