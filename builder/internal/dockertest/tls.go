package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// tlsScript makes a CA, a server certificate (for the container's own
// addresses and the name "docker") and a client certificate, as the
// docker:dind entrypoint does with DOCKER_TLS_CERTDIR=/certs, then runs
// dockerd on tcp://0.0.0.0:2376 with --tlsverify: only a client holding a
// certificate signed by that CA gets in.
const tlsScript = `set -e
d=/certs
mkdir -p $d/ca $d/server $d/client
openssl genrsa -out $d/ca/key.pem 2048 2>/dev/null
openssl req -new -x509 -days 2 -key $d/ca/key.pem -subj "/CN=dbuilder test CA" -out $d/ca/cert.pem
ips="IP:127.0.0.1"
for ip in $(hostname -i); do ips="$ips,IP:$ip"; done
openssl genrsa -out $d/server/key.pem 2048 2>/dev/null
openssl req -new -key $d/server/key.pem -subj "/CN=docker" -out $d/server/csr.pem
printf 'subjectAltName=DNS:docker,DNS:localhost,%s\nextendedKeyUsage=serverAuth\n' "$ips" >$d/server/ext.cnf
openssl x509 -req -days 2 -in $d/server/csr.pem -CA $d/ca/cert.pem -CAkey $d/ca/key.pem -CAcreateserial -extfile $d/server/ext.cnf -out $d/server/cert.pem 2>/dev/null
openssl genrsa -out $d/client/key.pem 2048 2>/dev/null
openssl req -new -key $d/client/key.pem -subj "/CN=client" -out $d/client/csr.pem
printf 'extendedKeyUsage=clientAuth\n' >$d/client/ext.cnf
openssl x509 -req -days 2 -in $d/client/csr.pem -CA $d/ca/cert.pem -CAkey $d/ca/key.pem -CAcreateserial -extfile $d/client/ext.cnf -out $d/client/cert.pem 2>/dev/null
cp $d/ca/cert.pem $d/client/ca.pem
touch $d/client/ready
sleep "${DBUILDER_TEST_DELAY:-0}"
exec /usr/local/bin/dbuilder-dind dockerd --host=tcp://0.0.0.0:2376 --tlsverify \
	--tlscacert=$d/ca/cert.pem --tlscert=$d/server/cert.pem --tlskey=$d/server/key.pem "$@"
`

// TLSDaemon starts dbuilder's own sidecar image the way a GitLab job's
// docker:dind service runs: a Docker daemon listening on TCP port 2376
// with TLS and client certificates made at start. It returns the endpoint
// (client certificates copied out into a temporary directory), an engine
// connected through it (closed at the end of the test), and the
// daemon's addresses (the endpoint's first, then its others, such as the
// gateway of the networks it makes for its own containers). The daemon is nested in the host's like a sidecar
// (privileged, or the capability set where that is refused), keeps its
// data on a test volume, and is removed with it at the end of the test.
func TLSDaemon(t testing.TB, eng engine.Engine) (engine.Endpoint, engine.Engine, []string) {
	t.Helper()
	d := StartDaemon(t, eng, DaemonOptions{})
	return d.Endpoint, d.Engine, d.Addrs
}

// DaemonOptions shape a daemon of StartDaemon.
type DaemonOptions struct {
	// NetworkOf is a container whose network namespace the daemon joins
	// (see RegistryNet); "" gives it its own.
	NetworkOf string
	Args      []string // more dockerd arguments ("--mtu=1400")
	// Delay is how long the daemon's container waits, once its client
	// certificates are made, before it starts dockerd: a dind service
	// that is slow to start (or, for a long Delay, never starts).
	Delay time.Duration
	// NoWait returns as soon as the client certificates exist, before the
	// daemon answers (or even starts): the Daemon has no Engine then.
	NoWait bool
}

// Daemon is a fresh, empty daemon as TLSDaemon starts one.
type Daemon struct {
	Endpoint engine.Endpoint
	Engine   engine.Engine // connected through Endpoint
	Addrs    []string
	stop     func()
}

// Stop removes the daemon, its container and volume, now rather than at
// the end of the test.
func (d *Daemon) Stop() { d.stop() }

