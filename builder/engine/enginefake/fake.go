// Package enginefake is an in-memory engine.Engine for unit tests of
// orchestration: containers run Behaviors (Go functions) instead of
// processes, images and volumes are map entries, and a sidecar's inner
// daemon is another Fake kept per cache volume, as the real data root is.
// It keeps the daemon's rules that orchestration relies on: names are
// unique (ErrConflict), missing things are ErrNotFound, a volume in use
// cannot be removed, AutoRemove containers go when they exit.
package enginefake

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
)

var _ engine.Engine = (*Fake)(nil)

// Behavior is what a started container does; it returns the exit code.
// stop is closed when the container is stopped, killed or removed.
type Behavior func(c *Container, stop <-chan struct{}) int

// Fake is one in-memory daemon.
type Fake struct {
	mu      sync.Mutex
	name    string
	info    engine.Info
	images  map[string]engine.Image // by ref and by ID
	volumes map[string]engine.Volume
	ctrs    map[string]*Container
	nets    map[string]engine.Network
	seq     int
	inners  map[string]*Fake // inner daemons, by the cache volume that holds their data root
	events  []string

	// OnStart picks a started container's behavior; nil (or a nil result)
	// means the default for its role (see defaultBehavior).
	OnStart func(c *Container) Behavior
	// OnCreate is called as a container is about to be created.
	OnCreate func(spec engine.ContainerSpec)
	// OnExec answers an exec; nil answers 0.
	OnExec func(c *Container, cmd []string) int
	// BuildErr, when set, fails image builds.
	BuildErr error
	// OnBuild, when set, runs as an image build (it may block until ctx
	// ends, as a long build would); an error fails the build.
	OnBuild func(ctx context.Context, req engine.BuildRequest) error
	// RefusePrivileged makes privileged containers fail to start, as on
	// hosts whose capability bounding set lacks CAP_SYS_RESOURCE.
	RefusePrivileged bool
	// OnPull, when set, answers a pull or registry lookup of ref first: a
	// non-nil error fails it (engine.ErrUnreachable, engine.ErrDenied ...).
	OnPull func(ref string) error
	// OnPush, when set, answers a push of ref first, as OnPull a pull.
	OnPush func(ref string) error

	remote map[string]engine.Image // what pulls find, by ref (see AddRemote)
	silent bool                    // pings go unanswered (see SetSilent)
	mtu    int                     // the default bridge's (see SetMTU)
}

// Container is one fake container.
type Container struct {
	ID      string
	Name    string
	Spec    engine.ContainerSpec
	Created time.Time
	Files   map[string][]byte // copied in, by absolute path
	Out     map[string][]byte // what CopyFrom returns, by path relative to the copied directory
	FS      map[string][]byte // other files in the container, by absolute path (CopyFrom returns them)

	f      *Fake
	state  string
	exit   int
	logs   strings.Builder
	stop   chan struct{}
	done   chan struct{}
	stdin  chan struct{} // closed when the attached stdin closes
	ready  chan struct{} // closed when a sidecar's inner daemon answers
	once   sync.Once
	stdinO sync.Once
	readyO sync.Once
}

// New returns an empty daemon named name.
func New(name string) *Fake {
	return &Fake{
		name: name, mtu: 1500, info: engine.Info{ID: "fake-" + name, Name: name, ServerVersion: "fake", OS: "linux", Arch: "x86_64", NCPU: 2},
		images: map[string]engine.Image{}, volumes: map[string]engine.Volume{}, ctrs: map[string]*Container{},
		nets: map[string]engine.Network{}, inners: map[string]*Fake{}, remote: map[string]engine.Image{},
	}
}

// SetArch makes the daemon report arch ("aarch64", "x86_64": what a real
// one says) as its architecture.
func (f *Fake) SetArch(arch string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.info.Arch = arch
}

// AddRemote puts an image in the fake's registry under ref, where ImagePull
// finds it, and returns its ID. Adding it again gives a new ID, as a push
// of a changed image would.
func (f *Fake) AddRemote(ref string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	img := engine.Image{ID: fmt.Sprintf("sha256:remote%04d", f.seq), Tags: []string{ref}, Arch: "amd64", Created: time.Now()}
	f.remote[ref] = img
	return img.ID
}

