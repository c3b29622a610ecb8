package ci

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dbuilder/dbuilder/builder/plan"
)

// A pipeline with a release stage, on both runners (with Pages on one):
// pinned by goldens and valid by GitLab's CI schema.
func TestGitLabReleasePipelines(t *testing.T) {
	schema := gitlabSchema(t)
	tests := []struct {
		name, file, sel string
		opt             GitLabOptions
	}{
		{"example-dind-release-pages", "matrix.yaml", "", GitLabOptions{MatrixFile: "matrix.yaml", Runner: DinD, Image: "registry.example.org/tools/dbuilder:1.0", Release: &Release{Pages: true}}},
		{"three-socket-release", "testdata/e2e/hellodb.yaml", "debian:*", GitLabOptions{MatrixFile: "testdata/e2e/hellodb.yaml", Runner: Socket, Tags: []string{"docker-host"}, OutputDir: "out dir", Release: &Release{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := GitLab(jobsOf(t, tt.file, tt.sel), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			validate(t, schema, files[0])
			golden(t, "gitlab-"+tt.name+".yml", files[0].Data)
		})
	}
}

// pipelineJob is what the tests read back from a generated job.
type pipelineJob struct {
	Stage  string
	Image  string
	Tags   []string
	Rules  []map[string]string
	Needs  []string
	Script []string
	Vars   map[string]string `yaml:"variables"`
	Svcs   []map[string]any  `yaml:"services"`
	Arts   struct {
		Paths []string
	} `yaml:"artifacts"`
}

func parsePipeline(t *testing.T, data []byte) (map[string]pipelineJob, []string) {
	t.Helper()
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	jobs := map[string]pipelineJob{}
	var stages []string
	for k, n := range doc {
		if k == "stages" {
			n.Decode(&stages)
			continue
		}
		var j pipelineJob
		if err := n.Decode(&j); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		jobs[k] = j
	}
	return jobs, stages
}

// The release job runs on tags only, after every build job, with the
// packages they made; it reaches the daemon as they do; the key's file is
// named by path only and is never in an artifact; Pages take the
// repository.
func TestGitLabReleaseJobs(t *testing.T) {
	all := jobsOf(t, "testdata/e2e/hellodb.yaml", "")
	files, err := GitLab(all, GitLabOptions{MatrixFile: "m.yaml", Runner: DinD, Image: "img", Tags: []string{"t"}, Release: &Release{Pages: true}})
	if err != nil {
		t.Fatal(err)
	}
	jobs, stages := parsePipeline(t, files[0].Data)
	if !slices.Equal(stages, []string{Stage, ReleaseStage}) {
		t.Errorf("stages %v", stages)
	}
	rel, build := jobs[ReleaseJob], jobs[JobName(all[0].Name())]
	var needs []string
	for _, j := range all {
		needs = append(needs, JobName(j.Name()))
	}
	if rel.Stage != ReleaseStage || !slices.Equal(rel.Needs, needs) || len(rel.Rules) != 1 || rel.Rules[0]["if"] != "$CI_COMMIT_TAG" {
		t.Errorf("release job: stage %q needs %v rules %v", rel.Stage, rel.Needs, rel.Rules)
	}
	if rel.Image != build.Image || !slices.Equal(rel.Tags, build.Tags) || fmt.Sprint(rel.Vars) != fmt.Sprint(build.Vars) || fmt.Sprint(rel.Svcs) != fmt.Sprint(build.Svcs) || len(rel.Svcs) == 0 {
		t.Errorf("the release job reaches another daemon than the build jobs:\n%+v\n%+v", rel, build)
	}
	last := rel.Script[len(rel.Script)-1]
	for _, want := range []string{"dbuilder release -f m.yaml --distro debian-bookworm,debian-trixie,debian-bullseye,debian-rpm-bookworm --output dist --prebuilt", `--sign-key "$DBUILDER_SIGNING_KEY_FILE"`} {
		if !strings.Contains(last, want) {
			t.Errorf("release command lacks %q: %s", want, last)
		}
	}
	// The key variable appears only as a quoted path or by name in a
	// message: never echoed, never cat, never in an artifact.
	uses := regexp.MustCompile(`\$\{?` + SigningKeyVar)
	for _, line := range rel.Script {
		for _, m := range uses.FindAllStringIndex(line, -1) {
			ctx := line[max(0, m[0]-12):m[1]]
			if !strings.HasSuffix(ctx, `[ ! -f "${`+SigningKeyVar) && !strings.HasSuffix(ctx, `--sign-key "$`+SigningKeyVar) {
				t.Errorf("the key variable is used as %q in %q", ctx, line)
			}
		}
		if strings.Contains(line, "cat ") || strings.Contains(line, "echo \"$") {
			t.Errorf("a script line may print the key: %q", line)
		}
	}
	for _, p := range rel.Arts.Paths {
		if !strings.HasPrefix(p, "dist/") {
			t.Errorf("release artifact %q is outside the output directory", p)
		}
	}
	pages := jobs[PagesJob]
	if !slices.Equal(pages.Needs, []string{ReleaseJob}) || !slices.Equal(pages.Arts.Paths, []string{"public"}) ||
		!slices.Contains(pages.Script, "cp -a dist/repo public") || pages.Rules[0]["if"] != "$CI_COMMIT_TAG" {
		t.Errorf("pages job: %+v", pages)
	}

	// Without --release: no stage, no job; without Pages: no pages job.
	plain, _ := GitLab(all, GitLabOptions{MatrixFile: "m.yaml", Runner: Socket})
	if jobs, stages := parsePipeline(t, plain[0].Data); len(stages) != 1 || jobs[ReleaseJob].Stage != "" {
		t.Errorf("a release stage without --release")
	}
	noPages, _ := GitLab(all, GitLabOptions{MatrixFile: "m.yaml", Runner: Socket, Release: &Release{}})
	if jobs, _ := parsePipeline(t, noPages[0].Data); jobs[PagesJob].Stage != "" || jobs[ReleaseJob].Stage == "" {
		t.Errorf("pages without asking, or no release job")
	}
}

// Past GitLab's needs: limit the release job waits for the build stage
// (which hands it every artifact too); a pipeline that would be split is
// refused, since a job sees only its own pipeline's artifacts.
func TestGitLabReleaseLimits(t *testing.T) {
	base := jobsOf(t, "testdata/e2e/hellodb.yaml", "debian:bookworm")[0]
	var many []plan.Job
	for i := range MaxNeeds + 1 {
		j := base
		j.Target.Name = fmt.Sprintf("t%02d", i)
		many = append(many, j)
	}
	files, err := GitLab(many, GitLabOptions{MatrixFile: "m.yaml", Runner: Socket, Release: &Release{}})
	if err != nil {
		t.Fatal(err)
	}
	validate(t, gitlabSchema(t), files[0])
	if jobs, _ := parsePipeline(t, files[0].Data); jobs[ReleaseJob].Needs != nil {
		t.Errorf("%d needs, more than GitLab's %d", len(jobs[ReleaseJob].Needs), MaxNeeds)
	}
	files, _ = GitLab(many[:MaxNeeds], GitLabOptions{MatrixFile: "m.yaml", Runner: Socket, Release: &Release{}})
	if jobs, _ := parsePipeline(t, files[0].Data); len(jobs[ReleaseJob].Needs) != MaxNeeds {
		t.Errorf("%d targets: needs %v", MaxNeeds, jobs[ReleaseJob].Needs)
	}
	_, err = GitLab(many, GitLabOptions{MatrixFile: "m.yaml", Runner: Socket, MaxJobs: 10, File: "p.yml", Release: &Release{}})
	if err == nil || !strings.Contains(err.Error(), "--release needs every target in one pipeline") {
		t.Errorf("a split pipeline with a release stage: %v", err)
	}
}
