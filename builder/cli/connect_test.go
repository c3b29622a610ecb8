package cli

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
)

// A tcp:// endpoint without TLS gets a warning that names the risk; one
// with TLS does not. Nothing listens on the port: the connection fails
// either way, after the warning.
func TestPlainTCPWarning(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Setenv("DOCKER_HOST", "tcp://"+addr)
	t.Setenv("DOCKER_CERT_PATH", "")
	t.Setenv("DOCKER_TLS_VERIFY", "")
	var stderr strings.Builder
	if _, err := connect(ctx, &stderr, false); err == nil {
		t.Fatal("connected to a port nothing listens on")
	}
	warn := stderr.String()
	for _, want := range []string{"warning", "tcp://" + addr, "without TLS", "a container included", "owns the daemon", "DOCKER_CERT_PATH"} {
		if !strings.Contains(warn, want) {
			t.Errorf("warning lacks %q: %q", want, warn)
		}
	}

	t.Setenv("DOCKER_CERT_PATH", t.TempDir())
	t.Setenv("DOCKER_TLS_VERIFY", "1")
	stderr.Reset()
	connect(ctx, &stderr, false)
	if stderr.Len() != 0 {
		t.Errorf("TLS endpoint warned: %q", stderr.String())
	}
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	t.Setenv("DOCKER_CERT_PATH", "")
	stderr.Reset()
	connect(ctx, &stderr, false)
	if stderr.Len() != 0 {
		t.Errorf("a unix socket warned: %q", stderr.String())
	}
}

// How long a command waits for a daemon still starting: 60 s for TCP (a
// CI service), nothing for a socket or ssh, DBUILDER_DAEMON_WAIT for any.
func TestStartWait(t *testing.T) {
	for _, tc := range []struct {
		host, env string
		want      time.Duration
		bad       bool
	}{
		{"tcp://docker:2376", "", 60 * time.Second, false},
		{"", "", 0, false},
		{"unix:///var/run/docker.sock", "", 0, false},
		{"ssh://build@host", "", 0, false},
		{"tcp://docker:2376", "2m", 2 * time.Minute, false},
		{"tcp://docker:2376", "0", 0, false},
		{"unix:///var/run/docker.sock", "5s", 5 * time.Second, false},
		{"tcp://docker:2376", "60", 0, true},
		{"tcp://docker:2376", "-1s", 0, true},
	} {
		got, err := startWait(engine.Endpoint{Host: tc.host}, tc.env)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%q with DBUILDER_DAEMON_WAIT=%q: %s, %v", tc.host, tc.env, got, err)
		}
		if tc.bad && (err == nil || !strings.Contains(err.Error(), "want a duration such as 60s")) {
			t.Errorf("%q: %v", tc.env, err)
		}
	}
}
