package cli

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/internal/testreq"
)

// tool finds a program a test needs: without it the test skips, or fails
// in CI, where scripts/test.sh installed it.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	return testreq.Tool(t, name, pkg)
}

// validateJUnit checks a junit.xml against the JUnit XML schema kept in
// testdata/junit (xmllint, from Debian's libxml2-utils), in a subtest:
// without xmllint only this check skips (fails in CI), not its caller.
func validateJUnit(t *testing.T, path string) {
	t.Helper()
	t.Run("junit-schema", func(t *testing.T) {
		xmllint := tool(t, "xmllint", "libxml2-utils")
		xsd := filepath.Join("..", "..", "testdata", "junit", "junit-10.xsd")
		if out, err := exec.Command(xmllint, "--noout", "--schema", xsd, path).CombinedOutput(); err != nil {
			t.Fatalf("%s does not validate: %v\n%s", path, err, out)
		}
	})
}

// dropVolumes removes every volume of matrix name when the test ends
// (caches outlive runs on purpose, but a test's should not).
func dropVolumes(t *testing.T, eng engine.Engine, name string) {
	t.Cleanup(func() {
		vs, _ := eng.VolumeList(context.Background(), map[string]string{labels.Matrix: name})
		for _, v := range vs {
			eng.VolumeRemove(context.Background(), v.Name)
		}
	})
}

// copyTree copies the regular files of src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}
