// Package engine is the one place that imports the Docker Engine SDK and the
// BuildKit client. Everything else talks to interfaces, so orchestration can
// be unit-tested with a fake: each consumer declares the calls it makes as
// its own small interface (run.Engine, sidecar.Engine, lifecycle.Engine,
// pull.Engine, doctor.Engine, release's helpers), and Engine is their union,
// what a connection (Docker, enginefake) implements and the CLI holds. One
// Engine is one endpoint: there is no package-level client.
package engine

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned (wrapped) when an image, container or volume does
// not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned (wrapped) when a name is already taken.
var ErrConflict = errors.New("conflict")

// ErrUnreachable is returned (wrapped) when a pull fails because the
// registry cannot be reached at all (no such host, connection refused, no
// answer in time): another image from it would fail the same way.
var ErrUnreachable = errors.New("registry unreachable")

// Engine is a Docker daemon, seen through the calls dbuilder needs. It is
// grouped by what the calls act on; orchestration code reaches for the
// helpers in this package (RunOnce, Cleanup) rather than repeating
// create-start-wait-remove sequences.
type Engine interface {
	Endpoint() string
	// Ping asks the daemon whether it answers (cheap: no locks taken).
	Ping(ctx context.Context) error
	Info(ctx context.Context) (Info, error)
	Close() error
	Images
	Volumes
	Containers
	// Inner returns an Engine for the daemon that listens on host (a unix
	// socket path such as unix:///var/run/dind/docker.sock) inside the
	// running container id: a nested dockerd. It needs only a docker CLI in
	// that container (each connection is `docker system dial-stdio` run by
	// exec), so it works however the outer daemon is reached.
	Inner(ctx context.Context, id, host string) (Engine, error)
}

// Images are the image calls.
type Images interface {
	// Image inspects ref; a missing image is an ErrNotFound error.
	Image(ctx context.Context, ref string) (Image, error)
	// ImagePull pulls ref with the credentials the docker CLI would use
	// for its registry (see Endpoint.ConfigDir).
	ImagePull(ctx context.Context, ref string, opt PullOptions) error
	// ImageInRegistry asks the daemon whether ref can be pulled (its
	// registry answers, with the same credentials, and has it), without
	// pulling it.
	ImageInRegistry(ctx context.Context, ref string) error
	// ImagePush pushes ref to its registry with the credentials a pull
	// would use; failures are RegistryErrors, as ImagePull's.
	ImagePush(ctx context.Context, ref string, opt PushOptions) error
	// ImageTag gives the image src the name dst as well.
	ImageTag(ctx context.Context, src, dst string) error
	ImageSave(ctx context.Context, refs []string) (io.ReadCloser, error)
	ImageLoad(ctx context.Context, tar io.Reader) error
	ImageRemove(ctx context.Context, ref string) error
	ImageList(ctx context.Context, labels map[string]string) ([]Image, error)
	Build(ctx context.Context, req BuildRequest) error
}

// Volumes are the volume calls.
type Volumes interface {
	VolumeCreate(ctx context.Context, name string, labels map[string]string) error
	VolumeRemove(ctx context.Context, name string) error
	VolumeList(ctx context.Context, labels map[string]string) ([]Volume, error)
}

// Containers are the container (and network) calls.
type Containers interface {
	ContainerCreate(ctx context.Context, spec ContainerSpec) (string, error)
	ContainerStart(ctx context.Context, id string) error
	ContainerWait(ctx context.Context, id string) (int, error)
	ContainerLogs(ctx context.Context, id string, follow bool, tail string, w io.Writer) error
	ContainerStop(ctx context.Context, id string, timeout time.Duration) error
	ContainerRemove(ctx context.Context, id string) error
	ContainerInspect(ctx context.Context, id string) (Container, error)
	// ContainerList lists containers (running or not) carrying every label;
	// a nil map lists all of them.
	ContainerList(ctx context.Context, labels map[string]string) ([]Container, error)
	ContainerAttachStdin(ctx context.Context, id string) (io.WriteCloser, error)
	Exec(ctx context.Context, id string, cmd []string, stdin io.Reader, out io.Writer) (int, error)
	CopyTo(ctx context.Context, id, dir string, tar io.Reader) error
	CopyFrom(ctx context.Context, id, path string) (io.ReadCloser, error)
	// NetworkList lists the networks users made (not bridge, host, none).
	NetworkList(ctx context.Context) ([]Network, error)
	NetworkRemove(ctx context.Context, id string) error
	// NetworkMTU is the MTU a network (by name or ID) gives its containers,
	// as its driver option com.docker.network.driver.mtu says; 0 when it
	// says none.
	NetworkMTU(ctx context.Context, name string) (int, error)
}

// Network is one user-made network.
type Network struct {
	ID   string
	Name string
}

// Info is what dbuilder wants to know about a daemon.
type Info struct {
	ID              string
	Name            string
	ServerVersion   string
	APIVersion      string
	OS              string
	Arch            string
	NCPU            int
	MemTotal        int64
	CgroupVersion   string
	CgroupDriver    string
	StorageDriver   string
	DockerRootDir   string
	SecurityOptions []string
}

// Image is one image in a listing or an inspect.
type Image struct {
	ID      string
	Arch    string // "amd64", "arm64", ... (inspect only)
	Tags    []string
	Labels  map[string]string
	Size    int64
	Created time.Time
}

// Volume is one volume in a listing.
type Volume struct {
	Name   string
	Labels map[string]string
	// CreatedAt as the daemon reports it (RFC 3339), "" if unknown.
	CreatedAt string
}

// Container is one container in a listing or an inspect.
type Container struct {
	ID      string
	Name    string
	Image   string
	Labels  map[string]string
	State   string // "created", "running", "exited", ...
	Running bool
	Created time.Time
	Volumes []string // names of the volumes it mounts (listings only)
}

// Mount is a volume (or, only for daemon-side system paths such as
// /sys/fs/cgroup, a bind) mounted into a container.
type Mount struct {
	Type     string // "volume" or "bind"
	Source   string
	Target   string
	ReadOnly bool
}

// ContainerSpec describes a container to create.
type ContainerSpec struct {
	Name        string
	Image       string
	Cmd         []string
	Entrypoint  []string
	Env         []string
	Labels      map[string]string
	WorkingDir  string
	Mounts      []Mount
	NetworkMode string // "" (default bridge), "none", "container:ID"
	OpenStdin   bool   // keep stdin open until the attached client goes away
	AutoRemove  bool

	// Privilege: either Privileged, or an explicit capability set.
	Privileged        bool
	CapAdd            []string
	CapDrop           []string
	SecurityOpt       []string
	DeviceCgroupRules []string
	UnmaskPaths       bool // systempaths=unconfined
	CgroupnsPrivate   bool

	NanoCPUs int64
	Memory   int64
}

// PullOptions tune ImagePull.
type PullOptions struct {
	Progress io.Writer // one line per layer and status change; nil discards
	// Platform picks an architecture other than the daemon's own
	// ("linux/arm64/v8"); "" is the daemon's.
	Platform string
}

// BuildRequest is an image build from a Dockerfile and a small context.
type BuildRequest struct {
	Dockerfile []byte
	Files      map[string][]byte // context files by slash path
	Tag        string
	Labels     map[string]string
	BuildArgs  map[string]string
	Progress   io.Writer // plain progress lines; nil discards
}
