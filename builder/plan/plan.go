// Package plan resolves each selected target once into a Job: its distro
// and family, its builder Dockerfile and context, its resource names. Every
// command (build, plan, dockerfile, doctor, cache, and later ci and release)
// takes Jobs; nothing looks a distro up again or finds a spec file a second
// way. It is pure: it reads the source tree but talks to no daemon.
package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/names"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/distros"
)

// Job is one target, resolved.
type Job struct {
	Target     matrix.Target
	Distro     distros.Distro
	Family     distros.Family
	Format     distros.Format // the family's package format
	SourceDir  string
	SpecFile   string            // the spec's name when its format names it after the package (rpm's NAME.spec)
	Context    map[string][]byte // the builder image's build context (package metadata)
	Dockerfile []byte
	ImageTag   string // builder image: repository:hash of Dockerfile and context
	// InputHash is the whole hash of the builder image's Dockerfile and
	// context (ImageTag has its first 12 digits); the image carries it.
	InputHash string
	// CacheTag is the builder image's tag in a cache registry: distro,
	// foreign architecture and hash, since every image shares one
	// repository there.
	CacheTag    string
	Bases       []string // images the Dockerfile builds FROM (their IDs are checked at build time)
	BuildScript []byte   // the family's build script, run in the build container
	// BuildLibs are the scripts it sources from its own directory, by name.
	BuildLibs map[string][]byte
	// VerifyScript is the family's release check (install the packages in
	// a clean container), VerifyLibs the scripts it sources, by name.
	VerifyScript []byte
	VerifyLibs   map[string][]byte
	Names        ident.Target
	// Arch is the target's architecture (Debian's name): the arch axis
	// value, or the endpoint's own when the matrix has none.
	Arch string
	// Platform is Arch under all its names (uname -m, rpm, the image
	// platform), so nothing looks it up again.
	Platform distros.Arch
	// Foreign says Arch is not the endpoint's: the builder image and the
	// build container run that architecture's userland through emulation
	// (the sidecar and the tests' containers stay native).
	Foreign bool
	// Autopkgtest says the package's DEP-8 tests (debian/tests) run
	// against the built packages: test.autopkgtest, where auto means the
	// source declares them.
	Autopkgtest bool
	// InstallTest says the built packages are installed in a clean
	// container of the distro after the build: test.install, where auto
	// means unless the DEP-8 tests run (they install the packages).
	InstallTest bool
	// Sidecar says the target gets its own Docker daemon: test.docker, or
	// DEP-8 tests, whose testbed is a container of that daemon.
	Sidecar bool
}

// Name is the target's name.
func (j Job) Name() string { return j.Target.Name }

// Options are the choices outside the matrix that shape a job.
type Options struct {
	// DockerCLI is where builder images of targets with test.docker copy
	// the docker CLI from: the sidecar image in use.
	DockerCLI render.DockerCLI
	// NativeArch is the endpoint's architecture ("amd64"; "" means amd64):
	// targets of another one build FROM that architecture's base image.
	NativeArch string
}

