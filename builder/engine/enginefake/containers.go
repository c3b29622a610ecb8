package enginefake

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// ContainerCreate creates the container and only then looks at ctx, as a
// real daemon may: a cancelled create can leave a container whose ID the
// caller never learns.
func (f *Fake) ContainerCreate(ctx context.Context, s engine.ContainerSpec) (string, error) {
	if f.OnCreate != nil {
		f.OnCreate(s)
	}
	id, err := f.create(s)
	if err == nil && ctx.Err() != nil {
		return "", ctx.Err()
	}
	return id, err
}

func (f *Fake) create(s engine.ContainerSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.images[s.Image]; !ok {
		return "", notFound("image " + s.Image)
	}
	if s.Name != "" {
		for _, c := range f.ctrs {
			if c.Name == s.Name {
				return "", conflict("container name " + s.Name + " is already in use")
			}
		}
	}
	f.seq++
	id := fmt.Sprintf("%s%060d", "c", f.seq)
	name := s.Name
	if name == "" {
		name = "anon-" + id[len(id)-6:]
	}
	for _, m := range s.Mounts {
		if m.Type == "volume" {
			if _, ok := f.volumes[m.Source]; !ok {
				f.volumes[m.Source] = engine.Volume{Name: m.Source}
			}
		}
	}
	f.ctrs[id] = &Container{ID: id, Name: name, Spec: s, Created: time.Now(), Files: map[string][]byte{}, Out: map[string][]byte{}, FS: map[string][]byte{},
		f: f, state: "created", stop: make(chan struct{}), done: make(chan struct{}), stdin: make(chan struct{}), ready: make(chan struct{})}
	f.event("create %s", name)
	return id, nil
}

func (f *Fake) get(id string) (*Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.ctrs[id]; ok {
		return c, nil
	}
	for _, c := range f.ctrs {
		if c.Name == id {
			return c, nil
		}
	}
	return nil, notFound("container " + id)
}

func (f *Fake) ContainerStart(ctx context.Context, id string) error {
	c, err := f.get(id)
	if err != nil {
		return err
	}
	if f.RefusePrivileged && c.Spec.Privileged {
		return fmt.Errorf("start container: runc create failed: unable to start container process: unable to apply caps: operation not permitted")
	}
	var b Behavior
	if f.OnStart != nil {
		b = f.OnStart(c)
	}
	if b == nil {
		b = defaultBehavior(c)
	}
	f.mu.Lock()
	c.state = "running"
	f.event("start %s", c.Name)
	f.mu.Unlock()
	go func() {
		code := b(c, c.stop)
		f.mu.Lock()
		c.state, c.exit = "exited", code
		if c.Spec.AutoRemove {
			delete(f.ctrs, c.ID)
			f.event("autoremove %s", c.Name)
		}
		f.mu.Unlock()
		close(c.done)
	}()
	return nil
}

// defaultBehavior: anchors run until their stdin closes, sidecars until
// stopped, everything else exits 0 at once.
func defaultBehavior(c *Container) Behavior {
	switch c.Role() {
	case labels.RoleAnchor:
		return func(c *Container, stop <-chan struct{}) int {
			select {
			case <-c.stdin:
			case <-stop:
			}
			return 0
		}
	case labels.RoleSidecar:
		return func(c *Container, stop <-chan struct{}) int { c.Ready(); <-stop; return 0 }
	}
	return func(*Container, <-chan struct{}) int { return 0 }
}

// halt makes a running behavior return.
func (c *Container) halt() { c.once.Do(func() { close(c.stop) }) }

func (f *Fake) ContainerWait(ctx context.Context, id string) (int, error) {
	c, err := f.get(id)
	if err != nil {
		return -1, err
	}
	select {
	case <-c.done:
		f.mu.Lock()
		defer f.mu.Unlock()
		return c.exit, nil
	case <-ctx.Done():
		return -1, ctx.Err()
	}
}

func (f *Fake) ContainerLogs(ctx context.Context, id string, follow bool, tail string, w io.Writer) error {
	c, err := f.get(id)
	if err != nil {
		return err
	}
	sent := 0
	more := func() error { // writes what was logged since the last call
		f.mu.Lock()
		s := c.logs.String()[sent:]
		f.mu.Unlock()
		sent += len(s)
		_, err := io.WriteString(w, s)
		return err
	}
	// Following streams as it comes, as the daemon does: what a container
	// logged before a timeout or an interrupt has been read by then.
	for follow {
		select {
		case <-c.done:
			follow = false
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
			if err := more(); err != nil {
				return err
			}
		}
	}
	return more()
}

// stopped stops c if it runs and waits until it has.
func (f *Fake) stopped(c *Container) {
	f.mu.Lock()
	running := c.state == "running"
	f.mu.Unlock()
	if running {
		c.halt()
		<-c.done
	}
}

func (f *Fake) ContainerStop(ctx context.Context, id string, timeout time.Duration) error {
	if c, err := f.get(id); err == nil {
		f.stopped(c)
	}
	return nil
}

func (f *Fake) ContainerRemove(ctx context.Context, id string) error {
	c, err := f.get(id)
	if err != nil {
		return nil
	}
	f.stopped(c)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ctrs[c.ID]; ok {
		delete(f.ctrs, c.ID)
		f.event("remove %s", c.Name)
	}
	return nil
}

