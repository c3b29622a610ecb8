package ci

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/dbuilder/dbuilder/builder/ident"
	refs "github.com/dbuilder/dbuilder/builder/names"
	"github.com/dbuilder/dbuilder/builder/plan"
)

// A pipeline with a cache registry (GitLabOptions.CacheRegistry) starts
// with an image stage: one job per distro and architecture builds its
// builder images once (dbuilder build --images-only) and pushes them; each
// target's job needs that job and pulls them instead of building them.

// ImageStage is the stage of the image jobs, before Stage.
const ImageStage = "dbuilder-images"

// DefaultCacheRegistry is the cache registry of a bare --cache-registry:
// a repository in the project's own container registry, which every job
// of the project may push to and pull from with its job token.
const DefaultCacheRegistry = "$CI_REGISTRY_IMAGE/dbuilder-cache"

// ImageJobName is the name of the job that builds the builder images of
// name (ident.BuilderName: "debian-bookworm", "debian-bookworm-arm64").
func ImageJobName(name string) string { return "image:" + name }

// variable is a CI variable in a cache registry reference, which the
// job's shell expands.
var variable = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)

// CheckCacheRegistry checks a cache registry repository as a pipeline
// names it: CI variables ($CI_REGISTRY_IMAGE, ${X}) may stand for parts
// of it; the rest must make a repository.
func CheckCacheRegistry(ref string) error {
	if strings.ContainsAny(ref, "\"`\\") {
		return fmt.Errorf("invalid cache registry repository %s: quotes and backslashes are not part of one", refs.Quote(ref))
	}
	if err := refs.CacheRepo(variable.ReplaceAllString(ref, "x")); err != nil {
		return fmt.Errorf("%w (CI variables such as $CI_REGISTRY_IMAGE may stand for parts of it)", err)
	}
	return nil
}

// imageGroup is one image job: the targets whose builder images it makes.
type imageGroup struct {
	name    string // ident.BuilderName of their distro and architecture
	jobs    []plan.Job
	timeout time.Duration // the longest of theirs
}

// imageGroups groups jobs by distro and architecture, in order.
func imageGroups(jobs []plan.Job) []imageGroup {
	var out []imageGroup
	at := map[string]int{}
	for _, j := range jobs {
		name := groupOf(j)
		i, ok := at[name]
		if !ok {
			i = len(out)
			at[name] = i
			out = append(out, imageGroup{name: name})
		}
		out[i].jobs = append(out[i].jobs, j)
		out[i].timeout = max(out[i].timeout, j.Target.Timeout)
	}
	return out
}

func groupOf(j plan.Job) string {
	foreign := ""
	if j.Foreign {
		foreign = j.Arch
	}
	return ident.BuilderName(j.Target.Distro, foreign)
}

// jobCount is how many jobs a pipeline of jobs has.
func jobCount(jobs []plan.Job, opt GitLabOptions) int {
	if opt.CacheRegistry == "" {
		return len(jobs)
	}
	return len(jobs) + len(imageGroups(jobs))
}

// stages are the pipeline's stages.
func stages(opt GitLabOptions) *yaml.Node {
	if opt.CacheRegistry == "" {
		return seq(Stage)
	}
	return seq(ImageStage, Stage)
}

// needsFor is what a target's job waits for: its image job, or nothing.
func needsFor(j plan.Job, opt GitLabOptions) *yaml.Node {
	if opt.CacheRegistry == "" {
		return seq()
	}
	return seq(ImageJobName(groupOf(j)))
}

// cacheArg is what a job's dbuilder command adds for the cache registry,
// as shell words: CI variables in double quotes, for the shell to expand.
func cacheArg(opt GitLabOptions) string {
	ref := opt.CacheRegistry
	switch {
	case ref == "":
		return ""
	case strings.Contains(ref, "$"):
		return ` --cache-registry "` + ref + `"`
	}
	return " --cache-registry " + shellQuote(ref)
}

// login is the before_script that logs the job in to the project's
// registry with its job token, when the cache registry is in it (nil
// otherwise: another registry's credentials come from DOCKER_AUTH_CONFIG
// or the runner's docker config).
func login(opt GitLabOptions) *yaml.Node {
	if !strings.HasPrefix(opt.CacheRegistry, "$CI_REGISTRY_IMAGE") {
		return nil
	}
	return seq(`echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"`)
}

// addImageJobs adds the image jobs of jobs to doc.
func addImageJobs(doc *yaml.Node, jobs []plan.Job, opt GitLabOptions) error {
	if opt.CacheRegistry == "" {
		return nil
	}
	for _, g := range imageGroups(jobs) {
		job, err := imageJob(g, opt)
		if err != nil {
			return err
		}
		add(doc, ImageJobName(g.name), job)
	}
	return nil
}

// imageJob is the job of its first target, made to build the group's
// builder images only: so whatever a target's job gets to reach its
// daemon (image, tags, service, variables, login) the image job gets too,
// and it renders the very Dockerfiles the target jobs do.
func imageJob(g imageGroup, opt GitLabOptions) (*yaml.Node, error) {
	first := g.jobs[0]
	job := buildJob(first, opt)
	set(job, "stage", str(ImageStage))
	set(job, "needs", seq())
	if t := jobTimeout(g.timeout); t != "" {
		set(job, "timeout", str(t))
	} else {
		drop(job, "timeout")
	}
	drop(job, "after_script") // it creates no container
	drop(job, "artifacts")
	targets := make([]string, len(g.jobs))
	for i, j := range g.jobs {
		targets[i] = j.Name()
	}
	script := value(job, "script")
	sel := "--distro " + shellQuote(first.Name())
	if script == nil || len(script.Content) != 1 || strings.Count(script.Content[0].Value, sel) != 1 {
		return nil, errors.New("image job: the target job's script does not select its target once")
	}
	line := script.Content[0]
	line.Value = strings.Replace(line.Value, sel, "--images-only --distro "+shellQuote(strings.Join(targets, ",")), 1)
	return job, nil
}

// value is the value of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// set replaces key's value in m, or adds it.
func set(m *yaml.Node, key string, val *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = val
			return
		}
	}
	add(m, key, val)
}

// drop removes key from m.
func drop(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}
