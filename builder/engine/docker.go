package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
)

// Docker is an Engine backed by one Docker endpoint.
type Docker struct {
	api       *client.Client // quick calls: answers bounded by AnswerTimeout
	long      *client.Client // calls that may answer late (wait, stop, load, logs...)
	g         *gate
	endpoint  string
	configDir string // the docker CLI's config: registry credentials
}

// New connects to ep and negotiates the API version, so old daemons
// (Debian's 20.10) work too. The first ping is bounded by ConnectTimeout.
func New(ctx context.Context, ep Endpoint) (*Docker, error) {
	g := &gate{}
	api, long, err := clients(ep.options, g)
	if err != nil {
		return nil, fmt.Errorf("docker client for %s: %w", ep, err)
	}
	d := &Docker{api: api, long: long, g: g, endpoint: ep.String(), configDir: ep.ConfigDir}
	if err := d.firstPing(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// firstPing pings both clients (negotiating their API version) within
// ConnectTimeout, and words a failure for the user.
func (d *Docker) firstPing(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	_, err := d.api.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true})
	if err == nil {
		_, err = d.long.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true})
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case pctx.Err() != nil:
		return fmt.Errorf("the Docker daemon at %s did not answer within %s: something accepts connections there but does not answer "+
			"(a hung or stopped daemon, a wrong port, a TLS endpoint without DOCKER_CERT_PATH or the other way round)", d.endpoint, ConnectTimeout)
	}
	return fmt.Errorf("cannot reach the Docker daemon at %s: %w (is it running? try: bash scripts/setup.sh)", d.endpoint, err)
}

// Ping asks the daemon whether it answers.
func (d *Docker) Ping(ctx context.Context) error {
	_, err := d.api.Ping(ctx, client.PingOptions{})
	return err
}

func (d *Docker) gate() *gate { return d.g }

// Endpoint is the daemon address this engine talks to.
func (d *Docker) Endpoint() string { return d.endpoint }

// Close releases the clients' connections.
func (d *Docker) Close() error {
	d.long.Close()
	return d.api.Close()
}

// wrap maps the SDK's error kinds to ours, keeping the message.
func wrap(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("%s: %w: %v", what, ErrNotFound, err)
	case cerrdefs.IsConflict(err):
		return fmt.Errorf("%s: %w: %v", what, ErrConflict, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Info reports the daemon's identity and set-up.
func (d *Docker) Info(ctx context.Context) (Info, error) {
	r, err := d.api.Info(ctx, client.InfoOptions{})
	if err != nil {
		return Info{}, wrap(err, "docker info")
	}
	i := r.Info
	return Info{
		ID: i.ID, Name: i.Name, ServerVersion: i.ServerVersion, APIVersion: d.api.ClientVersion(),
		OS: i.OSType, Arch: i.Architecture, NCPU: i.NCPU, MemTotal: i.MemTotal,
		CgroupVersion: i.CgroupVersion, CgroupDriver: i.CgroupDriver, StorageDriver: i.Driver,
		DockerRootDir: i.DockerRootDir, SecurityOptions: i.SecurityOptions,
	}, nil
}

// Image inspects ref, or returns an ErrNotFound error.
func (d *Docker) Image(ctx context.Context, ref string) (Image, error) {
	r, err := d.api.ImageInspect(ctx, ref)
	if err != nil {
		return Image{}, wrap(err, "image "+ref)
	}
	img := Image{ID: r.ID, Tags: r.RepoTags, Arch: r.Architecture}
	if r.Config != nil {
		img.Labels = r.Config.Labels
	}
	if r.Size != 0 {
		img.Size = r.Size
	}
	img.Created, _ = time.Parse(time.RFC3339Nano, r.Created)
	return img, nil
}

// ImageLoad loads a `docker save` tarball.
func (d *Docker) ImageLoad(ctx context.Context, tar io.Reader) error {
	r, err := d.long.ImageLoad(ctx, tar, client.ImageLoadWithQuiet(true))
	if err != nil {
		return wrap(err, "load images")
	}
	defer r.Close()
	return streamError(r, "load images")
}

// streamError reads a daemon's JSON message stream (load, pull) to its end
// and returns the error it carries, if any: such calls report failure in
// the stream, not in the HTTP status.
func streamError(r io.Reader, what string) error {
	dec := json.NewDecoder(r)
	for {
		var m struct {
			Error string `json:"error"`
		}
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if m.Error != "" {
			return fmt.Errorf("%s: %s", what, m.Error)
		}
	}
}

// ImageSave streams refs as a `docker save` tarball.
func (d *Docker) ImageSave(ctx context.Context, refs []string) (io.ReadCloser, error) {
	r, err := d.long.ImageSave(ctx, refs)
	return r, wrap(err, "save "+strings.Join(refs, " "))
}

// ImageRemove removes an image; a missing one is not an error.
func (d *Docker) ImageRemove(ctx context.Context, ref string) error {
	ctx, cancel := removeBound(ctx)
	defer cancel()
	_, err := d.long.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: true})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return wrap(err, "remove image "+ref)
}

