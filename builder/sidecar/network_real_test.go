package sidecar_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// listener is a TCP server in perl (perl-base is in every Debian image)
// that answers each connection with WORD and the peer's address.
func listener(port, word string) string {
	return `perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalPort => ` + port +
		`, Listen => 5, ReuseAddr => 1) or die "listen: $!"; while ($c = $s->accept) { print $c "` + word +
		` from ", $c->peerhost, "\n"; close $c }'`
}

// TestSidecarNetworkReal: dbuilder's sidecar starts its inner daemon
// without dockerd's own iptables rules (they cost a third of its start;
// recipe/entrypoint.sh), and what a package's tests use of the network
// still works: containers on the default network and on a network the
// test makes reach a server outside the sidecar, which sees the
// sidecar's address (masqueraded); names resolve on the test's network;
// a port published on 127.0.0.1 answers in the sidecar's namespace, where
// the build container runs.
func TestSidecarNetworkReal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	h := startOnHost(t, ctx)
	eng := h.eng
	dockertest.Image(t, eng, "debian:bookworm")

	// The server outside: a container on the outer daemon's default network.
	outside, err := eng.ContainerCreate(ctx, engine.ContainerSpec{
		Image: "debian:bookworm", Cmd: []string{"sh", "-c", listener("7777", "outside")},
		Labels: map[string]string{"dbuilder-test": "listener"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.RemoveContainer(eng, outside) })
	if err := eng.ContainerStart(ctx, outside); err != nil {
		t.Fatal(err)
	}
	outsideIP := ownIP(t, eng, outside)

	tg := ident.ForTarget("net", "t-"+h.run.ID)
	t.Cleanup(func() { eng.VolumeRemove(context.Background(), tg.Cache) })
	sc, err := sidecar.Start(ctx, eng, sidecar.Config{Image: h.img, Mode: h.mode, Run: h.run, Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Stop()
	if _, err := sc.Preload(ctx, []string{"debian:bookworm"}); err != nil {
		t.Fatal(err)
	}
	sidecarIP := ownIP(t, eng, sc.ID)

	// $fetch HOST PORT: the server's answer, retried for 30 s until it
	// listens (docker-proxy accepts before the container does).
	sh := `set -e
D="docker -H ` + sidecar.Host + `"
fetch='end=$(($(date +%s) + 30)); while [ $(date +%s) -lt $end ]; do r=$(timeout 3 cat </dev/tcp/$1/$2 2>/dev/null) && [ -n "$r" ] && { echo "$r"; exit 0; }; sleep 0.1; done; echo "no answer from $1:$2 in 30 s"; exit 1'
echo "default: $($D run --rm debian:bookworm bash -c "$fetch" - ` + outsideIP + ` 7777)"
$D network create dbuilder-test-net >/dev/null
$D run -d --name srv --network dbuilder-test-net debian:bookworm sh -c '` + strings.ReplaceAll(listener("8080", "srv"), "'", `'\''`) + `' >/dev/null
echo "user: $($D run --rm --network dbuilder-test-net debian:bookworm bash -c "$fetch" - srv 8080)"
echo "user-gateway: $($D network inspect -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}' dbuilder-test-net)"
echo "user-out: $($D run --rm --network dbuilder-test-net debian:bookworm bash -c "$fetch" - ` + outsideIP + ` 7777)"
$D run -d --name pub -p 127.0.0.1:8081:8080 debian:bookworm sh -c '` + strings.ReplaceAll(listener("8080", "pub"), "'", `'\''`) + `' >/dev/null
echo "published: $(bash -c "$fetch" - 127.0.0.1 8081)"
echo "dockerd-rules: $(iptables -t nat -S | grep -c DOCKER || :)"
`
	var out bytes.Buffer
	code, err := eng.Exec(ctx, sc.ID, []string{"sh", "-c", sh}, nil, &out)
	t.Logf("outside %s, sidecar %s:\n%s", outsideIP, sidecarIP, out.String())
	if err != nil || code != 0 {
		t.Fatalf("probe exited %d (%v)", code, err)
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok {
			got[k] = v
		}
	}
	for k, want := range map[string]string{
		"default":       "outside from " + sidecarIP, // masqueraded to the sidecar's address
		"user-out":      "outside from " + sidecarIP,
		"published":     "pub from ",
		"user":          "srv from ",
		"dockerd-rules": "0",
	} {
		if !strings.HasPrefix(got[k], want) {
			t.Errorf("%s: got %q, want %q...", k, got[k], want)
		}
	}
	// Between containers on one network nothing is masqueraded: the
	// server sees the client's own address, not the network's gateway.
	if gw := got["user-gateway"]; gw == "" || got["user"] == "srv from "+gw {
		t.Errorf("on the test's network the server saw %q (the gateway is %q): masqueraded between containers", got["user"], gw)
	}
}

// ownIP is a container's address on its network, as /etc/hosts in it says.
func ownIP(t *testing.T, eng engine.Engine, id string) string {
	t.Helper()
	var out bytes.Buffer
	code, err := eng.Exec(context.Background(), id, []string{"sh", "-c", `awk 'END { print $1 }' /etc/hosts`}, nil, &out)
	ip := strings.TrimSpace(out.String())
	if err != nil || code != 0 || ip == "" {
		t.Fatalf("address of %s: %q %d %v", id, ip, code, err)
	}
	return ip
}
