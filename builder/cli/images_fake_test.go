package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
)

const threeFlavors = `name: hellodb
version: 1.2.0
source: src
matrix:
  distro: [debian:bookworm]
  flavor: [a, b, c]
`

// runCLI runs a command in-process; it returns the exit code and output.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, &out, &errb)
	code := ExitCode(err, &errb)
	return code, out.String() + errb.String()
}

func pushes(f *enginefake.Fake) []string {
	var out []string
	for _, e := range f.Events() {
		if ref, ok := strings.CutPrefix(e, "push "); ok {
			out = append(out, ref)
		}
	}
	return out
}

// build --images-only: three targets, one builder image, made once and
// pushed; no container, no volume.
func TestImagesOnlyCommand(t *testing.T) {
	f := enginefake.New("host")
	f.AddImage("debian:bookworm", nil)
	useEngine(t, f)
	m := writeMatrix(t, threeFlavors)
	code, out := runCLI(t, "build", "--images-only", "-f", m, "--cache-registry", "127.0.0.1:5000/c", "--progress", "plain")
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"built, in the cache registry as 127.0.0.1:5000/c:builder-debian-bookworm-",
		"for debian-bookworm-a, debian-bookworm-b, debian-bookworm-c)", "all 1 builder image(s) ready; cache registry 127.0.0.1:5000/c"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if p := pushes(f); len(p) != 1 || len(f.Names()) != 0 || len(f.VolumeNames()) != 0 {
		t.Errorf("pushes %v, containers %v, volumes %v", p, f.Names(), f.VolumeNames())
	}
}

// The flag wins over the environment, which wins over images.cache.
func TestCacheRegistryPrecedence(t *testing.T) {
	withCache := threeFlavors + "images:\n  cache: 127.0.0.1:5000/from-matrix\n"
	for _, c := range []struct {
		name, env, flag, want string
	}{
		{"matrix", "", "", "127.0.0.1:5000/from-matrix:"},
		{"env", "127.0.0.1:5000/from-env", "", "127.0.0.1:5000/from-env:"},
		{"flag", "127.0.0.1:5000/from-env", "127.0.0.1:5000/from-flag", "127.0.0.1:5000/from-flag:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := enginefake.New("host")
			f.AddImage("debian:bookworm", nil)
			useEngine(t, f)
			t.Setenv(cacheEnv, c.env)
			args := []string{"build", "--images-only", "-f", writeMatrix(t, withCache), "--progress", "plain"}
			if c.flag != "" {
				args = append(args, "--cache-registry", c.flag)
			}
			code, out := runCLI(t, args...)
			if p := pushes(f); code != ExitOK || len(p) != 1 || !strings.HasPrefix(p[0], c.want) {
				t.Errorf("exit %d, pushes %v, want %s...\n%s", code, p, c.want, out)
			}
		})
	}
}

// Bad values are usage errors, found before anything connects.
func TestCacheRegistryBadInput(t *testing.T) {
	f := enginefake.New("host")
	f.AddImage("debian:bookworm", nil)
	useEngine(t, f)
	m := writeMatrix(t, threeFlavors)
	for _, c := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"--cache-registry", "127.0.0.1:5000/c:latest"}, "--cache-registry: invalid cache registry repository \"127.0.0.1:5000/c:latest\": leave out the tag"},
		{"$CI_REGISTRY_IMAGE/c", nil, cacheEnv + ": invalid cache registry repository \"$CI_REGISTRY_IMAGE/c\": contains '$'"},
		{"", []string{"--images-only", "--rebuild"}, "--images-only builds no package: --rebuild does not apply"},
	} {
		t.Setenv(cacheEnv, c.env)
		code, out := runCLI(t, append([]string{"build", "-f", m}, c.args...)...)
		if code != ExitUsage || !strings.Contains(out, c.want) {
			t.Errorf("%v (env %q): exit %d, want %d with %q:\n%s", c.args, c.env, code, ExitUsage, c.want, out)
		}
	}
	if len(f.Events()) != 0 {
		t.Errorf("the daemon was used: %v", f.Events())
	}
}

// The image stage of a generated pipeline, its command run as the job
// would: three targets of one distro, one image job, one builder image
// built and pushed; the same job on a fresh daemon pulls it.
func TestGitLabImageStageBuildsOnce(t *testing.T) {
	t.Chdir(filepath.Dir(writeMatrix(t, threeFlavors)))
	code, out := runCLI(t, "ci", "gitlab", "--runner", "socket", "--cache-registry=127.0.0.1:5000/c", "--platform", "amd64")
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	type job struct {
		Stage  string   `yaml:"stage"`
		Script []string `yaml:"script"`
	}
	pipeline := map[string]job{}
	var stage []string
	for name, n := range doc {
		var j job
		if n.Decode(&j) == nil && j.Stage == "dbuilder-images" {
			stage = append(stage, name)
		}
		pipeline[name] = j
	}
	if len(stage) != 1 || len(pipeline[stage[0]].Script) != 1 {
		t.Fatalf("image jobs %v in:\n%s", stage, out)
	}
	args := strings.Fields(pipeline[stage[0]].Script[0]) // no quoted words in it
	if args[0] != "dbuilder" {
		t.Fatalf("script %v", args)
	}
	builds := func(f *enginefake.Fake) int {
		n := 0
		for _, e := range f.Events() {
			if strings.HasPrefix(e, "build dbuilder/builder-") {
				n++
			}
		}
		return n
	}
	f := enginefake.New("host")
	f.AddImage("debian:bookworm", nil)
	useEngine(t, f)
	if code, out := runCLI(t, args[1:]...); code != ExitOK || builds(f) != 1 || len(pushes(f)) != 1 {
		t.Fatalf("exit %d, %d builds, pushes %v:\n%s", code, builds(f), pushes(f), out)
	}
	fresh := enginefake.New("fresh")
	fresh.ShareRegistry(f)
	rc, _ := f.ImageSave(context.Background(), []string{"debian:bookworm"})
	fresh.ImageLoad(context.Background(), rc)
	useEngine(t, fresh)
	if code, out := runCLI(t, args[1:]...); code != ExitOK || builds(fresh) != 0 || !strings.Contains(out, "  pulled, in the cache registry as 127.0.0.1:5000/c:builder-debian-bookworm-") {
		t.Errorf("fresh daemon: exit %d, %d builds:\n%s", code, builds(fresh), out)
	}
}
