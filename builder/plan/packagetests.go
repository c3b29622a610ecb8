package plan

import (
	"fmt"
	"os"

	"github.com/dbuilder/dbuilder/builder/matrix"
)

// setPackageTests decides which tests of the installed packages j runs.
func (j *Job) setPackageTests() error {
	t := j.Target.Test
	switch t.Autopkgtest {
	case matrix.ModeOn:
		if !j.Format.HasTests() {
			return fmt.Errorf("test.autopkgtest is on, but the %s family builds %s packages, which have no DEP-8 tests (debian/tests); use test.installed, or set test.autopkgtest: auto", j.Family.Name, j.Format.Name())
		}
		j.Autopkgtest = true
	case matrix.ModeOff:
	default: // auto, and "" from code that builds a Target by hand
		j.Autopkgtest = j.Format.DeclaresTests(os.DirFS(j.SourceDir))
	}
	switch t.Install {
	case matrix.ModeOn:
		j.InstallTest = true
	case matrix.ModeOff:
	default:
		j.InstallTest = !j.Autopkgtest
	}
	j.Sidecar = t.Docker || j.Autopkgtest
	return nil
}
