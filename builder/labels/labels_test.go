package labels

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// keys are every label key declared here.
var keys = []string{Managed, Run, Target, Role, Matrix, Version, Inputs, Cache, Owner, Bases, Distro,
	OwnerBoot, OwnerPIDNS, OwnerPID, OwnerStart, SetupArch, SetupSuite, SetupMadeBy, SetupContext}

// The shell scripts cannot import the keys: every key they write or filter
// on must be one declared here, so a renamed key cannot leave them behind.
func TestScriptsUseDeclaredKeys(t *testing.T) {
	key := regexp.MustCompile(regexp.QuoteMeta(Prefix) + `[a-z.-]*[a-z]|` + regexp.QuoteMeta(SetupPrefix) + `[a-z.-]*[a-z]`)
	root := filepath.Join("..", "..", "scripts")
	found := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".sh") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, k := range key.FindAllString(string(b), -1) {
			found++
			if !slices.Contains(keys, k) {
				t.Errorf("%s: label key %s is not declared in package labels", p, k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatalf("no label keys found under %s: the test reads the wrong place", root)
	}
}

// doctor finds the base images of other architectures by the key
// make-images.sh writes on them.
func TestMakeImagesWritesTheArchKey(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "scripts", "make-images.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{SetupArch + "=$arch", SetupSuite + "=$suite", SetupMadeBy + "="} {
		if !strings.Contains(string(b), want) {
			t.Errorf("scripts/make-images.sh does not write %s", want)
		}
	}
}
