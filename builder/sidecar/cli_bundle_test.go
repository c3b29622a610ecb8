package sidecar_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
)

// TestCLIBundleOldGlibcReal: the docker CLI that builder images copy from
// the sidecar image runs on a distro whose glibc is older than the one it
// was built against (bullseye: 2.31; Debian's CLI needs 2.34), while the
// plain binary does not: the control that shows the test can fail.
func TestCLIBundleOldGlibcReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bullseye")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	img := dockertest.SidecarImage(t, eng)
	tag := "dbuilder-test/cli-bundle:" + dockertest.RunID(t)
	df := "FROM debian:bullseye\n" +
		"COPY --from=" + img.Ref + " " + img.CLIPath + " /opt/dbuilder-cli/\n" +
		"COPY --from=" + img.Ref + " /usr/bin/docker /usr/local/bin/docker-plain\n"
	if err := eng.Build(ctx, engine.BuildRequest{Dockerfile: []byte(df), Tag: tag, Labels: map[string]string{"dbuilder-test": "cli-bundle"}}); err != nil {
		t.Fatal(err)
	}
	defer eng.ImageRemove(context.Background(), tag)
	run := func(cmd string) (int, string) { return dockertest.Run(t, eng, tag, cmd, nil) }
	if code, out := run("/opt/dbuilder-cli/docker --version"); code != 0 || !strings.Contains(out, "Docker version") {
		t.Fatalf("bundled CLI on bullseye: exit %d\n%s", code, out)
	}
	if code, out := run("docker-plain --version"); code == 0 || !strings.Contains(out, "GLIBC") {
		t.Fatalf("control: the plain CLI should fail on bullseye's glibc, got exit %d\n%s", code, out)
	}
}
