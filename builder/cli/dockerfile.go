package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

type dockerfileFlags struct {
	file, distro, sidecarImage, mirror string
}

func init() {
	register(command{name: "dockerfile", summary: "print the builder image Dockerfile of one target", run: runDockerfile})
}

// runDockerfile prints the very Dockerfile build uses: both come from
// plan.Resolve with the same sidecar image choice.
func runDockerfile(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var f dockerfileFlags
	fs := newFlagSet("dockerfile", "dbuilder dockerfile [-f FILE] --distro SEL [--sidecar-image REF] [--mirror PREFIX]", stderr)
	fs.StringVar(&f.file, "f", "matrix.yaml", "matrix file")
	fs.StringVar(&f.distro, "distro", "", "the one target to show: name, distro, family or glob")
	fs.StringVar(&f.sidecarImage, "sidecar-image", "", "as for build")
	fs.StringVar(&f.mirror, "mirror", "", mirrorUsage)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if f.distro == "" {
		return UsageError{errors.New("dockerfile: --distro is required (it must select exactly one target)")}
	}
	_, jobs, err := loadJobsWith(f.file, f.distro, sidecarImage(f.sidecarImage), f.mirror)
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
