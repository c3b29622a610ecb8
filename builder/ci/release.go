package ci

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dbuilder/dbuilder/builder/plan"
)

// Release adds a release stage to a generated pipeline (`ci gitlab
// --release`): on tags only, a job that takes every build job's artifacts
// and runs `dbuilder release --prebuilt` on them, signing with the key in
// a GitLab CI/CD variable of type File, and publishes the repository as
// its artifact; with Pages, a `pages` job serves it as the project's
// GitLab Pages site.
type Release struct {
	Pages bool
}

const (
	// ReleaseStage holds the release and pages jobs, after Stage.
	ReleaseStage = "release"
	// ReleaseJob and PagesJob name the jobs (GitLab deploys Pages from a
	// job named pages, with its site in public/).
	ReleaseJob = "release"
	PagesJob   = "pages"
	// SigningKeyVar is the CI/CD variable, of type File, whose file holds
	// the armored private key: the job passes the file's path, never its
	// content, and the file lies outside the project directory, where no
	// artifacts path can reach it.
	SigningKeyVar = "DBUILDER_SIGNING_KEY_FILE"
	// MaxNeeds is how many jobs one job's needs: may list (GitLab's
	// ci_needs_size_limit default). A larger pipeline's release job waits
	// for the build stage instead, which gives it the same artifacts.
	MaxNeeds = 50
	// onTags is the rule of the release stage's jobs.
	onTags = "$CI_COMMIT_TAG"
)

// releaseFits refuses a release stage where it cannot see every target's
// artifacts: GitLab gives a job the artifacts of its own pipeline only.
func releaseFits(jobs []plan.Job, opt GitLabOptions) error {
	if opt.Release != nil && len(jobs) > opt.MaxJobs {
		return fmt.Errorf("--release needs every target in one pipeline, to give its job their packages, but %d targets are more than %d jobs in one (--max-jobs): select fewer targets with --distro and release them in their own pipeline", len(jobs), opt.MaxJobs)
	}
	return nil
}

// addRelease adds the release stage and its jobs to a child pipeline.
func addRelease(doc *yaml.Node, jobs []plan.Job, opt GitLabOptions) {
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "stages" {
			doc.Content[i+1].Content = append(doc.Content[i+1].Content, str(ReleaseStage))
		}
	}
	doc.HeadComment += "\nOn tags, the release stage releases what the build jobs built, signed with the key in the\n" +
		"CI/CD variable " + SigningKeyVar + " (type File)."
	add(doc, ReleaseJob, releaseJob(jobs, opt))
	if opt.Release.Pages {
		add(doc, PagesJob, pagesJob(opt))
	}
}

// releaseJob runs dbuilder release on the build jobs' artifacts. It
// reaches a daemon (release installs each package in a clean container)
// the way the build jobs do: their image, tags, services and variables.
func releaseJob(jobs []plan.Job, opt GitLabOptions) *yaml.Node {
	out := opt.OutputDir
	names := make([]string, len(jobs))
	needs := make([]string, len(jobs))
	for i, j := range jobs {
		names[i], needs[i] = j.Name(), JobName(j.Name())
	}
	cmd := []string{"dbuilder", "release", "-f", opt.MatrixFile, "--distro", strings.Join(names, ","), "--output", out, "--prebuilt"}
	if opt.Runner == DinD {
		cmd = append(cmd, "--sidecar-image", "docker:dind")
	}
	job := mapping()
	add(job, "stage", str(ReleaseStage))
	copyKeys(job, buildJob(jobs[0], opt), "image", "tags", "services", "variables", "retry")
	add(job, "rules", seqNodes(ifRule(onTags)))
	if len(needs) <= MaxNeeds {
		add(job, "needs", seq(needs...))
	}
	// The key's file must exist; its path goes to --sign-key, quoted, and
	// no line prints it (a message names the variable only).
	check := fmt.Sprintf(`if [ ! -f "${%s:-}" ]; then echo "dbuilder release: set the CI/CD variable %s, of type File, to the armored private key to sign with" >&2; exit 1; fi`, SigningKeyVar, SigningKeyVar)
	add(job, "script", seq(check, shellJoin(cmd...)+` --sign-key "$`+SigningKeyVar+`"`))
	add(job, "after_script", seq(shellJoin("dbuilder", "gc", "--output", out)))
	arts := mapping()
	add(arts, "when", str("always"))
	add(arts, "paths", seq(out+"/repo/", out+"/report.json", out+"/repo.log", out+"/*/release.log"))
	add(job, "artifacts", arts)
	return job
}

// pagesJob publishes the release job's repository as the project's
// GitLab Pages site: public/ is the repository.
func pagesJob(opt GitLabOptions) *yaml.Node {
	job := mapping()
	add(job, "stage", str(ReleaseStage))
	if opt.Image != "" {
		add(job, "image", str(opt.Image))
	}
	if len(opt.Tags) > 0 {
		add(job, "tags", seq(opt.Tags...))
	}
	add(job, "rules", seqNodes(ifRule(onTags)))
	add(job, "needs", seq(ReleaseJob))
	add(job, "script", seq("rm -rf public", shellJoin("cp", "-a", opt.OutputDir+"/repo", "public")))
	arts := mapping()
	add(arts, "paths", seq("public"))
	add(job, "artifacts", arts)
	return job
}

func ifRule(cond string) *yaml.Node {
	r := mapping()
	add(r, "if", str(cond))
	return r
}

// copyKeys adds to dst the entries of src named keys, in that order, when
// src has them.
func copyKeys(dst, src *yaml.Node, keys ...string) {
	for _, k := range keys {
		for i := 0; i+1 < len(src.Content); i += 2 {
			if src.Content[i].Value == k {
				add(dst, k, src.Content[i+1])
			}
		}
	}
}
