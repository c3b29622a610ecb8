package dockertest

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/internal/testreq"
)

// Registry is a private image registry for one test: Debian's
// docker-registry (the reference registry) on a free 127.0.0.1 port, which
// the daemon treats as insecure by default, so no TLS is needed.
type Registry struct {
	Host     string // "127.0.0.1:PORT"
	User     string // set when the registry requires a login
	Password string
}

// StartRegistry starts a registry that stores into a temporary directory
// and stops when the test ends. With login, it requires the returned user
// and password (htpasswd, bcrypt). A missing docker-registry or htpasswd
// skips the test, or fails it under DBUILDER_REQUIRE_DOCKER (scripts/test.sh
// installs both).
func StartRegistry(t testing.TB, login bool) *Registry {
	t.Helper()
	bin := need(t, "docker-registry", "docker-registry")
	dir := t.TempDir()
	port := freePort(t)
	r := &Registry{Host: fmt.Sprintf("127.0.0.1:%d", port)}
	auth := ""
	if login {
		htpasswd := need(t, "htpasswd", "apache2-utils")
		r.User, r.Password = "dbuilder", "pw-"+RunID(t)+RunID(t)
		out, err := exec.Command(htpasswd, "-Bbn", r.User, r.Password).Output()
		if err != nil {
			t.Fatalf("htpasswd: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "htpasswd"), out, 0o600); err != nil {
			t.Fatal(err)
		}
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: dbuilder-test\n    path: %s\n", filepath.Join(dir, "htpasswd"))
	}
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n%s",
		filepath.Join(dir, "data"), r.Host, auth)
	cfgFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfgFile)
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start docker-registry: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})
	waitRegistry(t, r.Host, func() string {
		log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
		return "\n" + string(log)
	})
	return r
}

// waitRegistry polls a registry's API root at host for 20 s until it
// answers (200, or 401 when a login is required), then fails with what
// log returns.
func waitRegistry(t testing.TB, host string, log func() string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the registry at %s did not answer: %v%s", host, err, log())
		}
	}
}

// DockerConfig writes a docker CLI config directory whose config.json has
// an `auths` entry for host (what `docker login` writes), and returns it.
// Empty user and password give a config without credentials.
func DockerConfig(t testing.TB, host, user, password string) string {
	t.Helper()
	dir := t.TempDir()
	body := `{"auths": {}}`
	if user != "" {
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
		body = fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, host, auth)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Push tags the local image src as ref and pushes it with the docker CLI,
// using the docker config in configDir; the tag is removed again, so that
// the image then lives only in the registry.
func Push(t testing.TB, configDir, src, ref string) {
	t.Helper()
	for _, args := range [][]string{{"tag", src, ref}, {"--config", configDir, "push", ref}, {"rmi", ref}} {
		if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// need finds a program of a Debian package, or skips (fails when required).
func need(t testing.TB, prog, pkg string) string {
	t.Helper()
	return testreq.Tool(t, prog, pkg)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
