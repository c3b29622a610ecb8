package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dbuilder/dbuilder/builder/doctor"
	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/pull"
)

func init() {
	register(command{name: "doctor", summary: "check that this machine's Docker can run builds", run: runDoctor})
}

// dial connects to the daemon; tests replace it with a fake.
var dial = func(ctx context.Context, stderr io.Writer) (engine.Engine, error) {
	eng, err := connect(ctx, stderr)
	if err != nil {
		return nil, err
	}
	return eng, nil
}

func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("doctor", "dbuilder doctor [-f FILE] [--distro SEL] [--sidecar-image REF] [--pull POLICY] [--mirror PREFIX]", stderr)
	file := fs.String("f", "matrix.yaml", "matrix whose targets' base images to check (skipped when the default file is absent)")
	sel := fs.String("distro", "", "only these targets")
	sidecarRef := fs.String("sidecar-image", "", "as for build")
	pullFlag := fs.String("pull", "missing", "as for build: with missing or always, images the daemon lacks are looked up in their registries")
	mirror := fs.String("mirror", "", mirrorUsage)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	policy, err := pull.ParsePolicy(*pullFlag)
	if err != nil {
		return UsageError{err}
	}
	opt := doctor.Options{Version: Version, Sidecar: sidecarImage(*sidecarRef), Pull: policy}
	explicit := fs.Lookup("f").Value.String() != "matrix.yaml" || *sel != ""
	if _, err := os.Stat(*file); err == nil || explicit {
		m, jobs, err := loadJobsWith(*file, *sel, opt.Sidecar, *mirror)
		if err != nil {
			return err
		}
		opt.Jobs, opt.SidecarBases = jobs, sidecarBases(m)
	} else {
		opt.NeedDocker = true
	}

	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	eng, connErr := dial(cctx, stderr)
	if eng != nil {
		defer eng.Close()
	}
	checks := doctor.Run(cctx, eng, connErr, opt)
	blocked := 0
	for _, c := range checks {
		mark := "✓"
		if !c.OK {
			mark = "✗"
			if c.Blocking {
				blocked++
			}
		}
		fmt.Fprintf(stdout, "%s %-14s %s\n", mark, c.Name, c.Detail)
		if !c.OK && c.Fix != "" {
			fmt.Fprintf(stdout, "  %-14s fix: %s\n", "", c.Fix)
		}
	}
	if blocked > 0 {
		return FailedError{fmt.Sprintf("doctor: %d problem(s) block builds", blocked)}
	}
	return nil
}
