package run

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// buildContainer runs the build and tests in a container of the builder
// image on the host daemon, in the sidecar's network namespace with
// DOCKER_HOST at the inner daemon, and copies OutDir into the staging
// directory. Files move through the Engine API both ways (no bind mounts),
// so this works against a remote daemon too.
func (r *runner) buildContainer(ctx context.Context, j plan.Job, sc *sidecar.Sidecar, log *targetLog, stageDir string, res *report.Result) ([]string, error) {
	nonce := newNonce()
	l := r.layout()
	env := []string{
		"DBUILDER_ROOT=" + l.root(),
		"PARALLEL=" + strconv.Itoa(r.parallel),
		"DBUILDER_TARGET=" + j.Name(), "DBUILDER_DISTRO=" + j.Target.Distro,
	}
	env = append(env, j.Family.BuildEnv...)
	if r.opt.Vary != nil {
		env = append(env, r.opt.Vary.Env...)
	}
	spec := engine.ContainerSpec{
		Name: r.run.Build(j.Names), Image: j.ImageTag, WorkingDir: l.root(),
		Cmd:      []string{"sh", "-e", l.scripts() + "/run.sh"},
		Labels:   r.run.Labels(labels.RoleBuild, j.Names),
		NanoCPUs: r.opt.NanoCPUs, Memory: r.opt.Memory,
	}
	if sc != nil {
		spec.NetworkMode = "container:" + sc.ID
		spec.Mounts = []engine.Mount{{Type: "volume", Source: sc.Socket, Target: sidecar.SocketDir}}
		env = append(env, "DOCKER_HOST="+sidecar.Host)
	}
	kept := ident.Kept(r.run.Version)
	if r.opt.CCache {
		if err := r.eng.VolumeCreate(ctx, j.Names.CCache, kept.Labels(labels.RoleCCache, j.Names)); err != nil {
			return nil, err
		}
		spec.Mounts = append(spec.Mounts, engine.Mount{Type: "volume", Source: j.Names.CCache, Target: l.ccache()})
		env = append(env, "CCACHE_DIR="+l.ccache())
	}
	if r.opt.Incremental {
		if err := r.eng.VolumeCreate(ctx, j.Names.Work, kept.Labels(labels.RoleWork, j.Names)); err != nil {
			return nil, err
		}
		spec.Mounts = append(spec.Mounts, engine.Mount{Type: "volume", Source: j.Names.Work, Target: l.work()})
		env = append(env, "DBUILDER_INCREMENTAL=1")
		// One build at a time on a kept tree: the container's name is the lock.
		spec.Name = j.Names.WorkLock
	}
	spec.Env = env

	log.SetStep(StepBuild)
	id, err := r.createBuild(ctx, spec, log)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := engine.RemoveContainer(r.eng, id); err != nil {
			log.Printf("dbuilder: cleanup: %v", err)
		}
	}()
	if err := r.copySource(ctx, id, j, nonce); err != nil {
		return nil, err
	}
	log.Expect(markerPrefix(nonce))
	if err := r.eng.ContainerStart(ctx, id); err != nil {
		return nil, err
	}
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		r.eng.ContainerLogs(ctx, id, true, "all", log)
	}()
	code, err := r.eng.ContainerWait(ctx, id)
	if err != nil {
		return nil, err
	}
	<-logsDone
	log.Flush()
	if fig := log.Figures(); fig != "" {
		res.Resources = &report.Resources{Build: buildUsage(fig)}
	}
	step, known := failedStep(code)
	if code != 0 && known {
		// The reports of a failed build or test are the ones that matter.
		res.Reports = r.collectReports(ctx, id, j.Target.Test.Reports, stageDir, log)
	}
	if code != 0 {
		res.Step = step
		msg := fmt.Sprintf("%s step failed", step)
		if !known {
			msg = fmt.Sprintf("the build container failed before the build began (exit code %d)", code)
		}
		if sc != nil && !sc.Alive(ctx) {
			msg += "; the target's sidecar daemon died" + sc.LogTail(ctx, 15)
		}
		return nil, fmt.Errorf("%s", msg)
	}
	log.SetStep(StepCollect)
	files, err := r.collect(ctx, id, l.out(), stageDir)
	if err == nil {
		res.Reports = r.collectReports(ctx, id, j.Target.Test.Reports, stageDir, log)
	}
	return files, err
}

// layout is where this run's builds happen: Root, or the variation's root.
func (r *runner) layout() layout {
	if r.opt.Vary != nil && r.opt.Vary.Root != "" {
		return layout(r.opt.Vary.Root)
	}
	return layout(Root)
}

// createBuild creates the build container; an --incremental one waits for
// another build of the same target that holds its kept tree.
func (r *runner) createBuild(ctx context.Context, spec engine.ContainerSpec, log *targetLog) (string, error) {
	if !r.opt.Incremental {
		return engine.Create(ctx, r.eng, spec)
	}
	return engine.CreateLocked(ctx, r.eng, spec, r.live.Alive,
		func(run string) {
			log.Printf("dbuilder: the kept tree is in use by run %s; waiting for it to finish", run)
		},
		func(run string) {
			log.Printf("dbuilder: removing the build container of run %s, which no longer exists", run)
		})
}

// copySource streams the source tree and dbuilder's scripts into the
// build's root.
func (r *runner) copySource(ctx context.Context, id string, j plan.Job, nonce string) error {
	pr, pw := io.Pipe()
	skip := r.skipDir(j)
	go func() {
		tw := tar.NewWriter(pw)
		err := writeTree(tw, j.SourceDir, "src", skip)
		if err == nil {
			umask := ""
			if r.opt.Vary != nil {
				umask = r.opt.Vary.Umask
			}
			err = writeFile(tw, "dbuilder/run.sh", 0o755, r.layout().runScript(nonce, umask, usersOf(j.Target)))
		}
		if err == nil {
			err = writeFile(tw, "dbuilder/build.sh", 0o755, j.BuildScript)
		}
		for _, lib := range sortedKeys(j.BuildLibs) {
			if err == nil {
				err = writeFile(tw, "dbuilder/"+lib, 0o644, j.BuildLibs[lib])
			}
		}
		if err == nil {
			err = writeFile(tw, "dbuilder/test.sh", 0o755, testScript(j.Target.Test.Command))
		}
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	err := r.eng.CopyTo(ctx, id, r.layout().root(), pr)
	pr.CloseWithError(err)
	if err != nil {
		return fmt.Errorf("copy source into the build container: %w", err)
	}
	return nil
}

// collect copies the build's out directory from the container into the
// staging directory.
func (r *runner) collect(ctx context.Context, id, outDir, stageDir string) ([]string, error) {
	rc, err := r.eng.CopyFrom(ctx, id, outDir)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	files, err := artifacts.Extract(rc, stageDir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("the build left no files in %s", outDir)
	}
	return files, nil
}

// testScript is the user's test.command as a file; empty when there is none.
func testScript(cmd string) []byte {
	if strings.TrimSpace(cmd) == "" {
		return nil
	}
	return []byte(strings.TrimRight(cmd, "\n") + "\n")
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
