package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
)

// RegistryNet is a registry on the loopback of a network namespace that
// fresh daemons join (StartDaemon with NetworkOf: Holder), one after the
// other: each is a new, empty daemon, as a GitLab job's docker:dind
// service is, and to each the registry is 127.0.0.1:5000, which daemons
// trust without TLS. The registry outlives them, as a project's registry
// outlives its jobs.
type RegistryNet struct {
	Registry        // Host is 127.0.0.1:5000, as the daemons see it
	Holder   string // the container that holds the namespace and runs the registry
	Outside  string // the registry's address from this host ("IP:5000")
}

// StartRegistryNet runs Debian's docker-registry (this machine's binary)
// in a debian:bookworm container on eng, storing into the container, with
// an htpasswd login when login is set. It is removed at the end of the
// test; the daemons that joined it must be gone by then (they are, when
// started after it).
func StartRegistryNet(t testing.TB, eng engine.Engine, login bool) *RegistryNet {
	t.Helper()
	bin := need(t, "docker-registry", "docker-registry")
	Image(t, eng, "debian:bookworm")
	prog, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	r := &RegistryNet{Registry: Registry{Host: "127.0.0.1:5000"}}
	files := map[string][]byte{"docker-registry": prog}
	auth := ""
	if login {
		htpasswd := need(t, "htpasswd", "apache2-utils")
		r.User, r.Password = "dbuilder", "pw-"+RunID(t)+RunID(t)
		out, err := exec.Command(htpasswd, "-Bbn", r.User, r.Password).Output()
		if err != nil {
			t.Fatalf("htpasswd: %v", err)
		}
		files["htpasswd"] = out
		auth = "auth:\n  htpasswd:\n    realm: dbuilder-test\n    path: /registry/htpasswd\n"
	}
	// On every address: the daemons use the loopback one, this host the other.
	files["config.yml"] = []byte("version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n" +
		"storage:\n  filesystem:\n    rootdirectory: /registry/data\n  delete:\n    enabled: true\nhttp:\n  addr: 0.0.0.0:5000\n" + auth)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	spec := engine.ContainerSpec{
		Name: "dbuilder-test-regnet-" + RunID(t), Image: "debian:bookworm", Labels: map[string]string{"dbuilder-test": "regnet"},
		Cmd: []string{"/registry/docker-registry", "serve", "/registry/config.yml"},
	}
	id, err := engine.Create(ctx, eng, spec)
	if err != nil {
		t.Fatal(err)
	}
	r.Holder = id
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the registry's log:%s", containerLog(eng, id))
		}
		engine.RemoveContainer(eng, id)
	})
	if err := eng.CopyTo(ctx, id, "/", tarDir("registry", files)); err != nil {
		t.Fatal(err)
	}
	if err := eng.ContainerStart(ctx, id); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code, err := eng.Exec(ctx, id, []string{"hostname", "-i"}, nil, &out); err != nil || code != 0 || len(strings.Fields(out.String())) == 0 {
		t.Fatalf("the registry's address: %v %q", err, out.String())
	}
	r.Outside = strings.Fields(out.String())[0] + ":5000"
	waitRegistry(t, r.Outside, func() string { return containerLog(eng, id) })
	return r
}

// Tags lists the tags of repo in the registry, asked from this host with
// the registry's login.
func (r *RegistryNet) Tags(t testing.TB, repo string) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/v2/%s/tags/list", r.Outside, repo), nil)
	if r.User != "" {
		req.SetBasicAuth(r.User, r.Password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Tags []string }
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	if err := jsonDecode(resp, &body); err != nil {
		t.Fatalf("tags of %s: %s: %v", repo, resp.Status, err)
	}
	return body.Tags
}

// tarDir is a tar stream of files in directory dir (mode 0755: the
// registry's binary is among them).
func tarDir(dir string, files map[string][]byte) *bytes.Buffer {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: dir + "/", Mode: 0o755, Typeflag: tar.TypeDir})
	for name, data := range files {
		tw.WriteHeader(&tar.Header{Name: filepath.Join(dir, name), Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
	}
	tw.Close()
	return &b
}

func jsonDecode(resp *http.Response, v any) error {
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
