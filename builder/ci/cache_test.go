package ci

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// ciJob is what the tests read of a generated job.
type ciJob struct {
	Stage  string   `yaml:"stage"`
	Needs  []string `yaml:"needs"`
	Script []string `yaml:"script"`
	After  []string `yaml:"after_script"`
}

// pipelineJobs reads a pipeline's jobs.
func pipelineJobs(t *testing.T, data []byte) map[string]ciJob {
	t.Helper()
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]ciJob{}
	for name, n := range doc {
		if name == "stages" {
			continue
		}
		var j ciJob
		if err := n.Decode(&j); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = j
	}
	return out
}

// With a cache registry: one image job per distro and architecture, in
// the first stage, selecting every target of theirs; each target's job
// needs its image job and passes the registry on.
func TestGitLabCacheShape(t *testing.T) {
	jobs := jobsOf(t, "testdata/matrices/valid/full.yaml", "")
	files, err := GitLab(jobs, GitLabOptions{MatrixFile: "m.yaml", Runner: DinD, Image: "i", CacheRegistry: "reg.example.com/c"})
	if err != nil {
		t.Fatal(err)
	}
	got := pipelineJobs(t, files[0].Data)
	selected := map[string]string{} // target -> image job
	for name, j := range got {
		if !strings.HasPrefix(name, "image:") {
			continue
		}
		if j.Stage != ImageStage || len(j.Needs) != 0 || len(j.After) != 0 || len(j.Script) != 1 || !strings.Contains(j.Script[0], "--images-only --distro ") {
			t.Errorf("%s: %+v", name, j)
			continue
		}
		sel := strings.Fields(strings.SplitN(j.Script[0], "--distro ", 2)[1])[0]
		for _, target := range strings.Split(sel, ",") {
			if prev, ok := selected[target]; ok {
				t.Errorf("%s is built by %s and %s", target, prev, name)
			}
			selected[target] = name
		}
	}
	for _, j := range jobs {
		bj, ok := got[JobName(j.Name())]
		if !ok {
			t.Fatalf("no job for %s", j.Name())
		}
		want := "image:" + groupOf(j)
		if !slices.Equal(bj.Needs, []string{want}) || selected[j.Name()] != want || got[want].Stage != ImageStage {
			t.Errorf("%s needs %v, is built by %q, want %s", j.Name(), bj.Needs, selected[j.Name()], want)
		}
		if !strings.HasSuffix(bj.Script[0], " --cache-registry reg.example.com/c") {
			t.Errorf("%s: %s", j.Name(), bj.Script[0])
		}
	}
	// full.yaml: 5 distros, 3 of them for arm64 too.
	if n := len(got) - len(jobs); n != 8 {
		t.Errorf("%d image jobs, want 8", n)
	}
	if _, ok := got["image:debian-bookworm-arm64"]; !ok {
		t.Errorf("no image job for bookworm on arm64: %v", slices.Sorted(maps.Keys(got)))
	}
}

// Image jobs count toward the jobs of a pipeline: a split keeps every
// part within --max-jobs with them.
func TestGitLabCacheSplit(t *testing.T) {
	jobs := jobsOf(t, "testdata/e2e/hellodb.yaml", "") // 4 targets, 4 distros
	opt := GitLabOptions{MatrixFile: "m.yaml", Runner: Socket, MaxJobs: 4, File: "p.yml", Regenerate: []string{"dbuilder"}, CacheRegistry: "reg.example.com/c"}
	files, err := GitLab(jobs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("files %v, want the fan-out and 2 parts", names(files))
	}
	for _, f := range files[1:] {
		got := pipelineJobs(t, f.Data)
		if len(got) > opt.MaxJobs || len(got) != 4 {
			t.Errorf("%s has %d jobs", f.Name, len(got))
		}
	}
	opt.MaxJobs = 8
	if files, _ := GitLab(jobs, opt); len(files) != 1 {
		t.Errorf("4 targets and 4 image jobs in %d files, want 1", len(files))
	}
}

func TestCheckCacheRegistry(t *testing.T) {
	for _, ok := range []string{DefaultCacheRegistry, "${CI_REGISTRY}/group/cache", "127.0.0.1:5000/c"} {
		if err := CheckCacheRegistry(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		`$CI_REGISTRY_IMAGE/c"; rm -rf /`: "quotes and backslashes",
		"$CI_REGISTRY_IMAGE/c:latest":     "leave out the tag",
		"$(id)/c":                         "contains '$'",
		"$CI_REGISTRY_IMAGE/C":            "lowercase",
	} {
		if err := CheckCacheRegistry(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", bad, err, want)
		}
	}
}