// AddImage puts an image on the daemon under ref and returns its ID.
func (f *Fake) AddImage(ref string, lb map[string]string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	img := engine.Image{ID: fmt.Sprintf("sha256:%s%04d", f.name, f.seq), Tags: []string{ref}, Labels: lb, Arch: "amd64", Created: time.Now()}
	f.images[ref] = img
	f.images[img.ID] = img
	return img.ID
}

// Log writes a line to the container's output.
func (c *Container) Log(format string, a ...any) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	fmt.Fprintf(&c.logs, format+"\n", a...)
}

// Role is the container's dbuilder role label.
func (c *Container) Role() string { return c.Spec.Labels[labels.Role] }

// Events lists what happened, in order ("create NAME", "remove NAME",
// "load REF", "build TAG", "volume-remove NAME" ...).
func (f *Fake) Events() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.events...)
}

func (f *Fake) event(format string, a ...any) { f.events = append(f.events, fmt.Sprintf(format, a...)) }

// InnerFor returns the inner daemon kept on cache volume vol (made on first use).
func (f *Fake) InnerFor(vol string) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.innerFor(vol)
}

func (f *Fake) innerFor(vol string) *Fake {
	in, ok := f.inners[vol]
	if !ok {
		in = New(f.name + "-inner-" + vol)
		f.inners[vol] = in
	}
	return in
}

// Names lists the names of existing containers, sorted.
func (f *Fake) Names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.ctrs {
		out = append(out, c.Name)
	}
	sort.Strings(out)
	return out
}

// VolumeNames lists existing volumes, sorted.
func (f *Fake) VolumeNames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for n := range f.volumes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ByName returns the container called name, or nil.
func (f *Fake) ByName(name string) *Container {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.ctrs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Kill stops a running container from outside, as `docker kill` would.
func (f *Fake) Kill(id string) {
	f.mu.Lock()
	c := f.ctrs[id]
	f.mu.Unlock()
	if c != nil {
		c.halt()
		<-c.done
	}
}

func (f *Fake) Endpoint() string { return "fake://" + f.name }
func (f *Fake) Close() error     { return nil }

// SetSilent makes pings go unanswered (until their context ends), as a
// daemon stopped with SIGSTOP would; other calls still answer.
func (f *Fake) SetSilent(silent bool) {
	f.mu.Lock()
	f.silent = silent
	f.mu.Unlock()
}

func (f *Fake) Ping(ctx context.Context) error {
	f.mu.Lock()
	silent := f.silent
	f.mu.Unlock()
	if silent {
		<-ctx.Done()
	}
	return ctx.Err()
}

func (f *Fake) Info(ctx context.Context) (engine.Info, error) {
	if err := ctx.Err(); err != nil {
		return engine.Info{}, err
	}
	return f.info, nil
}

func notFound(what string) error { return fmt.Errorf("%s: %w", what, engine.ErrNotFound) }
func conflict(what string) error { return fmt.Errorf("%s: %w", what, engine.ErrConflict) }

// --- images

func (f *Fake) Image(ctx context.Context, ref string) (engine.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	img, ok := f.images[ref]
	if !ok {
		return engine.Image{}, notFound("image " + ref)
	}
	return img, nil
}

// ImagePull copies ref from the fake's registry (see AddRemote).
func (f *Fake) ImagePull(ctx context.Context, ref string, opt engine.PullOptions) error {
	if err := f.ImageInRegistry(ctx, ref); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	img := f.remote[ref]
	f.images[ref], f.images[img.ID] = img, img
	f.event("pull %s", ref)
	if opt.Progress != nil {
		fmt.Fprintf(opt.Progress, "Pulling from %s\nStatus: Downloaded newer image for %s\n", ref, ref)
	}
	return nil
}

func (f *Fake) ImageInRegistry(ctx context.Context, ref string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.OnPull != nil {
		if err := f.OnPull(ref); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.remote[ref]; !ok {
		return notFound("pull " + ref + ": manifest unknown")
	}
	return nil
}

// ImageTag names the image src dst as well.
func (f *Fake) ImageTag(ctx context.Context, src, dst string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	img, ok := f.images[src]
	if !ok {
		return notFound("image " + src)
	}
	f.images[dst] = img
	f.event("tag %s %s", src, dst)
	return nil
}

// ImagePush puts the local image ref in the fake's registry, labels and
// ID as they are, where a pull (of this fake or another, see Remote) finds
// it.
func (f *Fake) ImagePush(ctx context.Context, ref string, opt engine.PushOptions) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.OnPush != nil {
		if err := f.OnPush(ref); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	img, ok := f.images[ref]
	if !ok {
		return notFound("image " + ref)
	}
	f.remote[ref] = img
	f.event("push %s", ref)
	return nil
}

// Remote returns what the fake's registry holds under ref.
func (f *Fake) Remote(ref string) (engine.Image, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	img, ok := f.remote[ref]
	return img, ok
}

// ShareRegistry makes f's registry other's: what one pushes, the other
// pulls, as two daemons with one registry. Use them one after the other:
// each guards the shared registry with its own lock.
func (f *Fake) ShareRegistry(other *Fake) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.remote = other.remote
}

// ImageSave streams "ref id" lines: the only thing ImageLoad needs.
func (f *Fake) ImageSave(ctx context.Context, refs []string) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, r := range refs {
		img, ok := f.images[r]
		if !ok {
			return nil, notFound("image " + r)
		}
		fmt.Fprintf(&b, "%s %s\n", r, img.ID)
	}
	return io.NopCloser(strings.NewReader(b.String())), nil
}

