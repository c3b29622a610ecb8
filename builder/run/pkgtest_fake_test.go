package run

import (
	"context"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/labels"
)

// A new day's testbed image replaces the older one of its distro on the
// host daemon; another architecture's testbed stays.
func TestFakeOldTestbedsDropped(t *testing.T) {
	body := strings.Replace(fakeMatrix, "  command: make check\n", "  command: make check\n  autopkgtest: \"on\"\n", 1)
	body = strings.Replace(body, "[debian:bookworm, debian:trixie]", "[debian:bookworm]", 1)
	f := newFake()
	lb := map[string]string{labels.Role: labels.RoleTestbed, labels.Distro: "debian:bookworm"}
	f.AddImage("dbuilder/testbed-debian-bookworm:0123456789ab", lb)
	f.AddImage("dbuilder/testbed-debian-bookworm-arm64:0123456789ab", lb)
	res, log, err := fakeBuild(t, context.Background(), f, fakeJobs(t, body), t.TempDir(), nil)
	if err != nil || !res[0].OK {
		t.Fatalf("%v %+v\n%s", err, res, log)
	}
	if _, err := f.Image(context.Background(), "dbuilder/testbed-debian-bookworm:0123456789ab"); err == nil {
		t.Errorf("the older testbed image is still there\n%s", log)
	}
	if _, err := f.Image(context.Background(), "dbuilder/testbed-debian-bookworm-arm64:0123456789ab"); err != nil {
		t.Errorf("another architecture's testbed was removed")
	}
	if !strings.Contains(log, "removed the older testbed image dbuilder/testbed-debian-bookworm:0123456789ab") {
		t.Errorf("not said:\n%s", log)
	}
}
