package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
)

// TestDaemonWaitReal: dbuilder against a GitLab-style dind service (TLS on
// 2376, client certificates in DOCKER_CERT_PATH) that is still starting.
// One starts dockerd 10 s after its certificates exist: dbuilder says it
// waits, then works. One never starts dockerd: dbuilder gives up after
// DBUILDER_DAEMON_WAIT with "dind service not ready" and the likely
// causes, exit 2.
func TestDaemonWaitReal(t *testing.T) {
	host := dockertest.Engine(t)
	bin := binary(t)
	type daemon struct {
		ep   engine.Endpoint
		wait string
		out  string
		err  error
		took time.Duration
	}
	ds := map[string]*daemon{"late": {wait: ""}, "never": {wait: "5s"}}
	var wg sync.WaitGroup
	for name, d := range ds {
		delay := 10 * time.Second
		if name == "never" {
			delay = time.Hour
		}
		d.ep = dockertest.StartDaemon(t, host, dockertest.DaemonOptions{Delay: delay, NoWait: true}).Endpoint
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "cache", "ls")
			cmd.Env = append(os.Environ(), "DOCKER_HOST="+d.ep.Host, "DOCKER_CERT_PATH="+d.ep.CertPath, "DOCKER_TLS_VERIFY=1", "DBUILDER_DAEMON_WAIT="+d.wait)
			var buf bytes.Buffer
			cmd.Stdout, cmd.Stderr = &buf, &buf
			t0 := time.Now()
			d.err = cmd.Run()
			d.took, d.out = time.Since(t0), buf.String()
		}()
	}
	wg.Wait()

	t.Run("late", func(t *testing.T) {
		d := ds["late"]
		if d.err != nil {
			t.Fatalf("dbuilder cache ls against a daemon that starts late: %v\n%s", d.err, d.out)
		}
		if want := "waiting up to 60s for the Docker daemon at " + d.ep.Host + " to start"; !strings.Contains(d.out, want) {
			t.Errorf("output lacks %q:\n%s", want, d.out)
		}
		if strings.Count(d.out, "waiting up to") != 1 {
			t.Errorf("the wait is said more than once:\n%s", d.out)
		}
		t.Logf("waited %s:\n%s", d.took.Round(100*time.Millisecond), d.out)
	})
	t.Run("never", func(t *testing.T) {
		d := ds["never"]
		var ee *exec.ExitError
		if !errors.As(d.err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("want exit 2, got %v:\n%s", d.err, d.out)
		}
		for _, want := range []string{"dind service not ready after 5s", "connection refused", "DOCKER_HOST (" + d.ep.Host + ")",
			"2376 with TLS", "DOCKER_CERT_PATH", "/certs/client", "DBUILDER_DAEMON_WAIT"} {
			if !strings.Contains(d.out, want) {
				t.Errorf("message lacks %q:\n%s", want, d.out)
			}
		}
		if d.took < 5*time.Second || d.took > 30*time.Second {
			t.Errorf("gave up after %s, want 5 s and a little", d.took)
		}
	})
}