func (f *Fake) ImageLoad(ctx context.Context, tar io.Reader) error {
	sc := bufio.NewScanner(tar)
	f.mu.Lock()
	defer f.mu.Unlock()
	for sc.Scan() {
		ref, id, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			return errors.New("load images: not a fake image stream")
		}
		img := engine.Image{ID: id, Tags: []string{ref}, Arch: "amd64"}
		f.images[ref], f.images[id] = img, img
		f.event("load %s", ref)
	}
	return sc.Err()
}

func (f *Fake) ImageRemove(ctx context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.images, ref)
	return nil
}

func (f *Fake) ImageList(ctx context.Context, lb map[string]string) ([]engine.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Image
	seen := map[string]bool{}
	for _, img := range f.images {
		if !seen[img.ID] && matches(img.Labels, lb) {
			seen[img.ID] = true
			out = append(out, img)
		}
	}
	return out, nil
}

func (f *Fake) Build(ctx context.Context, req engine.BuildRequest) error {
	if f.BuildErr != nil {
		return f.BuildErr
	}
	if f.OnBuild != nil {
		if err := f.OnBuild(ctx, req); err != nil {
			return err
		}
	}
	f.AddImage(req.Tag, req.Labels)
	f.mu.Lock()
	f.event("build %s", req.Tag)
	f.mu.Unlock()
	return nil
}

// --- volumes

func (f *Fake) VolumeCreate(ctx context.Context, name string, lb map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.volumes[name]; !ok {
		f.volumes[name] = engine.Volume{Name: name, Labels: lb, CreatedAt: time.Now().Format(time.RFC3339)}
	}
	return nil
}

func (f *Fake) VolumeRemove(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.ctrs {
		for _, m := range c.Spec.Mounts {
			if m.Type == "volume" && m.Source == name {
				return fmt.Errorf("remove volume %s: volume is in use by %s", name, c.Name)
			}
		}
	}
	if _, ok := f.volumes[name]; ok {
		f.event("volume-remove %s", name)
	}
	delete(f.volumes, name)
	return nil
}

func (f *Fake) VolumeList(ctx context.Context, lb map[string]string) ([]engine.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Volume
	for _, v := range f.volumes {
		if matches(v.Labels, lb) {
			out = append(out, v)
		}
	}
	return out, nil
}

func matches(have, want map[string]string) bool {
	for k, v := range want {
		got, ok := have[k]
		if !ok || (v != "" && got != v) {
			return false
		}
	}
	return true
}
