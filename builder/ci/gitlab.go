// Package ci writes CI pipelines that fan a matrix out over CI runners,
// one job per target, each running `dbuilder build --distro TARGET`. It is
// pure: jobs and options in, pipeline files out.
package ci

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
)

// DefaultMaxJobs is how many jobs one generated pipeline holds at most:
// GitLab.com's limit of jobs in one pipeline on its smallest plan
// (ci_pipeline_size, 500); self-managed GitLab has no limit by default.
// Larger matrices are split into several child pipelines.
const DefaultMaxJobs = 500

// Runner is how a CI job reaches a Docker daemon.
type Runner string

const (
	// DinD is GitLab's docker:dind service, reached over TCP with TLS on
	// 2376: every job gets a fresh, empty daemon (isolated, cold caches).
	DinD Runner = "dind"
	// Socket is a runner that gives jobs its host's daemon (its socket
	// mounted, or a shell executor on a Docker host): caches stay warm
	// between pipelines; dbuilder's locks make sharing it safe.
	Socket Runner = "socket"
)

// Stage is the one stage the generated jobs run in; `needs: []` lets
// every job start at once anyway.
const Stage = "dbuilder"

// GitLabOptions shape a generated GitLab pipeline.
type GitLabOptions struct {
	MatrixFile string   // as the jobs pass it to -f, relative to the project directory
	Runner     Runner   // DinD or Socket
	Image      string   // the jobs' image (dbuilder, and for DinD the docker CLI); "" runs them without one (a shell executor)
	Tags       []string // runner tags of every job
	OutputDir  string   // dbuilder build --output; "" is "dist"
	MaxJobs    int      // jobs per pipeline; 0 is DefaultMaxJobs
	// File is where the pipeline is written (a path relative to the
	// project directory); a split matrix needs one, to name its parts.
	File string
	// Regenerate is the `dbuilder ci gitlab ...` command line (without -o)
	// that a split pipeline's first job runs to write the parts again.
	Regenerate []string
	// MTU, when not 0, is passed to the dind service's dockerd (--mtu):
	// the MTU of the network the runner attaches the service to, where
	// that is below the daemon's default of 1500. dbuilder's sidecars in
	// the job take their MTU from the service's bridge.
	MTU int
	// RegistryMirror, when not "", is passed to the dind service's dockerd
	// (--registry-mirror): a pull-through cache of Docker Hub, as the
	// runner's own daemon may have one that a dind service does not get.
	RegistryMirror string
	// CacheRegistry is the cache registry repository of builder images
	// ("": none), CI variables allowed: an image stage builds each image
	// once and pushes it there, the target jobs pull it (see cache.go).
	CacheRegistry string
	// Release adds a release stage (release.go); nil adds none.
	Release *Release
}

// File is one generated pipeline file.
type File struct {
	Name string // as GitLabOptions.File, or with -N before .yml for a part
	Data []byte
}

// GitLab returns the pipeline for jobs: one file with a job per target,
// or, past MaxJobs, a pipeline that triggers each part as a child
// pipeline, followed by the parts.
func GitLab(jobs []plan.Job, opt GitLabOptions) ([]File, error) {
	if len(jobs) == 0 {
		return nil, errors.New("no targets")
	}
	switch opt.Runner {
	case DinD:
		if opt.Image == "" {
			return nil, errors.New("--runner dind needs --image: the jobs' image, with dbuilder and the docker CLI in it (for example --image registry.example.org/tools/dbuilder:1.0, or --image '$DBUILDER_IMAGE' to take it from a CI/CD variable)")
		}
	case Socket:
	default:
		return nil, fmt.Errorf("unknown runner %q (dind or socket)", opt.Runner)
	}
	if err := checkService(opt); err != nil {
		return nil, err
	}
	if opt.OutputDir == "" {
		opt.OutputDir = "dist"
	}
	if opt.MaxJobs <= 0 {
		opt.MaxJobs = DefaultMaxJobs
	}
	if opt.CacheRegistry != "" {
		if err := CheckCacheRegistry(opt.CacheRegistry); err != nil {
			return nil, err
		}
	}
	if err := releaseFits(jobs, opt); err != nil {
		return nil, err
	}
	if jobCount(jobs, opt) <= opt.MaxJobs {
		doc, err := childPipeline(jobs, opt)
		if err != nil {
			return nil, err
		}
		data, err := encode(doc)
		return []File{{Name: opt.File, Data: data}}, err
	}
	if opt.File == "" || !strings.HasSuffix(opt.File, ".yml") && !strings.HasSuffix(opt.File, ".yaml") {
		return nil, fmt.Errorf("%d targets are more than %d jobs in one pipeline: the pipeline is split into child pipelines, so it must be written to a file: give -o FILE.yml", len(jobs), opt.MaxJobs)
	}
	if opt.MaxJobs < 2 {
		return nil, errors.New("--max-jobs must be at least 2 to split a pipeline")
	}
	return split(jobs, opt)
}

