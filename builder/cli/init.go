package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/names"
	"github.com/dbuilder/dbuilder/distros"
)

type initFlags struct {
	force bool
}

func newInitCmd(stdout, stderr io.Writer) *cobra.Command {
	var f initFlags
	c := &cobra.Command{
		Use:   "init [DIR]",
		Short: "write a matrix.yaml for the package in a directory",
		Args:  maxArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runInit(dir, f, stdout, stderr)
		},
	}
	c.Flags().BoolVar(&f.force, "force", false, "replace an existing DIR/matrix.yaml")
	return c
}

// Distros init picks, newest-supported first, per package format.
var initDistros = map[string][]string{
	"deb": {"debian:bookworm", "debian:trixie", "ubuntu:24.04"},
	"rpm": {"fedora:41", "rockylinux:9"},
}

// initFallbackVersion is written when no usable version was found.
const initFallbackVersion = "0.1.0"

func runInit(dir string, f initFlags, stdout, stderr io.Writer) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return UsageError{fmt.Errorf("init: %s is not a directory", dir)}
	}
	p, err := detect(dir)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if !p.debian && p.spec == "" {
		return UsageError{fmt.Errorf("init: found no debian/control and no *.spec in %s; dbuilder builds packages from one of them", dir)}
	}
	if err := initValues(&p); err != nil {
		return UsageError{fmt.Errorf("init: %w", err)}
	}
	picked, err := pickDistros(p)
	if err != nil {
		return UsageError{fmt.Errorf("init: %w", err)}
	}

	path := filepath.Join(dir, "matrix.yaml")
	text := matrixText(p, picked)
	// What init writes must load: check it before it touches the disk.
	m, err := matrix.Parse(path, []byte(text), nil)
	if err != nil {
		return fmt.Errorf("init: the generated matrix does not load (a bug in dbuilder):\n%w", err)
	}
	if err := writeFileAtomic(path, []byte(text), f.force); err != nil {
		return UsageError{fmt.Errorf("init: %w", err)}
	}
	for _, n := range p.notes {
		fmt.Fprintln(stderr, "dbuilder: note:", n)
	}
	fmt.Fprintf(stdout, "wrote %s: %s %s on %d targets (%s)\n", path, m.Name, m.Version, len(m.Targets), strings.Join(picked, ", "))
	fmt.Fprintf(stdout, "next: dbuilder plan -f %s\n", path)
	return nil
}

// initValues checks the found name and version; a bad version is replaced
// (with a note), a bad name is an error because no guess would be right.
func initValues(p *packaging) error {
	formats := []string{}
	if p.debian {
		formats = append(formats, names.Deb)
	}
	if p.spec != "" {
		formats = append(formats, names.Rpm)
	}
	if p.name == "" {
		return errors.New("found no package name (Source: in debian/control, Name: in the .spec)")
	}
	for _, f := range formats {
		if err := names.SourceName(f, p.name); err != nil {
			return err
		}
	}
	if err := names.Version(p.version); err != nil {
		if p.version != "" {
			p.notes = append(p.notes, fmt.Sprintf("%v; wrote version %s instead, edit it", err, initFallbackVersion))
		} else {
			p.notes = append(p.notes, fmt.Sprintf("found no version; wrote %s, edit it", initFallbackVersion))
		}
		p.version = initFallbackVersion
	}
	return nil
}

// pickDistros chooses the distros for the formats found: the preferred ones
// the registry knows, else its first two of that format.
func pickDistros(p packaging) ([]string, error) {
	var formats []string
	if p.debian {
		formats = append(formats, "deb")
	}
	if p.spec != "" {
		formats = append(formats, "rpm")
	}
	var out []string
	for _, format := range formats {
		var picked []string
		for _, name := range initDistros[format] {
			if _, fam, ok := distros.Lookup(name); ok && fam.Format == format {
				picked = append(picked, name)
			}
		}
		for _, d := range distros.All() {
			if len(picked) >= 2 {
				break
			}
			if _, fam, ok := distros.Lookup(d.Name); ok && !d.TestOnly && fam.Format == format && !slices.Contains(picked, d.Name) {
				picked = append(picked, d.Name)
			}
		}
		if len(picked) == 0 {
			return nil, fmt.Errorf("no known distro builds %s packages", format)
		}
		out = append(out, picked...)
	}
	return out, nil
}