// Resolve turns the selected targets of m into jobs. Every problem (a
// missing debian/control, two spec files, a link in the source that leads
// out of it) is reported at once.
func Resolve(m *matrix.Matrix, targets []matrix.Target, opt Options) ([]Job, error) {
	reg := m.Registry
	if reg == nil {
		reg = matrix.Builtin()
	}
	var errs []error
	if err := CheckSource(m.SourceDir); err != nil {
		errs = append(errs, err)
	}
	jobs := make([]Job, 0, len(targets))
	for _, t := range targets {
		j, err := resolve(m, reg, t, opt)
		if err != nil {
			errs = append(errs, fmt.Errorf("target %s: %w", t.Name, err))
			continue
		}
		jobs = append(jobs, j)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return jobs, nil
}

func resolve(m *matrix.Matrix, reg matrix.Registry, t matrix.Target, opt Options) (Job, error) {
	d, fam, ok := reg.Lookup(t.Distro)
	if !ok {
		return Job{}, fmt.Errorf("unknown distro %q", t.Distro)
	}
	files, err := render.ContextFiles(m.SourceDir, fam)
	if err != nil {
		return Job{}, err
	}
	j := Job{
		Target: t, Distro: d, Family: fam, SourceDir: m.SourceDir, Context: files,
		Names: ident.ForTarget(m.Name, t.Name),
	}
	if err := j.setArch(t.Axes["arch"], opt.NativeArch); err != nil {
		return Job{}, err
	}
	// Where the base image comes from (images.mirror, images.distros); an
	// image in images.distros is the distro's native one.
	if j.Foreign {
		j.Distro.Image = names.Mirrored(m.Images.Mirror, j.Distro.Image)
	} else {
		j.Distro.Image = m.Images.Base(d.Name, j.Distro.Image)
	}
	d = j.Distro
	format, err := distros.FormatOf(fam)
	if err != nil {
		return Job{}, err
	}
	j.Format = format
	if format.SpecName() != nil {
		if j.SpecFile, err = render.SpecFile(m.SourceDir, fam); err != nil {
			return Job{}, err
		}
	}
	if j.BuildScript, err = distros.Script(fam.BuildScript); err != nil {
		return Job{}, err
	}
	j.BuildLibs = map[string][]byte{}
	for _, lib := range distros.BuildLibraries {
		if j.BuildLibs[lib], err = distros.Script(lib); err != nil {
			return Job{}, err
		}
	}
	if err := j.setVerify(); err != nil {
		return Job{}, err
	}
	if err := j.setPackageTests(); err != nil {
		return Job{}, err
	}
	in := render.Input{Target: t, Distro: d, Family: fam, SpecFile: j.SpecFile}
	j.Bases = []string{d.Image}
	if t.Test.Docker && opt.DockerCLI.Image != "" {
		in.DockerCLI = opt.DockerCLI
		j.Bases = append(j.Bases, opt.DockerCLI.Image)
	}
	var df bytes.Buffer
	if err := render.Dockerfile(&df, in); err != nil {
		return Job{}, err
	}
	j.Dockerfile = df.Bytes()
	foreign := ""
	if j.Foreign {
		foreign = j.Arch
	}
	j.InputHash = contentHash(j.Dockerfile, files)
	j.ImageTag = ident.BuilderRepo(j.Target.Distro, foreign) + ":" + j.InputHash[:12]
	j.CacheTag = ident.BuilderCacheTag(j.Target.Distro, foreign, j.InputHash[:12])
	return j, nil
}

// contentHash covers the Dockerfile and every context file, so any change
// to what the image is built from gives a new tag. The base images' IDs are
// not known here; the image carries them in a label, checked at build time.
func contentHash(dockerfile []byte, files map[string][]byte) string {
	h := sha256.New()
	h.Write(dockerfile)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "\x00%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// setArch records the target's architecture and, for a foreign one, picks
// that architecture's base image.
func (j *Job) setArch(axis, native string) error {
	nat, ok := distros.LookupArch(native)
	if !ok {
		nat, _ = distros.LookupArch("amd64")
	}
	j.Arch, j.Platform = nat.Name, nat
	if axis == "" || axis == nat.Name {
		return nil
	}
	a, ok := distros.LookupArch(axis)
	if !ok {
		return fmt.Errorf("unknown architecture %q (known: %v)", axis, distros.ArchNames())
	}
	img, ok := a.ImageFor(j.Distro.Image)
	if !ok {
		return fmt.Errorf("arch %s: %s is not a Docker official image, so there is no per-architecture repository to take its %s base image from; build %s for %s only, or run this target against a %s daemon",
			a.Name, j.Distro.Image, a.Name, j.Distro.Name, nat.Name, a.Name)
	}
	j.Arch, j.Platform, j.Foreign = a.Name, a, true
	j.Distro.Image = img
	return nil
}

// setVerify reads the family's verify script and its libraries.
func (j *Job) setVerify() error {
	if j.Family.VerifyScript == "" {
		return nil
	}
	var err error
	if j.VerifyScript, err = distros.Script(j.Family.VerifyScript); err != nil {
		return err
	}
	j.VerifyLibs = map[string][]byte{}
	for _, lib := range distros.VerifyLibraries {
		if j.VerifyLibs[lib], err = distros.Script(lib); err != nil {
			return err
		}
	}
	return nil
}