// split cuts jobs into parts of at most MaxJobs jobs, the same size give
// or take one, and adds the pipeline that writes them again and triggers
// each (it has a job per part and one more).
func split(jobs []plan.Job, opt GitLabOptions) ([]File, error) {
	n := (len(jobs) + opt.MaxJobs - 1) / opt.MaxJobs
	for n < len(jobs) && !fits(jobs, n, opt) {
		n++ // image jobs take room too
	}
	if n+1 > opt.MaxJobs {
		return nil, fmt.Errorf("%d targets need %d child pipelines, more than --max-jobs %d trigger jobs", len(jobs), n, opt.MaxJobs)
	}
	var parts []File
	size := (len(jobs) + n - 1) / n
	for i := 0; i*size < len(jobs); i++ {
		chunk := jobs[i*size : min(len(jobs), (i+1)*size)]
		doc, err := childPipeline(chunk, opt)
		if err != nil {
			return nil, err
		}
		data, err := encode(doc)
		if err != nil {
			return nil, err
		}
		parts = append(parts, File{Name: partName(opt.File, i+1), Data: data})
	}
	data, err := encode(fanOut(len(jobs), parts, opt))
	if err != nil {
		return nil, err
	}
	return append([]File{{Name: opt.File, Data: data}}, parts...), nil
}

// fits says whether cutting jobs into n parts gives parts of at most
// MaxJobs jobs each.
func fits(jobs []plan.Job, n int, opt GitLabOptions) bool {
	size := (len(jobs) + n - 1) / n
	for i := 0; i*size < len(jobs); i++ {
		if jobCount(jobs[i*size:min(len(jobs), (i+1)*size)], opt) > opt.MaxJobs {
			return false
		}
	}
	return true
}

// partName is FILE.yml's part i: FILE-i.yml.
func partName(file string, i int) string {
	ext := path.Ext(file)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(file, ext), i, ext)
}

// JobName is the name of a target's job.
func JobName(target string) string { return "build:" + target }

// childPipeline is one job per target (after the image jobs, with a cache
// registry).
func childPipeline(jobs []plan.Job, opt GitLabOptions) (*yaml.Node, error) {
	doc := mapping()
	doc.HeadComment = fmt.Sprintf("Generated by dbuilder ci gitlab (runner: %s); do not edit, generate it again.\n%s", opt.Runner, runnerNote(opt.Runner))
	add(doc, "stages", stages(opt))
	if err := addImageJobs(doc, jobs, opt); err != nil {
		return nil, err
	}
	for _, j := range jobs {
		add(doc, JobName(j.Name()), buildJob(j, opt))
	}
	if opt.Release != nil {
		addRelease(doc, jobs, opt)
	}
	return doc, nil
}

// runnerNote says what the runner setup means, at the top of the file.
func runnerNote(r Runner) string {
	if r == DinD {
		return "Each job gets its own docker:dind service over TCP+TLS: isolated, but every cache starts cold.\n" +
			"The runner must be privileged and share /certs/client with the service (volumes = [\"/certs/client\"])."
	}
	return "Jobs use the runner's host Docker daemon: caches stay warm between pipelines;\n" +
		"dbuilder's locks keep concurrent jobs apart. Run untrusted code on a dedicated host."
}

