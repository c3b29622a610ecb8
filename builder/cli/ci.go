package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dbuilder/dbuilder/builder/ci"
)

type ciFlags struct {
	file, distro, runner, image, tags, output, pipeline string
	maxJobs                                             int
}

func init() {
	register(command{name: "ci", summary: "write a CI pipeline with a job per target (ci gitlab)", run: runCI})
}

const ciUsage = "dbuilder ci gitlab [-f FILE] [--distro SEL] [--runner dind|socket] [--image IMG] [--tags T,...] [--max-jobs N] [--output DIR] [-o PIPELINE.yml]"

func runCI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "gitlab" {
		return UsageError{fmt.Errorf("usage: %s", ciUsage)}
	}
	var f ciFlags
	fs := newFlagSet("ci gitlab", ciUsage, stderr)
	fs.StringVar(&f.file, "f", "matrix.yaml", "matrix file, as the jobs will name it (relative to the project directory)")
	fs.StringVar(&f.distro, "distro", "", "targets to include: name, distro, family or glob (comma-separated)")
	fs.StringVar(&f.runner, "runner", string(ci.DinD), "dind: a docker:dind service per job (TCP+TLS); socket: the runner's host daemon")
	fs.StringVar(&f.image, "image", "", "the jobs' image, with dbuilder (and for dind the docker CLI); socket without one runs on a shell executor")
	fs.StringVar(&f.tags, "tags", "", "runner tags for every job (comma-separated)")
	fs.IntVar(&f.maxJobs, "max-jobs", ci.DefaultMaxJobs, "jobs in one pipeline at most; a larger matrix is split into child pipelines (needs -o)")
	fs.StringVar(&f.output, "output", "dist", "the jobs' dbuilder build --output")
	fs.StringVar(&f.pipeline, "o", "", "write the pipeline to this file (and a split one's parts next to it) instead of stdout")
	if err := parseFlags(fs, args[1:], 0); err != nil {
		return err
	}
	if f.maxJobs < 1 {
		return UsageError{fmt.Errorf("--max-jobs must be at least 1, got %d", f.maxJobs)}
	}
	if filepath.IsAbs(f.file) {
		return UsageError{fmt.Errorf("-f %s: give the matrix file relative to the project directory, as the CI jobs will see it", f.file)}
	}
	_, jobs, err := loadJobs(f.file, f.distro, sidecarImage(""))
	if err != nil {
		return err
	}
	opt := ci.GitLabOptions{
		MatrixFile: filepath.ToSlash(f.file), Runner: ci.Runner(f.runner), Image: f.image, OutputDir: f.output,
		MaxJobs: f.maxJobs, File: filepath.ToSlash(f.pipeline), Regenerate: regenerate(f),
	}
	if f.tags != "" {
		opt.Tags = strings.Split(f.tags, ",")
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
	return args
}
