package ci

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

const root = "../.."

// jobsOf resolves the selected targets of a matrix file of the repository.
func jobsOf(t *testing.T, file, sel string) []plan.Job {
	t.Helper()
	m, err := matrix.Load(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := matrix.Select(m.Targets, sel)
	if err != nil {
		t.Fatal(err)
	}
	sc := sidecar.ImageFor("", "test")
	jobs, err := plan.Resolve(m, ts, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// The example, a 3-distro matrix on both runners, and a split one: each
// file is pinned by a golden file and valid by GitLab's own CI schema.
func TestGitLabPipelines(t *testing.T) {
	schema := gitlabSchema(t)
	tests := []struct {
		name, file, sel string
		opt             GitLabOptions
		files           int
	}{
		{"example-dind", "matrix.yaml", "", GitLabOptions{MatrixFile: "matrix.yaml", Runner: DinD, Image: "registry.example.org/tools/dbuilder:1.0"}, 1},
		{"three-socket", "testdata/e2e/hellodb.yaml", "debian:*", GitLabOptions{MatrixFile: "testdata/e2e/hellodb.yaml", Runner: Socket}, 1},
		{"three-dind-tags", "testdata/e2e/hellodb.yaml", "debian:*", GitLabOptions{MatrixFile: "testdata/e2e/hellodb.yaml", Runner: DinD, Image: "$DBUILDER_IMAGE", Tags: []string{"privileged", "docker"}, OutputDir: "out dir"}, 1},
		{"example-dind-mtu", "matrix.yaml", "", GitLabOptions{MatrixFile: "matrix.yaml", Runner: DinD, Image: "registry.example.org/tools/dbuilder:1.0", MTU: 1360, RegistryMirror: "https://mirror.example.org"}, 1},
		{"flavors-socket-cache", "testdata/matrices/valid/flavors.yaml", "", GitLabOptions{MatrixFile: "matrix.yaml", Runner: Socket, CacheRegistry: "127.0.0.1:5000/dbuilder-cache"}, 1},
		{"three-dind-cache", "testdata/e2e/hellodb.yaml", "debian:*", GitLabOptions{MatrixFile: "testdata/e2e/hellodb.yaml", Runner: DinD, Image: "$DBUILDER_IMAGE", CacheRegistry: DefaultCacheRegistry}, 1},
		{"split", "testdata/e2e/hellodb.yaml", "", GitLabOptions{MatrixFile: "testdata/e2e/hellodb.yaml", Runner: Socket, Image: "dbuilder:1.0", MaxJobs: 3,
			File: "ci/dbuilder.yml", Regenerate: []string{"dbuilder", "ci", "gitlab", "-f", "testdata/e2e/hellodb.yaml", "--runner", "socket", "--image", "dbuilder:1.0", "--max-jobs", "3"}}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := GitLab(jobsOf(t, tt.file, tt.sel), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != tt.files {
				t.Fatalf("%d files, want %d", len(files), tt.files)
			}
			var all bytes.Buffer
			for _, f := range files {
				validate(t, schema, f)
				if len(files) > 1 {
					all.WriteString("# ---- " + f.Name + "\n")
				}
				all.Write(f.Data)
			}
			golden(t, "gitlab-"+tt.name+".yml", all.Bytes())
		})
	}
}

func TestGitLabSplitShape(t *testing.T) {
	jobs := jobsOf(t, "testdata/e2e/hellodb.yaml", "")
	files, err := GitLab(jobs, GitLabOptions{MatrixFile: "m.yaml", Runner: Socket, MaxJobs: 3, File: "p.yml", Regenerate: []string{"dbuilder", "ci", "gitlab"}})
	if err != nil {
		t.Fatal(err)
	}
	// 4 targets, at most 3 a pipeline: two parts of two.
	if len(files) != 3 || files[1].Name != "p-1.yml" || files[2].Name != "p-2.yml" {
		t.Fatalf("files %v", names(files))
	}
	for _, f := range files[1:] {
		if n := strings.Count(string(f.Data), "\nbuild:"); n != 2 {
			t.Errorf("%s has %d jobs", f.Name, n)
		}
	}
	if _, err := GitLab(jobs, GitLabOptions{MatrixFile: "m.yaml", Runner: Socket, MaxJobs: 3}); err == nil || !strings.Contains(err.Error(), "-o FILE") {
		t.Errorf("a split to stdout: %v", err)
	}
	if _, err := GitLab(jobs, GitLabOptions{MatrixFile: "m.yaml", Runner: DinD}); err == nil || !strings.Contains(err.Error(), "--image") {
		t.Errorf("dind without an image: %v", err)
	}
}

// The service options are checked: an MTU out of range, a mirror that is
// not a registry's root (a path prefix belongs to --mirror), and either
// on a socket runner, whose daemon is configured on its host.
func TestGitLabServiceOptions(t *testing.T) {
	jobs := jobsOf(t, "matrix.yaml", "")
	dind := GitLabOptions{MatrixFile: "matrix.yaml", Runner: DinD, Image: "i"}
	for _, tc := range []struct {
		mod  func(*GitLabOptions)
		want string
	}{
		{func(o *GitLabOptions) { o.MTU = 100 }, "--mtu 100: want a value from 576 to 9216"},
		{func(o *GitLabOptions) { o.MTU = 65536 }, "--mtu 65536"},
		{func(o *GitLabOptions) { o.RegistryMirror = "mirror.example.org" }, "want a URL such as https://"},
		{func(o *GitLabOptions) { o.RegistryMirror = "ftp://mirror.example.org" }, "want a URL such as https://"},
		{func(o *GitLabOptions) {
			o.RegistryMirror = "https://gitlab.example.com:443/group/dependency_proxy/containers"
		}, "goes to --mirror (DBUILDER_MIRROR)"},
		{func(o *GitLabOptions) { o.Runner, o.Image, o.MTU = Socket, "", 1400 }, "need --runner dind"},
	} {
		opt := dind
		tc.mod(&opt)
		if _, err := GitLab(jobs, opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", opt, err, tc.want)
		}
	}
	opt := dind
	opt.MTU, opt.RegistryMirror = 1450, "http://10.0.0.5:5000/"
	files, err := GitLab(jobs, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- --mtu=1450\n", "- --registry-mirror=http://10.0.0.5:5000/\n", "HEALTHCHECK_TCP_PORT: \"2376\"", "- runner_system_failure\n"} {
		if !strings.Contains(string(files[0].Data), want) {
			t.Errorf("pipeline lacks %q:\n%s", want, files[0].Data)
		}
	}
}

// The same input gives the same bytes.
func TestGitLabDeterministic(t *testing.T) {
	jobs := jobsOf(t, "testdata/e2e/hellodb.yaml", "")
	opt := GitLabOptions{MatrixFile: "m.yaml", Runner: DinD, Image: "i"}
	a, _ := GitLab(jobs, opt)
	for range 20 {
		b, _ := GitLab(jobs, opt)
		if !bytes.Equal(a[0].Data, b[0].Data) {
			t.Fatal("output differs between runs")
		}
	}
}

func names(fs []File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

// gitlabSchema compiles GitLab's CI schema kept in testdata/gitlab.
func gitlabSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "testdata", "gitlab", "ci.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("ci.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("ci.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validate checks a pipeline file against the schema, through JSON as
// GitLab's editor does.
func validate(t *testing.T, s *jsonschema.Schema, f File) {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(f.Data, &v); err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("%s is not valid by GitLab's CI schema: %v\n%s", f.Name, err, f.Data)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(root, "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./builder/ci -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run: go test ./builder/ci -update, then review the diff)\n--- got:\n%s", path, got)
	}
}

// The schema check does catch a broken pipeline.
func TestGitLabSchemaCatchesMistakes(t *testing.T) {
	schema := gitlabSchema(t)
	for _, bad := range []string{
		"job:\n  script: [make]\n  artifacts:\n    when: sometimes\n",
		"job:\n  script: [make]\n  needs: {a: 1}\n",
		"job:\n  script: [make]\n  interruptable: true\n",
		"job:\n  trigger:\n    include:\n      - artifact: x.txt\n        job: gen\n",
	} {
		var v any
		yaml.Unmarshal([]byte(bad), &v)
		b, _ := json.Marshal(v)
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err := schema.Validate(inst); err == nil {
			t.Errorf("accepted:\n%s", bad)
		}
	}
}
