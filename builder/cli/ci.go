package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dbuilder/dbuilder/builder/ci"
)

type ciFlags struct {
	file, distro, runner, image, tags, output, pipeline, platform string
	maxJobs, mtu                                                  int
	cacheRegistry, registryMirror                                 string
	release, pages                                                bool
}

func newCICmd(stdout, stderr io.Writer) *cobra.Command {
	c := group("ci SYSTEM", "write a CI pipeline with a job per target (ci gitlab)",
		"dbuilder ci gitlab [flags] (see 'dbuilder ci gitlab --help')")
	c.AddCommand(newGitLabCmd(stdout, stderr))
	return c
}

func newGitLabCmd(stdout, stderr io.Writer) *cobra.Command {
	var f ciFlags
	c := &cobra.Command{
		Use:   "gitlab [flags]",
		Short: "write a GitLab CI child pipeline with a job per target",
		Args:  noArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runGitLab(c.Context(), f, stdout, stderr) },
	}
	fs := c.Flags()
	fs.StringVarP(&f.file, "file", "f", "matrix.yaml", "the matrix `FILE`, as the jobs will name it (relative to the project directory)")
	addDistro(fs, &f.distro, "targets to include")
	fs.StringVar(&f.runner, "runner", string(ci.DinD), "dind: a docker:dind service per job (TCP+TLS); socket: the runner's host daemon")
	fs.StringVar(&f.image, "image", "", "the jobs' image, with dbuilder (and for dind the docker CLI); socket without one runs on a shell executor")
	fs.StringVar(&f.tags, "tags", "", "runner tags for every job (comma-separated)")
	fs.IntVar(&f.maxJobs, "max-jobs", ci.DefaultMaxJobs, "jobs in one pipeline at most; a larger matrix is split into child pipelines (needs -o)")
	addOutput(fs, &f.output, "the jobs' dbuilder build --output `DIR`")
	fs.StringVarP(&f.pipeline, "pipeline", "o", "", "write the pipeline to this `FILE` (and a split one's parts next to it) instead of stdout")
	fs.IntVar(&f.mtu, "mtu", 0, "dind: the service daemon's MTU (--mtu), for runners whose network is below 1500 (GitLab.com's hosted runners: 1360); 0 leaves the default")
	fs.StringVar(&f.registryMirror, "registry-mirror", "", "dind: a Docker Hub pull-through cache for the service daemon (`URL`, its --registry-mirror); a path prefix such as the dependency proxy goes to DBUILDER_MIRROR")
	addPlatform(fs, &f.platform)
	addCICacheRegistry(fs, &f.cacheRegistry)
	fs.BoolVar(&f.release, "release", false, "add a release stage: on tags, dbuilder release on every build job's packages, signed with the key in the File variable "+ci.SigningKeyVar+"; the repository is its artifact")
	fs.BoolVar(&f.pages, "pages", false, "with --release, also publish the repository as the project's GitLab Pages site (a pages job)")
	completeDistro(c)
	return c
}

func runGitLab(ctx context.Context, f ciFlags, stdout, stderr io.Writer) error {
	if f.maxJobs < 1 {
		return UsageError{fmt.Errorf("--max-jobs must be at least 1, got %d", f.maxJobs)}
	}
	if f.cacheRegistry != "" {
		if err := ci.CheckCacheRegistry(f.cacheRegistry); err != nil {
			return UsageError{fmt.Errorf("--cache-registry: %w", err)}
		}
	}
	if f.pages && !f.release {
		return UsageError{fmt.Errorf("--pages publishes the release stage's repository: it needs --release")}
	}
	if filepath.IsAbs(f.file) {
		return UsageError{fmt.Errorf("-f %s: give the matrix file relative to the project directory, as the CI jobs will see it", f.file)}
	}
	cfg := config(stderr, f.file, f.distro, "", "")
	cfg.Mirror = "" // the jobs' own environment picks the mirror
	_, jobs, err := planFor(ctx, stderr, cfg, f.platform)
	if err != nil {
		return err
	}
	opt := ci.GitLabOptions{
		MatrixFile: filepath.ToSlash(f.file), Runner: ci.Runner(f.runner), Image: f.image, OutputDir: f.output,
		MaxJobs: f.maxJobs, File: filepath.ToSlash(f.pipeline), Regenerate: regenerate(f), CacheRegistry: f.cacheRegistry,
		MTU: f.mtu, RegistryMirror: f.registryMirror,
	}
	if f.tags != "" {
		opt.Tags = strings.Split(f.tags, ",")
	}
	if f.release {
		opt.Release = &ci.Release{Pages: f.pages}
	}
	files, err := ci.GitLab(jobs, opt)
	if err != nil {
		return UsageError{err}
	}
	if f.pipeline == "" {
		_, err := stdout.Write(files[0].Data)
		return err
	}
	for _, file := range files {
		if err := os.MkdirAll(filepath.Dir(file.Name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(file.Name, file.Data, 0o644); err != nil {
			return err
		}
	}
	if len(files) > 1 {
		fmt.Fprintf(stderr, "dbuilder: %d targets split into %d child pipelines: wrote %s and its parts\n", len(jobs), len(files)-1, f.pipeline)
	}
	return nil
}

// regenerate is the command a split pipeline's first job runs to write
// the same parts again (without -o, which it adds).
func regenerate(f ciFlags) []string {
	args := []string{"dbuilder", "ci", "gitlab", "-f", filepath.ToSlash(f.file)}
	if f.distro != "" {
		args = append(args, "--distro", f.distro)
	}
	args = append(args, "--runner", f.runner)
	if f.image != "" {
		args = append(args, "--image", f.image)
	}
	if f.tags != "" {
		args = append(args, "--tags", f.tags)
	}
	if f.maxJobs != ci.DefaultMaxJobs {
		args = append(args, "--max-jobs", strconv.Itoa(f.maxJobs))
	}
	if f.output != "dist" {
		args = append(args, "--output", f.output)
	}
	if f.platform != "" {
		args = append(args, "--platform", f.platform)
	}
	if f.cacheRegistry != "" {
		args = append(args, "--cache-registry="+f.cacheRegistry)
	}
	if f.mtu != 0 {
		args = append(args, "--mtu", strconv.Itoa(f.mtu))
	}
	if f.registryMirror != "" {
		args = append(args, "--registry-mirror", f.registryMirror)
	}
	return args
}
