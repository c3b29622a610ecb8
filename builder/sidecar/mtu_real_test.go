package sidecar_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// TestSidecarMTUReal: a daemon started with --mtu 1400 (a private one, as
// a GitLab job's dind service on a runner whose network is below 1500)
// says so on its default network, and a sidecar started there with that
// MTU gives its containers 1400: a container's eth0 in the inner daemon,
// and the inner bridge (docker0 in the sidecar) once it has one (dockerd
// 20.10 leaves an empty bridge at 1500); one started without it, as
// before, gives them 1500: the trap.
func TestSidecarMTUReal(t *testing.T) {
	host := dockertest.Engine(t)
	img := dockertest.SidecarImage(t, host)
	priv := dockertest.StartDaemon(t, host, dockertest.DaemonOptions{Args: []string{"--mtu=1400"}}).Engine
	dockertest.Image(t, host, "debian:bookworm")
	dockertest.CopyImages(t, host, priv, img.Ref, "debian:bookworm")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	outer, err := sidecar.OuterMTU(ctx, priv)
	if err != nil || outer != 1400 {
		t.Fatalf("the private daemon's default network says MTU %d (%v), want 1400", outer, err)
	}
	run := dockertest.NewRun(t)
	mode, err := sidecar.DetectMode(ctx, priv, img.Ref, run)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mtu  int
		want string
	}{{outer, "1400"}, {0, "1500"}} {
		tg := ident.ForTarget("mtu", "t-"+run.ID)
		sc, err := sidecar.Start(ctx, priv, sidecar.Config{Image: img, Mode: mode, Run: run, Target: tg, MTU: tc.mtu})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sc.Preload(ctx, []string{"debian:bookworm"}); err != nil {
			t.Fatal(err)
		}
		// A container in the inner daemon (the sidecar's docker CLI talks
		// to it), then what the sidecar's interfaces say.
		sh := "docker -H " + sidecar.Host + " run -d --name probe debian:bookworm sleep 60 >/dev/null && " +
			"docker -H " + sidecar.Host + " exec probe cat /sys/class/net/eth0/mtu && " +
			"cat /sys/class/net/docker0/mtu /sys/class/net/eth0/mtu"
		var out bytes.Buffer
		if code, err := priv.Exec(ctx, sc.ID, []string{"sh", "-c", sh}, nil, &out); err != nil || code != 0 {
			t.Errorf("probe: %v %d %s", err, code, out.String())
		}
		got := strings.Fields(out.String()) // container's eth0, docker0, sidecar's eth0
		if err := sc.Stop(); err != nil {
			t.Error(err)
		}
		priv.VolumeRemove(ctx, tg.Cache)
		if len(got) != 3 || got[0] != tc.want || got[1] != tc.want || got[2] != "1400" {
			t.Errorf("sidecar with MTU %d: inner container's eth0, docker0, sidecar's eth0 say %q; want %s, %s, 1400", tc.mtu, got, tc.want, tc.want)
		}
		t.Logf("sidecar with MTU %d: inner container's eth0, docker0, sidecar's eth0: %q", tc.mtu, got)
	}
}