// StartDaemon starts a daemon as TLSDaemon does; in a network namespace
// shared with a RegistryNet, its loopback registry is the daemon's own.
// Only one daemon at a time may use one namespace: Stop the first.
func StartDaemon(t testing.TB, eng engine.Engine, opt DaemonOptions) *Daemon {
	t.Helper()
	img := SidecarImage(t, eng)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run := NewRun(t)
	mode, err := sidecar.DetectMode(ctx, eng, img.Ref, run)
	if err != nil {
		t.Fatal(err)
	}
	name := "dbuilder-test-tls-" + run.ID
	lb := map[string]string{"dbuilder-test": "tls"}
	if err := eng.VolumeCreate(ctx, name, lb); err != nil {
		t.Fatal(err)
	}
	spec := engine.ContainerSpec{
		Name: name, Image: img.Ref, Labels: lb,
		Entrypoint: []string{"sh", "/dbuilder-tls-dind.sh"},
		// Its containers' cgroups go where CleanCgroups finds them.
		Cmd:    append([]string{"--cgroup-parent=/dbuilder/" + name}, opt.Args...),
		Env:    []string{fmt.Sprintf("DBUILDER_TEST_DELAY=%d", int(opt.Delay.Seconds()))},
		Mounts: []engine.Mount{{Type: "volume", Source: name, Target: "/var/lib/docker"}},
	}
	if opt.NetworkOf != "" {
		spec.NetworkMode = "container:" + opt.NetworkOf
	}
	sidecar.ApplyMode(&spec, mode)
	id, err := engine.Create(ctx, eng, spec)
	if err != nil {
		eng.VolumeRemove(ctx, name)
		t.Fatal(err)
	}
	var once sync.Once
	d := &Daemon{}
	d.stop = func() {
		once.Do(func() {
			if t.Failed() {
				t.Logf("the TLS daemon's log:%s", containerLog(eng, id))
			}
			if d.Engine != nil {
				d.Engine.Close()
			}
			engine.Cleanup(func(ctx context.Context) error {
				eng.ContainerStop(ctx, id, 20*time.Second)
				eng.ContainerRemove(ctx, id)
				if mode == sidecar.CapSet {
					sidecar.CleanCgroups(ctx, eng, img.Ref, []string{name}, lb)
				}
				return eng.VolumeRemove(ctx, name)
			})
		})
	}
	t.Cleanup(d.stop)
	if err := eng.CopyTo(ctx, id, "/", tarOf("dbuilder-tls-dind.sh", []byte(tlsScript))); err != nil {
		t.Fatal(err)
	}
	if err := eng.ContainerStart(ctx, id); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if code, err := eng.Exec(ctx, id, []string{"test", "-f", "/certs/client/ready"}, nil, nil); err == nil && code == 0 {
			break
		}
		if i > 300 {
			t.Fatalf("the TLS daemon made no certificates%s", containerLog(eng, id))
		}
		time.Sleep(100 * time.Millisecond)
	}
	dir := t.TempDir()
	rc, err := eng.CopyFrom(ctx, id, "/certs/client")
	if err != nil {
		t.Fatal(err)
	}
	_, err = artifacts.Extract(rc, dir)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code, err := eng.Exec(ctx, id, []string{"hostname", "-i"}, nil, &out); err != nil || code != 0 {
		t.Fatalf("the TLS daemon's address: %v", err)
	}
	ip := strings.Fields(out.String())
	if len(ip) == 0 {
		t.Fatal("the TLS daemon has no address")
	}
	ep := engine.Endpoint{Host: "tcp://" + ip[0] + ":2376", CertPath: dir, TLSVerify: true}
	if opt.NoWait {
		d.Endpoint, d.Addrs = ep, ip[:1]
		return d
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second+opt.Delay)
	defer wcancel()
	for {
		tls, err := engine.New(wctx, ep)
		if err == nil {
			d.Engine = tls
			break
		}
		if wctx.Err() != nil {
			t.Fatalf("the TLS daemon at %s does not answer: %v%s", ep.Host, err, containerLog(eng, id))
		}
		time.Sleep(250 * time.Millisecond)
	}
	out.Reset()
	eng.Exec(ctx, id, []string{"hostname", "-I"}, nil, &out)
	addrs := []string{ip[0]}
	for _, a := range strings.Fields(out.String()) {
		if a != ip[0] && !strings.Contains(a, ":") {
			addrs = append(addrs, a)
		}
	}
	d.Endpoint, d.Addrs = ep, addrs
	return d
}

// CopyImages copies images from one daemon to another through the Engine
// API (save, then load), as a job would pull them into its empty daemon.
func CopyImages(t testing.TB, from, to engine.Engine, refs ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rc, err := from.ImageSave(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if err := to.ImageLoad(ctx, rc); err != nil {
		t.Fatalf("loading %v: %v", refs, err)
	}
}

func tarOf(name string, data []byte) io.Reader {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg})
	tw.Write(data)
	tw.Close()
	return &b
}

func containerLog(eng engine.Engine, id string) string {
	var b strings.Builder
	engine.Cleanup(func(ctx context.Context) error { return eng.ContainerLogs(ctx, id, false, "30", &b) })
	return "\n" + b.String()
}
