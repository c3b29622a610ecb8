package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/internal/tamper"
	"github.com/dbuilder/dbuilder/builder/report"
)

const integrityBody = `matrix:
  distro: [debian:bookworm]
build:
  deps:
    deb: [libmariadb-dev, pkg-config]
test:
  command: ./hellodb --version
`

// chattr sets or clears the immutable flag on p (root on ext4; CI runs as
// root). Set, it is cleared when the test ends.
func chattr(t *testing.T, flag, p string) {
	t.Helper()
	if out, err := exec.Command("chattr", flag, p).CombinedOutput(); err != nil {
		t.Fatalf("chattr %s %s: %v %s (needs root and a file system with the immutable flag)", flag, p, err, out)
	}
	if flag == "+i" {
		t.Cleanup(func() { exec.Command("chattr", "-i", p).Run() })
	}
}

// TestCacheIntegrityReal: a cached .deb changed in place (one byte, same
// size) is not served: the next build rebuilds its target and says why.
// With every target cached, a report.json that cannot be replaced fails
// the run, naming the file, instead of leaving the last run's for CI to
// read; an unwritable output directory is refused up front. Another
// dbuilder binary, with the same version string, does not reuse results.
func TestCacheIntegrityReal(t *testing.T) {
	eng := dockertest.Engine(t)
	dockertest.Image(t, eng, "debian:bookworm")
	dropCaches(t, eng, "integrity")
	m := writeExampleMatrix(t, "integrity", integrityBody)
	out := t.TempDir()
	build := func() (int, string) {
		t.Helper()
		p := start(t, "build", "-f", m, "--output", out)
		code := p.wait(t, 10*time.Minute)
		if id := p.runID(); id != "" { // a run where every target is cached starts nothing
			dockertest.AssertClean(t, eng, id)
		}
		return code, p.output()
	}
	if code, log := build(); code != 0 {
		t.Fatalf("first build: exit %d\n%s", code, log)
	}
	dir := filepath.Join(out, "debian-bookworm")
	debs, _ := filepath.Glob(filepath.Join(dir, "hellodb_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("packages: %v", debs)
	}
	deb := debs[0]

	// 1. One byte of the cached package, same size: rebuilt, and said why.
	if err := tamper.DebFile(deb); err != nil {
		t.Fatal(err)
	}
	code, log := build()
	if code != 0 {
		t.Fatalf("build after the tampering: exit %d\n%s", code, log)
	}
	if strings.Contains(log, "all 1 target(s) unchanged") || !strings.Contains(log, filepath.Base(deb)+" does not match the sha256") {
		t.Errorf("a tampered package was served from the cache, or the rebuild was not explained:\n%s", log)
	}
	t.Logf("after the tampering:\n%s", log)
	var rec report.Record
	if err := json.Unmarshal(mustReadFile(t, filepath.Join(dir, report.ResultFile)), &rec); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(mustReadFile(t, deb))
	for _, a := range rec.Artifacts {
		if a.Name == filepath.Base(deb) && a.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s does not match its record after the rebuild", deb)
		}
	}

	// 2. Nothing changed: cached.
	if code, log := build(); code != 0 || !strings.Contains(log, "all 1 target(s) unchanged") {
		t.Fatalf("no-op build: exit %d\n%s", code, log)
	}

	// 3. Every target cached, report.json cannot be replaced: exit 1, named.
	report := filepath.Join(out, report.ReportFile)
	chattr(t, "+i", report)
	code, log = build()
	if code != 1 || !strings.Contains(log, report) {
		t.Errorf("with %s immutable: exit %d, want 1 and the file named:\n%s", report, code, log)
	}
	t.Logf("with report.json immutable:\n%s", log)
	chattr(t, "-i", report)

	// 4. The output directory itself cannot be written: refused before
	// anything runs (exit 2), naming it.
	chattr(t, "+i", out)
	code, log = build()
	if code != 2 || !strings.Contains(log, "--output "+out+" is not writable") {
		t.Errorf("with %s immutable: exit %d, want 2 and the directory named:\n%s", out, code, log)
	}
	chattr(t, "-i", out)
	if code, log := build(); code != 0 {
		t.Errorf("writable again: exit %d\n%s", code, log)
	}

	// 5. Another dbuilder (other code, same version string) does not reuse
	// the result; its own second run does; the first dbuilder's next run
	// builds again.
	other := filepath.Join(t.TempDir(), "dbuilder-other")
	if b, err := exec.Command("go", "build", "-buildvcs=false", "-trimpath", "-o", other, "../../cmd/dbuilder").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	for i, want := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		b, err := exec.CommandContext(ctx, other, "build", "-f", m, "--output", out).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("other dbuilder, run %d: %v\n%s", i+1, err, b)
		}
		if cached := strings.Contains(string(b), "all 1 target(s) unchanged"); cached != want {
			t.Errorf("other dbuilder, run %d: cached %v, want %v:\n%s", i+1, cached, want, b)
		}
		if id := runLine.FindStringSubmatch(string(b)); id != nil {
			dockertest.AssertClean(t, eng, id[1])
		}
	}
	if code, log := build(); code != 0 || strings.Contains(log, "all 1 target(s) unchanged") {
		t.Errorf("the first dbuilder again: exit %d, and it must build:\n%s", code, log)
	}
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
