package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/distros"
)

type dockerfileFlags struct {
	file, distro string
}

func init() {
	register(command{name: "dockerfile", summary: "print the builder image Dockerfile of one target", run: runDockerfile})
}

func runDockerfile(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var f dockerfileFlags
	fs := newFlagSet("dockerfile", "dbuilder dockerfile [-f FILE] --distro SEL", stderr)
	fs.StringVar(&f.file, "f", "matrix.yaml", "matrix file")
	fs.StringVar(&f.distro, "distro", "", "the one target to show: name, distro, family or glob")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if f.distro == "" {
		return UsageError{errors.New("dockerfile: --distro is required (it must select exactly one target)")}
	}
	m, targets, err := loadSelected(f.file, f.distro)
	if err != nil {
		return err
	}
	if len(targets) != 1 {
		var names []string
		for _, t := range targets {
			names = append(names, t.Name)
		}
		return UsageError{fmt.Errorf("dockerfile: --distro %q selects %d targets (%s); give one target name",
			f.distro, len(targets), strings.Join(names, ", "))}
	}
	t := targets[0]
	d, fam, ok := distros.Lookup(t.Distro)
	if !ok { // the loader already rejects unknown distros
		return fmt.Errorf("target %s: unknown distro %q", t.Name, t.Distro)
	}
	// The metadata must be there for the Dockerfile to be of any use.
	if _, err := render.ContextFiles(m.SourceDir, fam); err != nil {
		return UsageError{err}
	}
	in := render.Input{Target: t, Distro: d, Family: fam}
	if fam.Format == "rpm" {
		if in.SpecFile, err = render.SpecFile(m.SourceDir, fam); err != nil {
			return UsageError{err}
		}
	}
	if t.Test.Docker {
		in.DockerCLI = render.DockerCLI{Image: sidecar.OwnRef(Version), Path: sidecar.OwnCLIPath}
	}
	var buf bytes.Buffer
	if err := render.Dockerfile(&buf, in); err != nil {
		return UsageError{err}
	}
	_, err = stdout.Write(buf.Bytes())
	return err
}