// buildJob is the job of one target.
func buildJob(j plan.Job, opt GitLabOptions) *yaml.Node {
	out := opt.OutputDir
	// The target's timeout is in the matrix too; given here as well, it
	// reads next to the job's own timeout, which is derived from it.
	cmd := []string{"dbuilder", "build", "-f", opt.MatrixFile, "--distro", j.Name(), "--output", out, "--progress", "plain",
		"--timeout", matrix.FormatTimeout(j.Target.Timeout)}
	job := mapping()
	add(job, "stage", str(Stage))
	if opt.Image != "" {
		add(job, "image", str(opt.Image))
	}
	if len(opt.Tags) > 0 {
		add(job, "tags", seq(opt.Tags...))
	}
	if opt.Runner == DinD {
		add(job, "services", seqNodes(dindService(opt)))
		vars := mapping()
		add(vars, "DOCKER_HOST", str("tcp://docker:2376"))
		add(vars, "DOCKER_TLS_CERTDIR", str("/certs"))
		add(vars, "DOCKER_TLS_VERIFY", str("1"))
		add(vars, "DOCKER_CERT_PATH", str("/certs/client"))
		add(job, "variables", vars)
		// The service's daemon starts empty: build pulls the sidecar image
		// and the base and preload images it needs (--pull missing).
		cmd = append(cmd, "--sidecar-image", "docker:dind")
	}
	add(job, "needs", needsFor(j, opt))
	add(job, "interruptible", boolean(true))
	if t := jobTimeout(j.Target.Timeout); t != "" {
		add(job, "timeout", str(t))
	}
	add(job, "retry", retry())
	if l := login(opt); l != nil {
		add(job, "before_script", l)
	}
	add(job, "script", seq(shellJoin(cmd...)+cacheArg(opt)))
	add(job, "after_script", seq(shellJoin("dbuilder", "gc", "--output", out)))
	arts := mapping()
	add(arts, "when", str("always"))
	add(arts, "paths", seq(out+"/"+j.Name()+"/", out+"/report.json", out+"/junit.xml"))
	reports := mapping()
	add(reports, "junit", str(out+"/junit.xml"))
	add(arts, "reports", reports)
	add(job, "artifacts", arts)
	return job
}

// fanOut writes the parts again (they are artifacts of its first job) and
// triggers each as a child pipeline.
func fanOut(targets int, parts []File, opt GitLabOptions) *yaml.Node {
	doc := mapping()
	doc.HeadComment = fmt.Sprintf("Generated by dbuilder ci gitlab; do not edit, generate it again.\n"+
		"%d targets are more than %d jobs in one pipeline: they run in %d child pipelines,\n"+
		"written again by the first job (the same command, the same files) and triggered by the others.", targets, opt.MaxJobs, len(parts))
	add(doc, "stages", seq(Stage))
	gen := mapping()
	add(gen, "stage", str(Stage))
	if opt.Image != "" {
		add(gen, "image", str(opt.Image))
	}
	if len(opt.Tags) > 0 {
		add(gen, "tags", seq(opt.Tags...))
	}
	add(gen, "needs", seq())
	add(gen, "interruptible", boolean(true))
	add(gen, "script", seq(shellJoin(append(append([]string{}, opt.Regenerate...), "-o", opt.File)...)))
	arts := mapping()
	var names []string
	for _, p := range parts {
		names = append(names, p.Name)
	}
	add(arts, "paths", seq(names...))
	add(gen, "artifacts", arts)
	const genName = "dbuilder:parts"
	add(doc, genName, gen)
	for i, p := range parts {
		inc := mapping()
		add(inc, "artifact", str(p.Name))
		add(inc, "job", str(genName))
		trig := mapping()
		add(trig, "include", seqNodes(inc))
		add(trig, "strategy", str("depend"))
		job := mapping()
		add(job, "stage", str(Stage))
		add(job, "needs", seq(genName))
		add(job, "trigger", trig)
		add(doc, fmt.Sprintf("dbuilder:part-%d", i+1), job)
	}
	return doc
}