// ImageList lists images carrying every given label.
func (d *Docker) ImageList(ctx context.Context, labels map[string]string) ([]Image, error) {
	r, err := d.api.ImageList(ctx, client.ImageListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, wrap(err, "list images")
	}
	out := make([]Image, 0, len(r.Items))
	for _, i := range r.Items {
		out = append(out, Image{ID: i.ID, Tags: i.RepoTags, Labels: i.Labels, Size: i.Size, Created: time.Unix(i.Created, 0)})
	}
	return out, nil
}

// VolumeCreate creates a named volume (creating an existing one is a no-op
// on the daemon side, which is what cache volumes want).
func (d *Docker) VolumeCreate(ctx context.Context, name string, labels map[string]string) error {
	_, err := d.api.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: labels})
	return wrap(err, "create volume "+name)
}

// VolumeRemove removes a volume; a missing one is not an error.
func (d *Docker) VolumeRemove(ctx context.Context, name string) error {
	ctx, cancel := removeBound(ctx)
	defer cancel()
	_, err := d.long.VolumeRemove(ctx, name, client.VolumeRemoveOptions{Force: true})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return wrap(err, "remove volume "+name)
}

// VolumeList lists volumes carrying every given label.
func (d *Docker) VolumeList(ctx context.Context, labels map[string]string) ([]Volume, error) {
	r, err := d.api.VolumeList(ctx, client.VolumeListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, wrap(err, "list volumes")
	}
	out := make([]Volume, 0, len(r.Items))
	for _, v := range r.Items {
		out = append(out, Volume{Name: v.Name, Labels: v.Labels, CreatedAt: v.CreatedAt})
	}
	return out, nil
}

func labelFilters(labels map[string]string) client.Filters {
	f := client.Filters{}
	for k, v := range labels {
		if v == "" {
			f.Add("label", k)
		} else {
			f.Add("label", k+"="+v)
		}
	}
	return f
}

// ContainerCreate creates (does not start) a container.
func (d *Docker) ContainerCreate(ctx context.Context, s ContainerSpec) (string, error) {
	cfg := &container.Config{
		Image: s.Image, Cmd: s.Cmd, Entrypoint: s.Entrypoint, Env: s.Env, Labels: s.Labels,
		WorkingDir: s.WorkingDir, OpenStdin: s.OpenStdin, StdinOnce: s.OpenStdin, AttachStdin: s.OpenStdin,
	}
	hc := &container.HostConfig{
		NetworkMode: container.NetworkMode(s.NetworkMode), AutoRemove: s.AutoRemove,
		Privileged: s.Privileged, CapAdd: s.CapAdd, CapDrop: s.CapDrop, SecurityOpt: s.SecurityOpt,
		Resources: container.Resources{DeviceCgroupRules: s.DeviceCgroupRules, NanoCPUs: s.NanoCPUs, Memory: s.Memory},
	}
	if s.UnmaskPaths {
		// The SDK's form of systempaths=unconfined: empty, non-nil lists.
		hc.MaskedPaths, hc.ReadonlyPaths = []string{}, []string{}
	}
	if s.CgroupnsPrivate {
		hc.CgroupnsMode = container.CgroupnsModePrivate
	}
	for _, m := range s.Mounts {
		hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.Type(m.Type), Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
	}
	r, err := d.api.ContainerCreate(ctx, client.ContainerCreateOptions{Name: s.Name, Config: cfg, HostConfig: hc})
	if err != nil {
		return "", wrap(err, "create container "+s.Name)
	}
	return r.ID, nil
}

// ContainerStart starts a created container.
func (d *Docker) ContainerStart(ctx context.Context, id string) error {
	_, err := d.api.ContainerStart(ctx, id, client.ContainerStartOptions{})
	return wrap(err, "start container "+short(id))
}

// ContainerWait waits for the container to stop and returns its exit code.
func (d *Docker) ContainerWait(ctx context.Context, id string) (int, error) {
	r := d.long.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case res := <-r.Result:
		if res.Error != nil && res.Error.Message != "" {
			return int(res.StatusCode), fmt.Errorf("wait container %s: %s", short(id), res.Error.Message)
		}
		return int(res.StatusCode), nil
	case err := <-r.Error:
		return -1, d.dropped(wrap(err, "wait container "+short(id)))
	}
}

// ContainerLogs copies the container's stdout and stderr (demultiplexed) to w.
func (d *Docker) ContainerLogs(ctx context.Context, id string, follow bool, tail string, w io.Writer) error {
	r, err := d.long.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow, Tail: tail})
	if err != nil {
		return wrap(err, "logs of "+short(id))
	}
	defer r.Close()
	_, err = stdcopy.StdCopy(w, w, r)
	return err
}

