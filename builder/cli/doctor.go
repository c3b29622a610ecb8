package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/dbuilder/dbuilder/builder/doctor"
	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/pull"
	"github.com/dbuilder/dbuilder/builder/session"
)

type doctorFlags struct {
	matrixFlags
	sidecarImage, pull string
}

func newDoctorCmd(stdout, stderr io.Writer) *cobra.Command {
	var f doctorFlags
	c := &cobra.Command{
		Use:   "doctor [flags]",
		Short: "check that this machine's Docker can run builds",
		Long: `Check that the Docker daemon (DOCKER_HOST) can run dbuilder's builds, and say
how to fix what cannot. With a matrix (the default file is skipped when absent),
the selected targets' base images and architectures are checked too.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runDoctor(c.Context(), c, f, stdout, stderr) },
	}
	f.add(c, "targets to check")
	addSidecarImage(c.Flags(), &f.sidecarImage)
	addPull(c.Flags(), &f.pull)
	return c
}

func runDoctor(ctx context.Context, c *cobra.Command, f doctorFlags, stdout, stderr io.Writer) error {
	policy, err := pull.ParsePolicy(f.pull)
	if err != nil {
		return UsageError{err}
	}
	cfg := f.config(stderr, f.sidecarImage)
	opt := doctor.Options{Version: Version, Sidecar: cfg.Sidecar, Pull: policy}
	explicit := c.Flags().Changed("file") || f.distro != ""
	if _, err := os.Stat(f.file); err != nil && !explicit {
		cfg.File, opt.NeedDocker = "", true
	}

	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var eng engine.Engine
	s, connErr := session.Open(cctx, cfg)
	if connErr != nil && !errors.As(connErr, new(session.ConnectError)) {
		return sessionError(connErr)
	}
	if s != nil {
		defer s.Close()
		eng, opt.Jobs = s.Engine, s.Jobs
		if s.Matrix != nil {
			opt.SidecarBases = sidecarBases(s.Matrix)
		}
	}
	blocked := 0
	for _, c := range doctor.Run(cctx, eng, connErr, opt) {
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
