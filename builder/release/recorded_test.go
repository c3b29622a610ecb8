package release

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/report"
)

func TestCheckRecorded(t *testing.T) {
	dir := t.TempDir()
	const pkg = "hellodb_1.0.0_amd64.deb"
	data := []byte("!<arch>\ndebian-binary   1700000000  0     0     100644  4         `\n2.0\n")
	os.WriteFile(filepath.Join(dir, pkg), data, 0o644)
	sum := sha256.Sum256(data)
	rec := &report.Record{Run: "r1", Artifacts: []report.Artifact{{Name: pkg, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}}}
	b := report.Result{Target: "debian-bookworm", Dir: dir, Record: rec}
	if err := checkRecorded(b, []string{pkg}); err != nil {
		t.Fatalf("an untouched package: %v", err)
	}
	for _, c := range []struct {
		name string
		b    report.Result
		pkgs []string
		edit func()
		want string
	}{
		{"no record", report.Result{Target: "debian-bookworm", Dir: dir}, []string{pkg}, nil, "recorded no checksums"},
		{"not recorded", b, []string{pkg, "other.deb"}, nil, "other.deb in " + dir + " is not in"},
		{"one byte, same size", b, []string{pkg}, func() {
			d := append([]byte(nil), data...)
			d[24] = '2'
			os.WriteFile(filepath.Join(dir, pkg), d, 0o644)
		}, pkg + " does not match the sha256"},
	} {
		if c.edit != nil {
			c.edit()
		}
		err := checkRecorded(c.b, c.pkgs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
