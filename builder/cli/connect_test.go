package cli

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
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
	if _, err := connect(ctx, &stderr); err == nil {
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
	connect(ctx, &stderr)
	if stderr.Len() != 0 {
		t.Errorf("TLS endpoint warned: %q", stderr.String())
	}
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	t.Setenv("DOCKER_CERT_PATH", "")
	stderr.Reset()
	connect(ctx, &stderr)
	if stderr.Len() != 0 {
		t.Errorf("a unix socket warned: %q", stderr.String())
	}
}
