package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
)

// BenchmarkRegistryCache is scripts/bench.sh's registry section: a job on
// a fresh, empty daemon, as a GitLab job's docker:dind service is (a new
// daemon of dbuilder's sidecar image for each job, holding only the images
// a job would pull: DBUILDER_BENCH_IMAGES and the sidecar image), with a
// registry on its loopback (Debian's docker-registry, htpasswd login) as
// the cache registry. The first job builds the builder image and pushes
// it, the second, on another fresh daemon, pulls it. Each job is `dbuilder
// build` of DBUILDER_BENCH_MATRIX by the binary DBUILDER_BENCH_DBUILDER;
// it prints one BENCH-REGISTRY line of seconds. Run it with
// -run '^$' -bench BenchmarkRegistryCache -benchtime 1x.
func BenchmarkRegistryCache(b *testing.B) {
	matrixFile, bin := os.Getenv("DBUILDER_BENCH_MATRIX"), os.Getenv("DBUILDER_BENCH_DBUILDER")
	if matrixFile == "" || bin == "" {
		b.Fatal("set DBUILDER_BENCH_MATRIX and DBUILDER_BENCH_DBUILDER (scripts/bench.sh does)")
	}
	host := dockertest.Engine(b)
	images := strings.Fields(os.Getenv("DBUILDER_BENCH_IMAGES"))
	for _, img := range images {
		dockertest.Image(b, host, img)
	}
	images = append(images, dockertest.SidecarImage(b, host).Ref)
	reg := dockertest.StartRegistryNet(b, host, true)
	config := dockertest.DockerConfig(b, reg.Host, reg.User, reg.Password)
	repo := reg.Host + "/dbuilder-cache"

	type job struct{ whole, image, push float64 }
	one := func(n int) job {
		d := dockertest.StartDaemon(b, host, dockertest.DaemonOptions{NetworkOf: reg.Holder})
		defer d.Stop()
		dockertest.CopyImages(b, host, d.Engine, images...)
		out := b.TempDir()
		cmd := exec.Command(bin, "build", "-f", matrixFile, "--output", out, "--progress", "plain", "--cache-registry", repo)
		cmd.Env = append(os.Environ(), "DOCKER_HOST="+d.Endpoint.Host, "DOCKER_TLS_VERIFY=1",
			"DOCKER_CERT_PATH="+d.Endpoint.CertPath, "DOCKER_CONFIG="+config)
		start := time.Now()
		log, err := cmd.CombinedOutput()
		whole := time.Since(start).Seconds()
		os.WriteFile(filepath.Join(os.TempDir(), fmt.Sprintf("dbuilder-bench-registry-job%d.log", n)), log, 0o644)
		if err != nil {
			b.Fatalf("job %d: %v\n%s", n, err, log)
		}
		var rep struct {
			Targets []struct {
				Result string
				Steps  []struct {
					Name    string
					Seconds float64
				}
				Cache struct {
					Pulled string `json:"builder_image_pulled_from"`
				}
			}
		}
		data, _ := os.ReadFile(filepath.Join(out, "report.json"))
		if err := json.Unmarshal(data, &rep); err != nil || len(rep.Targets) != 1 || rep.Targets[0].Result != "ok" {
			b.Fatalf("job %d: report.json %v:\n%s", n, err, data)
		}
		t := rep.Targets[0]
		if pulled := t.Cache.Pulled != ""; pulled != (n == 2) {
			b.Fatalf("job %d: pulled from the cache registry: %q\n%s", n, t.Cache.Pulled, log)
		}
		j := job{whole: whole}
		for _, s := range t.Steps {
			if s.Name == "image" {
				j.image = s.Seconds
			}
		}
		if m := pushed.FindSubmatch(log); m != nil {
			j.push, _ = strconv.ParseFloat(string(m[1]), 64)
		} else if n == 1 {
			b.Fatalf("job 1 pushed nothing:\n%s", log)
		}
		return j
	}
	for b.Loop() {
		first, second := one(1), one(2)
		fmt.Printf("BENCH-REGISTRY job1=%.2f image1=%.2f push1=%.2f job2=%.2f image2=%.2f\n",
			first.whole, first.image, first.push, second.whole, second.image)
		b.ReportMetric(second.image/first.image, "image-ratio")
		b.ReportMetric(second.whole/first.whole, "job-ratio")
	}
}

var pushed = regexp.MustCompile(`dbuilder: pushed \S+ in ([0-9.]+)s`)
