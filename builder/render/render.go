// Package render turns a target and its distro into the builder image's
// Dockerfile. It is pure: the same input always gives the same bytes.
package render

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/template"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/distros"
)

// DockerCLI says where the docker CLI for tests comes from: a file in an
// image, copied to /usr/local/bin/docker. An empty Image means no CLI.
type DockerCLI struct {
	Image string // "dbuilder/dind:0.1.0"
	Path  string // "/usr/bin/docker"
}

// Input is everything a builder Dockerfile depends on.
type Input struct {
	Target    matrix.Target
	Distro    distros.Distro
	Family    distros.Family
	DockerCLI DockerCLI // used when Target.Test.Docker is set
	SpecFile  string    // base name of the package's .spec (rpm families)
}

// view is what templates see: validated, sorted, nothing else.
type view struct {
	Target, Distro, Family, Image string
	Toolchain, Repos, Deps        []string
	SpecFile                      string
	DockerCLI                     *DockerCLI
	User                          distros.User // the build user (distros.BuildUser)
	Labels                        []label
}

type label struct{ Key, Value string }

var funcs = template.FuncMap{"words": words}

// Dockerfile validates in and writes its builder Dockerfile to w. On error
// nothing is written.
func Dockerfile(w io.Writer, in Input) error {
	v, err := newView(in)
	if err != nil {
		return fmt.Errorf("dockerfile for target %q: %w", in.Target.Name, err)
	}
	common, err := distros.Template(distros.CommonTemplate)
	if err != nil {
		return err
	}
	body, err := distros.Template(in.Family.Template)
	if err != nil {
		return fmt.Errorf("family %s: %w", in.Family.Name, err)
	}
	t, err := template.New(in.Family.Template).Funcs(funcs).Option("missingkey=error").Parse(common)
	if err == nil {
		_, err = t.Parse(body)
	}
	if err != nil {
		return fmt.Errorf("template %s: %w", in.Family.Template, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("template %s: %w", in.Family.Template, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func newView(in Input) (view, error) {
	if err := check(in); err != nil {
		return view{}, err
	}
	v := view{
		Target:    in.Target.Name,
		Distro:    in.Distro.Name,
		Family:    in.Family.Name,
		Image:     in.Distro.Image,
		Toolchain: sortedSet(in.Family.Toolchain, in.Distro.Tools),
		Repos:     in.Distro.Repos, // order may matter to the package manager: kept
		Deps:      sortedSet(deps(in)),
		SpecFile:  in.SpecFile,
		User:      distros.BuildUser,
		Labels:    sortedLabels(ident.BuilderImageLabels(in.Distro.Name)),
	}
	if in.Target.Test.Docker && in.DockerCLI.Image != "" {
		cli := in.DockerCLI
		v.DockerCLI = &cli
	}
	return v, nil
}

// deps returns the build.deps list the family's image installs (not always
// the package format's: rpm-on-debian installs the deb list).
func deps(in Input) []string { return in.Target.Build.Deps.For(in.Family.Deps()) }

// sortedLabels lists a label set by key, so the Dockerfile is the same
// bytes every time.
func sortedLabels(m map[string]string) []label {
	out := make([]label, 0, len(m))
	for k, v := range m {
		out = append(out, label{k, v})
	}
	slices.SortFunc(out, func(a, b label) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// sortedSet merges lists into one sorted list without duplicates, so the
// order a matrix gives does not change the image (or its cache key).
func sortedSet(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// words joins shell words, single-quoting those with characters a shell
// would read ("pkgconfig(zlib)"). Values were checked to hold no quote.
func words(v any) string {
	var list []string
	switch v := v.(type) {
	case string:
		list = []string{v}
	case []string:
		list = v
	}
	out := make([]string, len(list))
	for i, s := range list {
		if strings.ContainsFunc(s, func(r rune) bool { return !strings.ContainsRune(plainChars, r) }) {
			s = "'" + s + "'"
		}
		out[i] = s
	}
	return strings.Join(out, " ")
}

const plainChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-:/=@%,"
