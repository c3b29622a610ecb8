package ci

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// TestGitLabJobTimeout: each job passes its target's timeout to dbuilder
// build and gives GitLab a job timeout of that plus JobMargin (rounded up
// to a minute); a target with no limit leaves GitLab's own in place.
func TestGitLabJobTimeout(t *testing.T) {
	schema := gitlabSchema(t)
	jobs := jobsOf(t, "testdata/e2e/hellodb.yaml", "debian:*")
	jobs[0].Target.Timeout = 40 * time.Second // bookworm
	jobs[1].Target.Timeout = 0                // trixie: none
	// bullseye keeps the matrix's default
	files, err := GitLab(jobs, GitLabOptions{MatrixFile: "m.yaml", Runner: DinD, Image: "i"})
	if err != nil {
		t.Fatal(err)
	}
	validate(t, schema, files[0])
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(files[0].Data, &doc); err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]struct{ job, flag string }{
		"debian-bookworm": {"16m", "--timeout 40s"},
		"debian-trixie":   {"", "--timeout none"},
		"debian-bullseye": {"1h 15m", "--timeout 1h"},
	} {
		var j struct {
			Timeout string   `yaml:"timeout"`
			Script  []string `yaml:"script"`
		}
		if n, ok := doc[JobName(target)]; !ok || n.Decode(&j) != nil {
			t.Fatalf("no job for %s", target)
		}
		if j.Timeout != want.job {
			t.Errorf("%s: job timeout %q, want %q", target, j.Timeout, want.job)
		}
		if len(j.Script) != 1 || !strings.Contains(j.Script[0], " "+want.flag+" ") {
			t.Errorf("%s: script %q lacks %q", target, j.Script, want.flag)
		}
	}
}

func TestGitLabDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Minute: "1m", 59*time.Minute + time.Second: "1h", 75 * time.Minute: "1h 15m", 3 * time.Hour: "3h", 25 * time.Hour: "25h"} {
		if got := gitlabDuration(d); got != want {
			t.Errorf("gitlabDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
