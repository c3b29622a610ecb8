package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

type dockerfileFlags struct {
	matrixFlags
	sidecarImage, platform string
}

func newDockerfileCmd(stdout, stderr io.Writer) *cobra.Command {
	var f dockerfileFlags
	c := &cobra.Command{
		Use:   "dockerfile --distro TARGET [flags]",
		Short: "print the builder image Dockerfile of one target",
		Args:  noArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runDockerfile(c.Context(), f, stdout, stderr) },
	}
	f.add(c, "the one target to show")
	addSidecarImage(c.Flags(), &f.sidecarImage)
	addPlatform(c.Flags(), &f.platform)
	return c
}

// runDockerfile prints the very Dockerfile build uses: both come from
// plan.Resolve with the same sidecar image choice.
func runDockerfile(ctx context.Context, f dockerfileFlags, stdout, stderr io.Writer) error {
	if f.distro == "" {
		return UsageError{errors.New("dockerfile: --distro is required (it must select exactly one target)")}
	}
	_, jobs, err := planFor(ctx, stderr, f.config(stderr, f.sidecarImage), f.platform)
	if err != nil {
		return err
	}
	if len(jobs) != 1 {
		var names []string
		for _, j := range jobs {
			names = append(names, j.Name())
		}
		return UsageError{fmt.Errorf("dockerfile: --distro %q selects %d targets (%s); give one target name",
			f.distro, len(jobs), strings.Join(names, ", "))}
	}
	_, err = stdout.Write(jobs[0].Dockerfile)
	return err
}
