package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
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
	return TLSDaemonWith(t, eng, DaemonOptions{})
}

// DaemonOptions change the daemon TLSDaemonWith and StartTLSDaemon start.
type DaemonOptions struct {
	Args []string // more dockerd arguments ("--mtu=1400")
	// Delay is how long the daemon's container waits, once its
	// certificates are made, before it starts dockerd: a dind service
	// that is slow to start (or, for a long Delay, never starts).
	Delay time.Duration
}

// TLSDaemonWith is TLSDaemon with options; it waits for the daemon to
// answer (past any Delay).
func TLSDaemonWith(t testing.TB, eng engine.Engine, opt DaemonOptions) (engine.Endpoint, engine.Engine, []string) {
	t.Helper()
	ep, id, addrs := StartTLSDaemon(t, eng, opt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute+opt.Delay)
	defer cancel()
	for i := 0; ; i++ {
		tls, err := engine.New(ctx, ep)
		if err == nil {
			t.Cleanup(func() { tls.Close() })
			// Now with the addresses of the networks the daemon made.
			return ep, tls, addresses(ctx, eng, id, addrs[0])
		}
		if ctx.Err() != nil {
			t.Fatalf("the TLS daemon at %s does not answer: %v%s", ep.Host, err, containerLog(eng, id))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// StartTLSDaemon starts the daemon of TLSDaemonWith and returns as soon
// as its client certificates exist, before dockerd answers (or even
// starts, with a Delay): its endpoint, its container's ID and addresses.
func StartTLSDaemon(t testing.TB, eng engine.Engine, opt DaemonOptions) (engine.Endpoint, string, []string) {
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
	sidecar.ApplyMode(&spec, mode)
	id, err := engine.Create(ctx, eng, spec)
	if err != nil {
		eng.VolumeRemove(ctx, name)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the TLS daemon's log:%s", containerLog(eng, id))
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
	return ep, id, addresses(ctx, eng, id, ip[0])
}

// addresses are the container's IPv4 addresses, first first.
func addresses(ctx context.Context, eng engine.Engine, id, first string) []string {
	var out bytes.Buffer
	eng.Exec(ctx, id, []string{"hostname", "-I"}, nil, &out)
	addrs := []string{first}
	for _, a := range strings.Fields(out.String()) {
		if a != first && !strings.Contains(a, ":") {
			addrs = append(addrs, a)
		}
	}
	return addrs
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