func (f *Fake) ContainerInspect(ctx context.Context, id string) (engine.Container, error) {
	c, err := f.get(id)
	if err != nil {
		return engine.Container{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return c.view(), nil
}

func (c *Container) view() engine.Container {
	var vols []string
	for _, m := range c.Spec.Mounts {
		if m.Type == "volume" {
			vols = append(vols, m.Source)
		}
	}
	return engine.Container{ID: c.ID, Name: c.Name, Image: c.Spec.Image, Labels: c.Spec.Labels,
		State: c.state, Running: c.state == "running", Created: c.Created, Volumes: vols}
}

func (f *Fake) ContainerList(ctx context.Context, lb map[string]string) ([]engine.Container, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Container
	for _, c := range f.ctrs {
		if matches(c.Spec.Labels, lb) {
			out = append(out, c.view())
		}
	}
	return out, nil
}

// stdinWriter discards what it is given; closing it is the anchor's EOF.
type stdinWriter struct{ c *Container }

func (w stdinWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w stdinWriter) Close() error {
	w.c.stdinO.Do(func() { close(w.c.stdin) })
	return nil
}

func (f *Fake) ContainerAttachStdin(ctx context.Context, id string) (io.WriteCloser, error) {
	c, err := f.get(id)
	if err != nil {
		return nil, err
	}
	return stdinWriter{c}, nil
}

func (f *Fake) Exec(ctx context.Context, id string, cmd []string, stdin io.Reader, out io.Writer) (int, error) {
	c, err := f.get(id)
	if err != nil {
		return -1, err
	}
	f.mu.Lock()
	running := c.state == "running"
	f.mu.Unlock()
	if !running {
		return -1, fmt.Errorf("exec in %s: container is not running", c.Name)
	}
	if stdin != nil {
		io.Copy(io.Discard, stdin)
	}
	if f.OnExec != nil {
		return f.OnExec(c, cmd), nil
	}
	return 0, nil
}

// CopyTo unpacks a tar stream into c.Files under dir.
func (f *Fake) CopyTo(ctx context.Context, id, dir string, r io.Reader) error {
	c, err := f.get(id)
	if err != nil {
		return err
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		f.mu.Lock()
		c.Files[path.Join(dir, h.Name)] = b
		f.mu.Unlock()
	}
}

// CopyFrom returns, as a tar stream under the base name of p, the files
// of c.FS at or below p when there are any, else c.Out (what a build left
// in its output directory).
func (f *Fake) CopyFrom(ctx context.Context, id, p string) (io.ReadCloser, error) {
	c, err := f.get(id)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	top := path.Base(p)
	f.mu.Lock()
	files := map[string][]byte{}
	for name, data := range c.FS {
		if name == p {
			files[""] = data
		} else if rel, ok := strings.CutPrefix(name, p+"/"); ok {
			files[rel] = data
		}
	}
	if len(files) == 0 {
		files = c.Out
	}
	if data, ok := files[""]; ok {
		tw.WriteHeader(&tar.Header{Name: top, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))})
		tw.Write(data)
	} else {
		tw.WriteHeader(&tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755})
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			data := files[name]
			tw.WriteHeader(&tar.Header{Name: top + "/" + strings.TrimPrefix(name, "/"), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))})
			tw.Write(data)
		}
	}
	f.mu.Unlock()
	tw.Close()
	return io.NopCloser(&b), nil
}

func (f *Fake) NetworkList(ctx context.Context) ([]engine.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Network
	for _, n := range f.nets {
		out = append(out, n)
	}
	return out, nil
}

// NetworkMTU answers for the default bridge only: SetMTU's value (1500
// unless set).
func (f *Fake) NetworkMTU(ctx context.Context, name string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name != "bridge" {
		return 0, fmt.Errorf("inspect network %s: %w", name, engine.ErrNotFound)
	}
	return f.mtu, nil
}

// SetMTU sets the default bridge's MTU (0: the network says none).
func (f *Fake) SetMTU(mtu int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mtu = mtu
}

// AddNetwork makes a user network.
func (f *Fake) AddNetwork(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nets[name] = engine.Network{ID: "net-" + name, Name: name}
}

func (f *Fake) NetworkRemove(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, n := range f.nets {
		if n.ID == id {
			delete(f.nets, k)
			f.event("network-remove %s", n.Name)
		}
	}
	return nil
}

// Inner returns the inner daemon of a running sidecar: the Fake kept for
// the cache volume mounted at /var/lib/docker. Calls fail once the
// sidecar stops, as a dead inner daemon's would.
func (f *Fake) Inner(ctx context.Context, id, host string) (engine.Engine, error) {
	c, err := f.get(id)
	if err != nil {
		return nil, err
	}
	vol := ""
	for _, m := range c.Spec.Mounts {
		if m.Target == "/var/lib/docker" {
			vol = m.Source
		}
	}
	if vol == "" {
		return nil, fmt.Errorf("container %s has no data root volume", c.Name)
	}
	return &inner{Fake: f.InnerFor(vol), host: c}, nil
}

// inner is an inner daemon seen through its sidecar: it answers only while
// the sidecar runs.
type inner struct {
	*Fake
	host *Container
}

func (i *inner) Info(ctx context.Context) (engine.Info, error) {
	select {
	case <-i.host.done:
		return engine.Info{}, fmt.Errorf("inner daemon: sidecar %s is not running", i.host.Name)
	case <-i.host.ready:
		return i.Fake.Info(ctx)
	default:
		return engine.Info{}, fmt.Errorf("inner daemon: not answering yet")
	}
}

// Ready marks a sidecar's inner daemon as answering; the default sidecar
// behavior calls it at once.
func (c *Container) Ready() { c.readyO.Do(func() { close(c.ready) }) }
