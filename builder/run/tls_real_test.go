package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// tlsMatrix is the example whose test also tries the daemon dbuilder
// talks to, at each of its addresses (ADDRS): with no client certificate,
// in plain HTTP and in TLS; every attempt must be refused. The test fails
// only if one gets in.
const tlsMatrix = `name: hellodb-tls
version: 1.0.0
source: %s
matrix:
  distro: [debian:bookworm]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  docker: true
  preload: [dbuilder-example/mariadb:10.11]
  command: |
    make check
    echo "probe: certificates here: $(ls /certs 2>&1 | head -1); DOCKER_CERT_PATH=${DOCKER_CERT_PATH:-unset}"
    for a in ADDRS; do
      if docker -H tcp://$a:2376 version >/tmp/plain 2>&1; then echo "ENDPOINT-REACHED plain $a"; exit 1; fi
      sed "s/^/probe plain $a: /" /tmp/plain
      if docker -H tcp://$a:2376 --tls --tlscacert /etc/ssl/certs/ca-certificates.crt version >/tmp/tls 2>&1; then echo "ENDPOINT-REACHED tls $a"; exit 1; fi
      sed "s/^/probe tls $a: /" /tmp/tls
    done
`

// TestBuildOverTLSReal runs a whole build, sidecar, preload and MariaDB
// test included, against a TCP+TLS endpoint made like a GitLab job's
// docker:dind service: the project's sidecar image as a daemon on 2376
// with --tlsverify, itself nested in the host's daemon. Its sidecars are
// then nested one level deeper, and MariaDB one more (three daemons).
// Images are copied into the endpoint's empty daemon first, as a job
// pulls them. The package's test cannot use that endpoint.
func TestBuildOverTLSReal(t *testing.T) {
	host := dockertest.Engine(t)
	for _, img := range []string{"debian:bookworm", "dbuilder-example/mariadb:10.11"} {
		dockertest.Image(t, host, img)
	}
	ep, eng, addrs := dockertest.TLSDaemon(t, host)
	ip := addrs[0]
	if eng.Endpoint() != ep.Host {
		t.Fatalf("connected to %s, not %s", eng.Endpoint(), ep.Host)
	}

	src, _ := filepath.Abs("../../testdata/hellodb")
	dir := t.TempDir()
	mf := filepath.Join(dir, "matrix.yaml")
	os.WriteFile(mf, []byte(strings.ReplaceAll(fmt.Sprintf(tlsMatrix, src), "ADDRS", strings.Join(addrs, " "))), 0o644)
	m, err := matrix.Load(mf)
	if err != nil {
		t.Fatal(err)
	}
	sc := sidecar.ImageFor("", testVersion)
	jobs, err := plan.Resolve(m, m.Targets, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}})
	if err != nil {
		t.Fatal(err)
	}
	// What a job would pull into its service's empty daemon; the builder
	// image too when the host has it (else it is built there).
	refs := []string{"debian:bookworm", "dbuilder-example/mariadb:10.11", sc.Ref}
	if _, err := host.Image(context.Background(), jobs[0].ImageTag); err == nil {
		refs = append(refs, jobs[0].ImageTag)
	}
	dockertest.CopyImages(t, host, eng, refs...)

	out := t.TempDir()
	res, log := build(t, eng, jobs, out, 1)
	t.Run("debian/bookworm/tcp-tls", func(t *testing.T) {
		r := res[0]
		if !r.OK {
			t.Fatalf("failed in %s: %v\n%s", r.Step, r.Err, strings.Join(r.Tail, "\n"))
		}
		if !strings.Contains(log, "daemon tcp://"+ip+":2376") || !strings.Contains(log, "hellodb: ok") {
			t.Errorf("not built over TCP+TLS, or the MariaDB test did not run:\n%s", log)
		}
		if _, err := os.Stat(filepath.Join(out, "debian-bookworm", "hellodb_1.0.0_amd64.deb")); err != nil {
			t.Error(err)
		}
	})
	t.Run("debian/bookworm/endpoint-refused", func(t *testing.T) {
		if strings.Contains(log, "ENDPOINT-REACHED") {
			t.Fatalf("the package's test used the endpoint dbuilder talks to:\n%s", log)
		}
		// The daemon was reached (at one of its addresses at least: the
		// endpoint's own may be hidden behind the inner daemon's bridge)
		// and refused both for want of a client certificate.
		probes := grepLines(log, "probe ")
		if !strings.Contains(probes, "Client sent an HTTP request to an HTTPS server") {
			t.Errorf("no plain HTTP attempt was refused by the TLS daemon:\n%s", probes)
		}
		if !strings.Contains(probes, "tls: bad certificate") && !strings.Contains(probes, "certificate required") {
			t.Errorf("no TLS attempt without a client certificate was refused as such:\n%s", probes)
		}
		if !strings.Contains(log, "DOCKER_CERT_PATH=unset") {
			t.Errorf("the build container was handed certificates:\n%s", grepLines(log, "probe"))
		}
	})
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