// ContainerRemove force-removes a container with its anonymous volumes; a
// missing one is not an error. When the daemon is already removing it (an
// AutoRemove container that just exited), it waits until it is gone, so that
// "removed" means gone for whoever checks next.
func (d *Docker) ContainerRemove(ctx context.Context, id string) error {
	ctx, cancel := removeBound(ctx)
	defer cancel()
	_, err := d.long.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil && strings.Contains(err.Error(), "already in progress") {
		for ctx.Err() == nil {
			if _, err := d.api.ContainerInspect(ctx, id, client.ContainerInspectOptions{}); cerrdefs.IsNotFound(err) {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		return ctx.Err()
	}
	return wrap(err, "remove container "+short(id))
}

// ContainerInspect returns a container's name, labels and state.
func (d *Docker) ContainerInspect(ctx context.Context, id string) (Container, error) {
	r, err := d.api.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return Container{}, wrap(err, "inspect container "+id)
	}
	c := r.Container
	out := Container{ID: c.ID, Name: strings.TrimPrefix(c.Name, "/"), Image: c.Image}
	if c.Config != nil {
		out.Labels = c.Config.Labels
	}
	if c.State != nil {
		out.State = string(c.State.Status)
		out.Running = c.State.Running
	}
	out.Created, _ = time.Parse(time.RFC3339Nano, c.Created)
	return out, nil
}

// ContainerList lists all containers (running or not) with every given label.
func (d *Docker) ContainerList(ctx context.Context, labels map[string]string) ([]Container, error) {
	r, err := d.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: labelFilters(labels)})
	if err != nil {
		return nil, wrap(err, "list containers")
	}
	out := make([]Container, 0, len(r.Items))
	for _, c := range r.Items {
		name := ""
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		var vols []string
		for _, m := range c.Mounts {
			if m.Type == mount.TypeVolume {
				vols = append(vols, m.Name)
			}
		}
		out = append(out, Container{ID: c.ID, Name: name, Image: c.Image, Labels: c.Labels,
			State: string(c.State), Running: c.State == container.StateRunning, Created: time.Unix(c.Created, 0), Volumes: vols})
	}
	return out, nil
}

// ContainerAttachStdin attaches to a container created with OpenStdin; the
// container sees EOF on stdin when the returned writer is closed or this
// process dies (the daemon drops the hijacked connection).
func (d *Docker) ContainerAttachStdin(ctx context.Context, id string) (io.WriteCloser, error) {
	r, err := d.api.ContainerAttach(ctx, id, client.ContainerAttachOptions{Stream: true, Stdin: true})
	if err != nil {
		return nil, wrap(err, "attach "+short(id))
	}
	return r.Conn, nil
}

// CopyTo unpacks a tar stream into dir inside the container.
func (d *Docker) CopyTo(ctx context.Context, id, dir string, tar io.Reader) error {
	_, err := d.long.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: dir, Content: tar})
	return wrap(err, "copy into "+short(id)+":"+dir)
}

// CopyFrom streams path from the container as a tar archive.
func (d *Docker) CopyFrom(ctx context.Context, id, path string) (io.ReadCloser, error) {
	r, err := d.long.CopyFromContainer(ctx, id, client.CopyFromContainerOptions{SourcePath: path})
	if err != nil {
		return nil, wrap(err, "copy from "+short(id)+":"+path)
	}
	return r.Content, nil
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// ContainerStop asks the container to stop (SIGTERM), killing it after timeout.
func (d *Docker) ContainerStop(ctx context.Context, id string, timeout time.Duration) error {
	secs := int(timeout.Seconds())
	_, err := d.long.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: &secs})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return wrap(err, "stop container "+short(id))
}

// NetworkList lists the networks users made (not the predefined ones).
func (d *Docker) NetworkList(ctx context.Context) ([]Network, error) {
	r, err := d.api.NetworkList(ctx, client.NetworkListOptions{})
	if err != nil {
		return nil, wrap(err, "list networks")
	}
	var out []Network
	for _, n := range r.Items {
		switch n.Name {
		case "bridge", "host", "none":
			continue
		}
		out = append(out, Network{ID: n.ID, Name: n.Name})
	}
	return out, nil
}

// NetworkMTU reads a network's MTU option.
func (d *Docker) NetworkMTU(ctx context.Context, name string) (int, error) {
	r, err := d.api.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	if err != nil {
		return 0, wrap(err, "inspect network "+name)
	}
	v, ok := r.Network.Options["com.docker.network.driver.mtu"]
	if !ok {
		return 0, nil
	}
	mtu, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("network %s: MTU option %q: %w", name, v, err)
	}
	return mtu, nil
}

// NetworkRemove removes a network; a missing one is not an error.
func (d *Docker) NetworkRemove(ctx context.Context, id string) error {
	_, err := d.api.NetworkRemove(ctx, id, client.NetworkRemoveOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return wrap(err, "remove network "+id)
}
